# docker-telepresence: build, install and test the Docker CLI plugin.
GO        ?= go
MODULE    := github.com/telepresenceio/docker-telepresence
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X $(MODULE)/metadata.Version=$(VERSION)
# Where the Docker CLI looks for plugins: $DOCKER_CONFIG/cli-plugins when
# DOCKER_CONFIG is set, else ~/.docker/cli-plugins.
PLUGINDIR ?= $(or $(DOCKER_CONFIG),$(HOME)/.docker)/cli-plugins
BIN       := bin/docker-telepresence
EXAMPLE   := -f examples/echo/compose.yaml -f examples/echo/compose.telepresence.yaml
# The platforms of a release: Docker Desktop's (macOS, Windows) and Linux,
# each on amd64 and arm64.
PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
FUZZTIME  ?= 10s
# golangci-lint, pinned: `make lint` installs this release from the Go
# module proxy into bin/tools the first time.
GOLANGCI_LINT_VERSION := v2.15.0
GOLANGCI_LINT := bin/tools/golangci-lint-$(GOLANGCI_LINT_VERSION)

.PHONY: build install example release check-release vet-platforms test unit e2e fuzz lint bench clean

## build: the static plugin binary in bin/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) .

## install: the plugin into $(PLUGINDIR), where the Docker CLI finds it
install: build
	mkdir -p $(PLUGINDIR)
	cp $(BIN) $(PLUGINDIR)/docker-telepresence

## example: install, then print the example project as it runs with Telepresence (no cluster needed)
example: install
	docker telepresence $(EXAMPLE) config

## release: the plugin for every platform in dist/ (docker-telepresence-<os>-<arch>[.exe]), static, trimmed and stamped with VERSION, and dist/SHA256SUMS
release:
	rm -rf dist
	mkdir -p dist
	@set -e; for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; ext=; [ "$$os" = windows ] && ext=.exe; \
		echo "building dist/docker-telepresence-$$os-$$arch$$ext"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "$(LDFLAGS)" \
			-o dist/docker-telepresence-$$os-$$arch$$ext .; \
	done
	cd dist && sha256sum docker-telepresence-* > SHA256SUMS

## vet-platforms: go vet of the shipped packages as each platform builds them (the Windows and macOS files included)
SHIPPED := . ./plugin/... ./lifecycle/... ./transform/... ./telepresence/... ./metadata/... ./internal/...
vet-platforms:
	@set -e; for p in $(PLATFORMS); do \
		echo "vetting for $$p"; \
		CGO_ENABLED=0 GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) vet -trimpath $(SHIPPED); \
	done

## check-release: check what `make release` made: each binary is what its name says, the sums match, VERSION is stamped
check-release:
	./scripts/check-release.sh $(VERSION)

## test: lint, unit tests with the race detector (the fuzz targets' seed corpora included), and the e2e suite (needs a Docker Engine)
# No -fuzz here: a fuzz run is bound by a deadline, and on a loaded machine
# it can fail with "context deadline exceeded" without finding anything.
# `go test` in unit still runs every fuzz target on its seed corpus
# (testdata/fuzz and the f.Add seeds); `make fuzz` explores beyond it.
test: lint unit e2e

# E2E is cleared so that a caller's E2E=1 does not run the e2e suite twice.
unit:
	E2E= $(GO) test -race -count=1 ./...

# The timeout only catches a hung run, and must not fail a slow one (CI's
# own limit is 90 minutes). The tests of each package run four at a time
# (e2e/doc.go).
e2e:
	E2E=1 $(GO) test -p 1 -count=1 -timeout 60m -parallel 4 -v ./e2e/...

## fuzz: each fuzz target for $(FUZZTIME) (not part of `make test`)
fuzz:
	@for target in $$($(GO) test -list '^Fuzz' ./transform/ | grep '^Fuzz'); do \
		echo "fuzzing $$target for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) ./transform/ || exit 1; \
	done

## lint: go vet, gofmt, and golangci-lint (.golangci.yml)
lint: $(GOLANGCI_LINT)
	$(GO) vet ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GOLANGCI_LINT) run ./...

$(GOLANGCI_LINT):
	mkdir -p bin/tools
	GOBIN=$(CURDIR)/bin/tools GOFLAGS= $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv bin/tools/golangci-lint $@

## bench: benchmarks and side-by-side timings, see BENCHMARKS.md
bench:
	./scripts/bench.sh

clean:
	rm -rf bin dist
