# rabbitmq-krm — build and test entry points. `make test` is what CI runs (.ci/run).
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
BIN := bin/rabbitmq-krm
# The version `rabbitmq-krm version` prints and the image is labelled with (hack/version.sh:
# the release tag, or VERSION's release with the commit; `make build VERSION=v1.2.3` to set it).
VERSION ?= $(shell bash hack/version.sh)
GO_LDFLAGS := -s -w -X main.version=$(VERSION)
GO_SOURCES := $(shell find fn -name '*.go' -not -name '*_test.go') go.mod go.sum

.PHONY: build render test test-stream-quick test-stream-node test-unit test-kustomize golden bench clean schema fuzz test-fuzz confschema check-confschema

build: $(BIN)

$(BIN): $(GO_SOURCES) VERSION
	CGO_ENABLED=0 go build -trimpath -ldflags '$(GO_LDFLAGS)' -o $@ ./fn

# The quick start: render the example cluster (the article's NFS cluster) through kustomize.
# The generator config names `rabbitmq-krm` without a path (as Argo CD needs): bin/ goes on PATH.
render: build
	PATH="$(CURDIR)/bin:$$PATH" "$$(bash hack/install-kustomize.sh)" build --enable-alpha-plugins --enable-exec bases/rabbitmq

# Regenerate golden files after an intended change; review the diff before committing.
golden: build
	go test ./fn -run 'Golden' -update
	bash hack/kustomize-golden.sh --update
	bash hack/capture-inputs.sh

# Regenerate schema/rabbitmqcluster.v1alpha1.json after changing fn/api/v1alpha1/types.go
# (go test ./schema fails while it is stale).
schema:
	go run ./hack/schemagen

# Regenerate fn/rabbitconf/confschema/keys.tsv, the rabbitmq.conf keys of every series, from
# RabbitMQ's schema files (needs escript, the Debian packages test/cluster/images.sh caches
# and a rabbitmq-server git mirror: hack/confschema/generate.sh); check-confschema fails
# when the embedded file differs from what the sources give.
confschema:
	nice bash hack/confschema/generate.sh

check-confschema:
	tmp=$$(mktemp); trap 'rm -f $$tmp' EXIT; nice bash hack/confschema/generate.sh $$tmp; \
	  diff -u fn/rabbitconf/confschema/keys.tsv $$tmp || { echo "keys.tsv is stale: make confschema" >&2; exit 1; }

# Every benchmark runs once too (-benchtime 1x): they check what they measure (object counts,
# output), and nothing else runs them, so they had broken unnoticed.
test-unit:
	go vet ./...
	go test ./...
	go test ./... -run '^$$' -bench . -benchtime 1x
	go vet -tags k8stypes ./hack/nullfn/...   # the floors hack/bench.sh builds with the tag

# Real kustomize over every unit and combination, and what kustomize and kpt send to the function
# still matches the recordings the Go tests use (testdata/captured).
test-kustomize: build
	bash hack/kustomize-golden.sh
	bash hack/capture-inputs.sh --check

# Suites owned by test/*/ add themselves to E2E_TESTS in their own .mk files.
E2E_TESTS :=
-include test/*/*.mk

# On a cold machine the e2e suites first build Kubernetes from source (~17 min on 2 cores), the Debian
# images, Argo CD (~12-19 min) and promtool (~4-7 min). A build leaves a core idle much of the time
# (linking, downloads), so the builds run in two streams beside the quick suites, and the e2e suites then
# find everything cached (warm, each build is a cache check of seconds). Stream 2's lines are prefixed
# [prebuild].
test:
	$(MAKE) -j2 test-stream-quick test-stream-node
	$(MAKE) $(E2E_TESTS)
	@echo "all test suites passed"

# stream 1: the quick suites in order, then Argo CD's build (test-argocd's argocd-discovery)
test-stream-quick:
	$(MAKE) -j1 test-unit test-kustomize test-fuzz
	bash test/argocd/run.sh --build-only

# stream 2: Kubernetes, CoreDNS, crictl and the images of test/cluster (test-k8s uses the same binaries),
# then promtool (test-monitoring)
test-stream-node:
	bash test/cluster/node.sh build 2>&1 | sed -u 's/^/[prebuild] /'
	bash hack/install-promtool.sh 2>&1 >/dev/null | sed -u 's/^/[prebuild] /'

# Fuzz targets as package:Target. `go test -fuzz` takes one target per package and run, so each
# runs on its own, FUZZTIME long (make fuzz FUZZTIME=3m). A failing input is written to the
# package's testdata/fuzz/<Target>/, and plain `go test` replays it from then on. Minimizing
# each new input for the default 60s left the workers idle most of the time; 5s is plenty.
FUZZTIME ?= 10s
FUZZ_TARGETS := ./fn/api/v1alpha1:FuzzDecode ./fn:FuzzRender ./fn/krm:FuzzExecute ./fn/rabbitconf/erlterms:FuzzParse
run-fuzz = for t in $(FUZZ_TARGETS); do go test "$${t%%:*}" -run '^$$' -fuzz "^$${t\#\#*:}$$" -fuzztime $(1) -fuzzminimizetime 5s; done

fuzz:
	$(call run-fuzz,$(FUZZTIME))

# The CI share of fuzzing: 10s per target.
test-fuzz:
	$(call run-fuzz,10s)

# End-to-end timings against the budgets (kustomize and kpt vs static and replay floors, one
# render vs a null function, 100-3000 configs; docs/performance.md); never part of `make
# test`, nice'd on a shared machine. Go benchmarks: go test ./fn/krm -run x -bench . -benchmem
bench: build
	nice bash hack/bench.sh

clean:
	rm -rf bin out
