# authquake: `make demo` and `make test` do all set-up on a fresh machine with
# a Docker Engine (see README.md).
GO      ?= go
BIN     := bin/authquake
export TESTCONTAINERS_RYUK_DISABLED ?= true

.PHONY: build images test test-short vet demo bench clean cleanup fuzz

build:
	$(GO) build -o $(BIN) ./cmd/authquake

# Build every image with no registry; a second call with nothing changed does no work.
images: build
	$(BIN) images

vet:
	$(GO) vet ./...

# Unit tests and container tests. Container tests need the images; with
# CI=true they fail, not skip, when Docker is missing.
test: vet images
	$(GO) test -race -timeout 18m ./...

# Unit tests only: no Docker needed.
test-short: vet
	$(GO) test -race -short ./...

demo: images
	@echo "make demo: the promotion-spike scenario lands with the scenario library (issue 7); starting the topology instead:"
	$(BIN) up --for 20s

cleanup: build
	$(BIN) cleanup

clean:
	rm -rf bin
