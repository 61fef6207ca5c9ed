# frontdoor — see README.md.
GO      ?= go
# gse is built without its embedded full dictionary: frontdoor ships a
# trimmed one (knowledge/dict) and learns domain words from the documents.
TAGS    ?= ne
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: run test bench lint build eval fuzz clean

run: ## serve on :8080 with the documents in seeds/ (brings its own Redis without REDIS_URL)
	$(GO) run -tags $(TAGS) . serve

build: ## build bin/frontdoor
	$(GO) build -tags $(TAGS) -ldflags '$(LDFLAGS)' -o bin/frontdoor .

test: ## vet, then every test with the race detector, against a real Redis
	$(GO) vet -tags $(TAGS) ./...
	.ci/with-redis $(GO) test -tags $(TAGS) -race -count=1 -timeout 9m ./...

bench: ## the benchmark figures the issues ask for
	.ci/with-redis $(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./knowledge/ ./bot/... ./handlers/...

eval: build ## retrieval, intent and routing figures on the development set
	bin/frontdoor eval --set bot/evaluate/testdata/dev.jsonl

fuzz: ## run every fuzzer for a bounded time
	@for pkg in ./knowledge ./knowledge/docread ./handlers ./handlers/wxproto ./bot/calendar; do \
	  for f in $$($(GO) test -list 'Fuzz.*' $$pkg | grep ^Fuzz); do \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 20s -fuzzminimizetime 2s $$pkg || exit 1; \
	  done; \
	done

lint: ## gofmt check, vet, and staticcheck when installed
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet -tags $(TAGS) ./...
	@if command -v staticcheck >/dev/null 2>&1; then staticcheck -tags $(TAGS) ./...; else echo "staticcheck not installed; skipped"; fi

clean:
	rm -rf bin var artifacts
