# frontdoor — see README.md.
GO      ?= go
# ne: gse is built without its embedded full dictionary; frontdoor ships a
# trimmed one (knowledge/dict) and learns domain words from the documents.
# nomsgpack: gin without MessagePack binding, which frontdoor does not speak
# and whose codec package alone takes half a minute to compile.
TAGS    ?= ne,nomsgpack
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: run deps test bench lint build eval fuzz fuzz-each clean

run: ## serve on :8080 with the documents in seeds/ (brings its own Redis without REDIS_URL)
	$(GO) run -tags $(TAGS) . serve

deps: ## download and compile the dependencies, so that the first `make run` only builds frontdoor
	$(GO) mod download
	$(GO) build -tags $(TAGS) $$($(GO) list -deps -tags $(TAGS) . | grep -v '^frontdoor')

build: ## build bin/frontdoor
	$(GO) build -tags $(TAGS) -ldflags '$(LDFLAGS)' -o bin/frontdoor .

# A package's tests may take TEST_TIMEOUT: the root package's operations
# tests (servers, replicas, failover) take about 6 minutes alone under the
# race detector on two CPUs, and up to 8 beside the other packages.
TEST_TIMEOUT ?= 12m

test: ## vet, then every test with the race detector against a real Redis, then the stores' tests again on a Cluster
	$(GO) vet -tags $(TAGS) ./...
	.ci/with-redis $(GO) test -tags $(TAGS) -race -count=1 -timeout $(TEST_TIMEOUT) ./...
	.ci/with-redis-cluster $(GO) test -tags $(TAGS) -count=1 -timeout 5m ./bot/... ./handlers/...

bench: ## the benchmark figures the issues ask for
	.ci/with-redis $(GO) test -tags $(TAGS) -run '^$$' -bench . -benchmem -benchtime 2s ./knowledge/ ./bot/... ./handlers/... .

eval: build ## intent, retrieval, routing and headline figures on the evaluation sets, the intent model's cross-validation and its mean over eight training orders
	bin/frontdoor eval --orders 8 --set bot/evaluate/testdata/dev.jsonl --set bot/evaluate/testdata/extra.jsonl --set bot/evaluate/testdata/holdout.jsonl --set bot/evaluate/testdata/holdout2.jsonl

# A count, not a duration: with a duration Go 1.26 can fail a clean run with
# "context deadline exceeded" when the time runs out (golang/go#75804).
FUZZTIME ?= 20000x

fuzz: ## run every fuzzer for FUZZTIME executions each, against a real Redis
	.ci/with-redis $(MAKE) --no-print-directory fuzz-each

fuzz-each:
	@for pkg in ./knowledge ./knowledge/docread ./handlers/api ./handlers/platform ./handlers/platform/wxproto ./bot ./bot/calendar ./bot/privacy ./bot/intent; do \
	  for f in $$($(GO) test -tags $(TAGS) -list 'Fuzz.*' $$pkg | grep ^Fuzz); do \
	    echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
	    out=$$($(GO) test -tags $(TAGS) -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 500x $$pkg 2>&1) || { echo "$$out" | tail -40; exit 1; }; \
	  done; \
	done

lint: ## gofmt check, vet, and staticcheck when installed
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet -tags $(TAGS) ./...
	@if command -v staticcheck >/dev/null 2>&1; then staticcheck -tags $(TAGS) ./...; else echo "staticcheck not installed; skipped"; fi

clean:
	rm -rf bin var artifacts
