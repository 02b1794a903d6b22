#!/usr/bin/env bash
# Captures the ResourceLists that the real orchestrators send to the function, into
# testdata/captured/<case>.yaml, so that Go tests run the function on exactly what kustomize
# and kpt send (never on a hand-written guess of it). Each case runs the real tool with a
# wrapper that records stdin and then runs bin/rabbitmq-krm.
#
#   hack/capture-inputs.sh            rewrite testdata/captured/*.yaml
#   hack/capture-inputs.sh --check    capture again and fail when a file differs (run by
#                                     test/consumers: a new kustomize or kpt that sends
#                                     something else shows up here)
# Temporary paths are replaced by /PKG so that captures are stable.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
check=false
[ "${1:-}" = "--check" ] && check=true
KUSTOMIZE="$(bash "$REPO_ROOT/hack/install-kustomize.sh")"
KPT="$(bash "$REPO_ROOT/hack/install-kpt.sh")"
BIN="$REPO_ROOT/bin/rabbitmq-krm"
[ -x "$BIN" ] || die "$BIN is missing: run make build"
OUT="$REPO_ROOT/testdata/captured"
W="$(mktemp -d "${TMPDIR:-/tmp}/rabbitmq-krm-capture.XXXXXX")"
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/got"

printf '#!/bin/sh\n# records the input, then runs the function\ntee "$CAPTURE" | exec "%s"\n' "$BIN" >"$W/record"
chmod +x "$W/record"

config() { # config FILE [ANNOTATION-LINES]: the same cluster config in every case (4 replicas
  # give a warning result, generate an error where the output is not kept)
  { printf 'apiVersion: rabbitmq-krm.dev/v1alpha1\nkind: RabbitMQCluster\nmetadata:\n  name: rabbitmq\n  namespace: ns\n'
    [ -z "${2:-}" ] || printf '  annotations:\n%s\n' "$2"
    printf 'spec:\n  replicas: 4\n  erlangCookie: {generate: true}\n'; } >"$1"
}

package() { # package DIR [MUTATOR-LINES]: a kpt package with one unrelated object
  mkdir -p "$1"
  printf 'apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\n' >"$1/Kptfile"
  [ -z "${2:-}" ] || printf 'pipeline:\n  mutators:\n%s\n' "$2" >>"$1/Kptfile"
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other, namespace: ns}\ndata: {a: b}\n' >"$1/other.yaml"
}

# record CASE DIR CMD...: runs CMD in DIR with the recorder; the function's verdict does not
# matter here (generate is refused in some cases), only what it was sent.
record() {
  local name=$1 dir=$2; shift 2
  (cd "$dir" && CAPTURE="$W/raw-$name.yaml" "$@" >/dev/null 2>&1) || true
  [ -s "$W/raw-$name.yaml" ] || die "$name: the orchestrator sent nothing (is the function run at all?)"
  sed -e "s#$W/[a-z-]*#/PKG#g" "$W/raw-$name.yaml" >"$W/got/$name.yaml"
}

# kustomize: the config is a generator (exec mode).
mkdir -p "$W/kustomize"
printf 'generators:\n- rabbitmq.yaml\n' >"$W/kustomize/kustomization.yaml"
config "$W/kustomize/rabbitmq.yaml" "    config.kubernetes.io/function: |
      exec:
        path: $W/record"
record kustomize-generator "$W/kustomize" "$KUSTOMIZE" build --enable-alpha-plugins --enable-exec .

# kpt fn render: the config lives in the package, named by configPath.
package "$W/render" "  - exec: $W/record
    configPath: rabbitmq.yaml"
config "$W/render/rabbitmq.yaml" '    config.kubernetes.io/local-config: "true"'
record kpt-render-configpath "$W/render" "$KPT" fn render --allow-exec .

# kpt fn eval without --fn-config: package mode, the config is one of the items.
package "$W/eval"
config "$W/eval/rabbitmq.yaml" '    config.kubernetes.io/local-config: "true"'
record kpt-eval-package "$W/eval" "$KPT" fn eval --exec "$W/record" .

# kpt fn eval --fn-config FILE outside the package: the config is not an item.
package "$W/outside"
config "$W/outside-config.yaml"
record kpt-eval-fnconfig-outside "$W/outside" "$KPT" fn eval --exec "$W/record" --fn-config "$W/outside-config.yaml" .

if ! $check; then
  mkdir -p "$OUT"; cp "$W"/got/*.yaml "$OUT/"; log "wrote $(ls "$W/got" | wc -l) captures to $OUT"; exit 0
fi
rc=0
for f in "$W"/got/*.yaml; do
  if ! cmp -s "$f" "$OUT/$(basename "$f")"; then
    log "FAIL $(basename "$f"): what the orchestrator sends changed (hack/capture-inputs.sh rewrites it)"
    diff -u "$OUT/$(basename "$f")" "$f" | head -30 >&2 || true; rc=1
  fi
done
[ $rc = 0 ] && log "captures match what kustomize $("$KUSTOMIZE" version 2>/dev/null | head -1) and kpt $("$KPT" version) send"
exit $rc
