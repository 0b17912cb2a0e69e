# syntax=docker/dockerfile:1
# Builds the static plugin binary; the final stage holds only the binary, so
#   docker buildx build --output type=local,dest=. .
# drops docker-telepresence into the current directory. --output needs
# BuildKit: docker buildx, or DOCKER_BUILDKIT=1 docker build before Engine 23.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/telepresenceio/docker-telepresence/metadata.Version=${VERSION}" \
    -o /out/docker-telepresence .

FROM scratch
COPY --from=build /out/docker-telepresence /docker-telepresence
