# syntax=docker/dockerfile:1
# Builds the static plugin binary for any --platform; the final stage holds
# only the binary, so
#   docker buildx build --platform darwin/arm64 --output type=local,dest=. .
# drops docker-telepresence (docker-telepresence.exe for windows/*) into the
# current directory. Go cross-compiles: the build stage runs on the
# builder's own platform. --output needs BuildKit: docker buildx, or
# DOCKER_BUILDKIT=1 docker build before Engine 23.
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG TARGETOS
ARG TARGETARCH
RUN ext=""; [ "$TARGETOS" = windows ] && ext=.exe; \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath \
    -ldflags "-s -w -X github.com/telepresenceio/docker-telepresence/metadata.Version=${VERSION}" \
    -o /out/docker-telepresence$ext .

FROM scratch
COPY --from=build /out/ /
