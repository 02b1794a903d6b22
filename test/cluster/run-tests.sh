#!/usr/bin/env bash
# run-tests.sh - `make test-cluster`: bring the node up (node.sh), run the Go e2e suite on it, take the node
# down and check that nothing is left. The last line is the suite's `N passed, M failed` (the teardown check
# counts as one case). Knobs: CLUSTER_RUN (go test -run regexp, default all), CLUSTER_CONFIGS=DIR (formation
# for every config in DIR too), CLUSTER_KEEP=1 (leave the node running for debugging; `node.sh down` later).
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
: "${RABBITMQ_KRM_BIN:=$ROOT/bin/rabbitmq-krm}"
[ -x "$RABBITMQ_KRM_BIN" ] || { echo "build the binary first (make build): $RABBITMQ_KRM_BIN" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "test/cluster needs root (bridge, containerd, kubelet)" >&2; exit 2; }

[ -z "${CLUSTER_CONFIGS:-}" ] || export CLUSTER_CONFIGS="$(cd "$CLUSTER_CONFIGS" && pwd)"
t0=$SECONDS
env_lines=$(bash "$HERE/node.sh" up) || { bash "$HERE/node.sh" down; echo "0 passed, 1 failed"; exit 1; }
eval "$env_lines"
up_s=$((SECONDS - t0))
summary=$(mktemp)
t1=$SECONDS
(cd "$HERE" && RABBITMQ_KRM_BIN=$RABBITMQ_KRM_BIN RK_SUMMARY_FILE=$summary \
  go test -tags e2e . -count=1 -v -parallel "${CLUSTER_PARALLEL:-2}" -timeout "${CLUSTER_TIMEOUT:-100m}" -run "${CLUSTER_RUN:-.}")
rc=$?
test_s=$((SECONDS - t1))
[ -s "$summary" ] || printf 'FAIL %-40s go test did not finish (exit %d)\n0 passed, 1 failed\n' suite "$rc" >"$summary"

if [ "${CLUSTER_KEEP:-0}" = 1 ]; then
  teardown="SKIP node/teardown (CLUSTER_KEEP=1; run test/cluster/node.sh down)"; left=0
else
  t2=$SECONDS
  bash "$HERE/node.sh" down
  if left=$(bash "$HERE/node.sh" leftovers); then teardown="PASS node/teardown ($((SECONDS - t2))s, nothing left)"; left=0
  else teardown="FAIL node/teardown: left behind: $(echo "$left" | tr '\n' ';')"; left=1; fi
fi
echo
echo "node up ${up_s}s, tests ${test_s}s, total $((SECONDS - t0))s"
head -n -1 "$summary"
echo "$teardown"
read -r passed _ failed _ < <(tail -n 1 "$summary")
case "$teardown" in PASS*) passed=$((passed + 1)) ;; FAIL*) failed=$((failed + 1)) ;; esac
rm -f "$summary"
echo "$passed passed, $failed failed"
[ "$rc" = 0 ] && [ "$left" = 0 ] && [ "$failed" = 0 ]
