#!/usr/bin/env bash
# Times what users wait for against the budgets of issue 15 and prints PASS/FAIL per budget.
# `make bench` runs it after `make build`; it is never part of `make test` (no test asserts a
# time). Results and how to read them: docs/performance.md.
#
#   bash hack/bench.sh [--no-budget] [--runs N] [--kpt-configs N]
#
#   --no-budget      only report: exit 0 even when a budget fails
#   --runs N         timed pairs for the small measurements (default 30)
#   --kpt-configs N  configs in the kpt package (default 300)
#
# Budgets:
#   1. one render (the article's cluster as a kustomize generator sends it) <= 1.5x the null KRM
#      function (hack/nullfn), whole processes, medians of interleaved pairs (hack/benchpairs)
#   2. `kustomize build bases/rabbitmq` <= 1.5x `kustomize build` of the same output as static
#      YAML, interleaved pairs
#   3. `kpt fn render` of a package with 300 configs <= 1.3x the same pipeline with a replay
#      function that writes the same output (hack/nullfn/replay), first render and re-render
#   4. 1000 configs in one ResourceList <= 3 s and <= 300 MiB peak RSS, growing linearly
#      (100 / 1000 / 3000: the ratios should be near 10 and 3)
#
# Beside budgets 1 and 2 it prints their floors: the null function and the replay generator
# built with the k8s.io/api groups linked (hack/nullfn/k8stypes), `rabbitmq-krm version`, and
# the render's work in a warm process (BenchmarkKRM/article).
#
# The machine is shared: pairs are interleaved so that load hits both sides alike, medians are
# reported, and the load average is printed with the numbers.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

BUDGETS=1 RUNS=30 KPT_CONFIGS=300
while [ $# -gt 0 ]; do
  case "$1" in
    --no-budget) BUDGETS=0 ;;
    --runs) RUNS="${2:?--runs needs a number}"; shift ;;
    --kpt-configs) KPT_CONFIGS="${2:?--kpt-configs needs a number}"; shift ;;
    -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
  shift
done

cd "$REPO_ROOT"
tmp=$(mktemp -d)
[ -z "${BENCH_KEEP:-}" ] || log "keeping $tmp"
[ -n "${BENCH_KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
[ -x /usr/bin/time ] || ( apt_install time ) || die "GNU time is needed for peak memory"
KUSTOMIZE=$(bash hack/install-kustomize.sh)
KPT=$(bash hack/install-kpt.sh)

make -s build >&2
built_fn_on_path   # bases/rabbitmq names `rabbitmq-krm` (PATH)
FN="$REPO_ROOT/bin/rabbitmq-krm"
for tool in nullfn nullfn/replay benchpairs; do
  CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$tmp/$(basename "$tool")" "./hack/$tool"
done
# The floors again with the k8s.io/api groups rabbitmq-krm renders linked in (hack/nullfn/k8stypes).
for tool in nullfn nullfn/replay; do
  CGO_ENABLED=0 go build -tags k8stypes -trimpath -ldflags '-s -w' -o "$tmp/$(basename "$tool")-k8s" "./hack/$tool"
done
NULLFN=$tmp/nullfn REPLAY=$tmp/replay PAIRS=$tmp/benchpairs
ARTICLE=testdata/golden/article-nfs/config.yaml

# resource_list N FILE: a package-mode ResourceList with N copies of the article's cluster as
# items, each with its own name and namespace.
resource_list() {
  awk -v n="$1" '
    /^#/ { next }
    { doc[++lines] = $0 }
    END {
      print "apiVersion: config.kubernetes.io/v1"; print "kind: ResourceList"; print "items:"
      for (i = 0; i < n; i++) for (l = 1; l <= lines; l++) {
        line = doc[l]
        if (line == "  name: rabbitmq") line = "  name: mq" i
        if (line == "  namespace: ns-rabbitmq") line = "  namespace: ns-mq" i
        print (l == 1 ? "- " : "  ") line
      }
    }' "$ARTICLE" > "$2"
}

FAILED=0 RESULTS=()
# budget NAME VALUE LIMIT UNIT: records PASS when VALUE <= LIMIT.
budget() {
  local verdict=PASS
  awk -v v="$2" -v l="$3" 'BEGIN { exit !(v <= l) }' || { verdict=FAIL; FAILED=1; }
  RESULTS+=("$(printf '%-4s  %-58s %9s %s  (budget <= %s %s)' "$verdict" "$1" "$2" "$4" "$3" "$4")")
}
ms() { awk -v s="$1" 'BEGIN { printf "%.1f ms", s * 1000 }'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

source hack/bench-lib.sh

log "1/4 one render vs the null function ($RUNS pairs)"
bench_render
log "2/4 kustomize build vs static ($RUNS pairs)"
bench_kustomize
log "3/4 kpt fn render, $KPT_CONFIGS configs, vs a replay function"
bench_kpt
log "4/4 100 / 1000 / 3000 configs in one ResourceList"
bench_scale

echo
echo "rabbitmq-krm bench: $(nproc) CPUs, $(go version | cut -d' ' -f3), kustomize $("$KUSTOMIZE" version 2>/dev/null | head -1), kpt $("$KPT" version)"
printf '%s\n' "${REPORT[@]}"
echo
printf '%s\n' "${RESULTS[@]}"
if [ "$FAILED" = 1 ]; then
  [ "$BUDGETS" = 1 ] && { echo "some budgets FAIL (--no-budget only reports)"; exit 1; }
  echo "some budgets FAIL (--no-budget: reported only)"
fi
