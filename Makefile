# authquake: `make demo` and `make test` do all set-up on a fresh machine with
# a Docker Engine (see README.md).
GO      ?= go
BIN     := bin/authquake
export TESTCONTAINERS_RYUK_DISABLED ?= true

.PHONY: build deps deps-test images test test-scenarios test-short test-multinode vet demo bench bench-shrink bench-swarm clean cleanup fuzz capacity

# Load generator against vegeta's own CLI, memory over a long run, accuracy
# (about 12 minutes; writes BENCHMARKS.md), 1, 2 and 4 shards merged against one
# process (bench shards, about 3 minutes), authquake swarm against authquake run
# on authsim (bench-swarm), then the hot paths' Go benchmarks.
bench:
	$(GO) run ./cmd/bench
	$(GO) run ./cmd/bench shards
	$(MAKE) bench-swarm
	$(GO) test -run XXX -bench . -benchmem ./harness/traffic/ ./harness/load/ ./harness/record/ ./harness/analysis/ ./harness/live/

# Replay and shrink against each of authsim's planted bugs at full length (opt
# in: up to 40 minutes a bug, most of it the 30-minute shrink budget): run,
# replay --times 5, shrink, and the bug-off run shrunk; writes BENCHMARKS.md.
# BUGS=limit-race for one; LOCK=FILE holds flock FILE around each call.
BUGS ?= ack-before-commit,decline-leaves-hold,idempotency-race,limit-race,stale-limit-cache
bench-shrink: images
	$(GO) run ./cmd/bench shrink -bugs $(BUGS) $(if $(LOCK),-lock $(LOCK))

# An authsim scenario with a database blackhole as one authquake run and as
# authquake swarm --workers 3, alternating, 3 trials each (about 5 minutes):
# outcomes, p50/p99, the fault's impact and recovery, the audit; writes
# BENCHMARKS.md. A single-node swarm is made for each swarm trial if this
# engine is in none, and left after it. LOCK=FILE holds flock FILE a trial.
bench-swarm: images
	$(GO) run ./cmd/bench swarm $(if $(LOCK),-lock $(LOCK))

# The truth matrix at length: phases three times as long at twice the rate,
# three trials (about 6 minutes).
bench-truth:
	TRUTH_SCALE=3 $(GO) test -count=3 -timeout 30m -run TestTruthMatrix -v ./targets/truth/

# Capacity of authsim at three CPU limits against a promotion's peak.
capacity: images
	$(BIN) capacity scenarios/capacity/step-load.yaml --cpus 0.5,1,2 --target-rate 1500/s

# Every fuzz target, package:name: the scenario decoder and its YAML
# budgets (size, tokens, depth, keys, aliases; their seeds hold an alias
# bomb, 100 KB of nesting and a file past the size limit), the rate and
# duration parsers, the request templates, the readers of a run
# directory (attempts, run.json/timeline/samples, summary.json), the
# coordination endpoint's bodies and uploads, and merge's shard.json.
# scripts/fuzz runs them one at a time (-fuzz takes one target per call).
FUZZ_TARGETS := harness/scenario:FuzzParse harness/scenario:FuzzYAMLBudget harness/scenario:FuzzParseRate harness/scenario:FuzzParseDuration \
	harness/load:FuzzRequestTemplate harness/record:FuzzRead harness/analysis:FuzzRunDir harness/cli:FuzzSummary \
	harness/coord:FuzzMessage harness/coord:FuzzUpload harness/merge:FuzzShardFile
FUZZTIME ?= 1m
fuzz-run = GO=$(GO) scripts/fuzz $(1) $(FUZZ_TARGETS)

# Run every fuzzer for FUZZTIME each (about 11.5 minutes); new finds land in
# each package's testdata/fuzz.
fuzz:
	@$(call fuzz-run,$(FUZZTIME))

build:
	$(GO) build -o $(BIN) ./cmd/authquake

# What a fresh machine lacks (debootstrap), installed with apt-get when run as
# root; deps-test adds chromium for the report's browser test.
deps:
	@scripts/install-deps
deps-test:
	@scripts/install-deps --browser

# Build every image with no registry; a second call with nothing changed does no work.
images: build deps
	$(BIN) images

vet:
	$(GO) vet ./...

# Unit tests and container tests, one package at a time (container tests
# measure timing and must not share the two cores), then each fuzz target
# for 2000 inputs (a count, not a duration: see scripts/fuzz); under 20
# minutes on 2 cores. Container tests need the images;
# with CI=true they fail, not skip, when Docker is missing. The truth matrix
# (every cell against the truth service at once, about a minute) runs
# without the race detector, whose slowdown would make the load generator
# the bottleneck (test-short runs it with it).
test: vet deps-test images
	$(GO) test -race -p 1 -timeout 15m -skip '$(SCALEOUT_TESTS)' $$($(GO) list ./... | grep -v -e '/scenarios$$' -e '/examples/' -e '/targets/truth$$')
	$(GO) test -p 1 -timeout 15m ./targets/truth/
	@$(call fuzz-run,2000x)

# The scenario library and the bugs it must catch, and the your-service
# example: whole scenarios at full rate, without the race detector; then the
# whole sharded runs (swarm on a single-node swarm it makes, k8s with the test
# playing the cluster, capacity --workers), with it. About 16 minutes; .ci/run
# runs it after test.
SCALEOUT_TESTS = ^(TestSwarmRunsShardsEndToEnd|TestSwarmOwnsTheTargetAndItsFaults|TestHandShardsShareTheTargetShard0Starts|TestK8sOwnsTheTargetAndItsFaults|TestCapacityFromSwarmShards)$$
test-scenarios: deps-test images
	$(GO) test -p 1 -timeout 20m ./scenarios/ ./examples/...
	$(GO) test -race -p 1 -timeout 15m -run '$(SCALEOUT_TESTS)' ./harness/cli/

# A multi-node swarm simulated on this machine (opt in, not part of test):
# three Docker-in-Docker nodes from Debian's docker.io (authquake images
# --dind), one manager and two workers, and authquake swarm with 3 shards
# one a node against the manager's engine. See README "Beyond one machine".
test-multinode: build deps
	$(BIN) images --dind
	AUTHQUAKE_MULTINODE=1 $(GO) test -count=1 -v -timeout 20m ./harness/multinode/

# Unit tests only: no Docker needed.
test-short: vet
	$(GO) test -race -short ./...

# The main job: the promotion-spike scenario against authsim (about two
# minutes), the terminal summary, and the path of report.html. A breached SLO
# (exit 1) is a finding, not a failed demo.
demo: images
	@$(BIN) run scenarios/promo/midnight-spike.yaml; rc=$$?; \
	if [ $$rc -gt 1 ]; then echo "authquake run exited $$rc"; exit $$rc; fi

cleanup: build
	$(BIN) cleanup

clean:
	rm -rf bin
