#!/usr/bin/env bash
# Checks the PrometheusRules the function renders with the real promtool (see README.md here):
#   1. the PrometheusRule CRD fixture of test/k8s is the pinned prometheus-operator release's;
#   2. `promtool check rules` on the rule groups of every PrometheusRule in the golden and
#      kustomize outputs (testdata/golden/*/want.yaml, testdata/kustomize/*.yaml);
#   3. `promtool test rules`: configs/<case>.yaml is rendered by bin/rabbitmq-krm, its rule
#      groups written to <case>.rules.yaml beside tests/<case>.test.yaml, and the test run;
#   4. negative controls: a rule file with a wrong metric name, a broken expression and a
#      changed threshold must each make promtool fail.
# Usage: test/monitoring/run.sh      Env: KEEP_WORKDIR=1 keeps the scratch directory.
set -euo pipefail
source "$(dirname "$0")/../../hack/lib.sh"
HERE="$REPO_ROOT/test/monitoring"
BIN="$REPO_ROOT/bin/rabbitmq-krm"
[ -x "$BIN" ] || die "$BIN is missing: run make build"
PROMTOOL="$(bash "$REPO_ROOT/hack/install-promtool.sh")"
scratch_dir monitoring
go build -o "$W/extract-rules" "$HERE/extract-rules"
failed=0 defaults_passed=
fail() { log "FAIL $*"; failed=$((failed + 1)); }

check_crd() {
  local pinned
  pinned="$(bash "$HERE/prometheusrule-crd.sh" print)" || { fail "crd: could not read the pinned CRD"; return; }
  if diff -u <(bash "$HERE/prometheusrule-crd.sh" strip <"$REPO_ROOT/test/k8s/crds/prometheusrule.yaml") <(printf '%s\n' "$pinned") >"$W/crd.diff"; then
    log "PASS crd: test/k8s/crds/prometheusrule.yaml is the pinned prometheus-operator CRD"
  else
    fail "crd: test/k8s/crds/prometheusrule.yaml differs from the pinned CRD (bash test/monitoring/prometheusrule-crd.sh update):"; cat "$W/crd.diff" >&2
  fi
}

# check_outputs: promtool check rules on each output that holds PrometheusRules; at least one must.
check_outputs() {
  local f n=0 rules
  for f in "$REPO_ROOT"/testdata/golden/*/want.yaml "$REPO_ROOT"/testdata/kustomize/*.yaml; do
    rules="$W/check-$(basename "$(dirname "$f")")-$(basename "$f" .yaml).rules.yaml"
    "$W/extract-rules" <"$f" >"$rules" || { fail "extract $f"; continue; }
    [ -s "$rules" ] || continue
    n=$((n + 1))
    if "$PROMTOOL" check rules --lint=all --lint-fatal "$rules" >"$W/out" 2>&1; then
      log "PASS check rules ${f#"$REPO_ROOT"/} ($(grep -c '^ *- alert:' "$rules") alerts)"
    else
      fail "check rules ${f#"$REPO_ROOT"/}:"; cat "$W/out" >&2
    fi
  done
  [ "$n" -gt 0 ] || fail "check rules: no output holds a PrometheusRule"
}

# render_rules CONFIG OUT: the rule groups the function renders for CONFIG.
render_rules() {
  "$BIN" render "$1" | "$W/extract-rules" -require >"$2"
}

unit_tests() {
  local t case
  for t in "$HERE"/tests/*.test.yaml; do
    case="$(basename "$t" .test.yaml)"
    render_rules "$(config_of "$case")" "$W/$case.rules.yaml" || { fail "render $case"; continue; }
    cp "$t" "$W/"
    if "$PROMTOOL" test rules "$W/$case.test.yaml" >"$W/out" 2>&1; then
      log "PASS test rules $case ($(grep -c 'alertname:' "$t") alert checks)"
      [ "$case" != defaults-4.2 ] || defaults_passed=1
    else
      fail "test rules $case:"; cat "$W/out" >&2
    fi
  done
}

# config_of CASE: configs/CASE.yaml, or the golden case of that name.
config_of() {
  if [ -f "$HERE/configs/$1.yaml" ]; then echo "$HERE/configs/$1.yaml"; else echo "$REPO_ROOT/testdata/golden/$1/config.yaml"; fi
}

# negative_control NAME SED_EXPR: the defaults test, passing on the rules as rendered, must
# FAIL on the rules changed by SED_EXPR.
negative_control() {
  local d="$W/neg-$1"
  [ -n "$defaults_passed" ] || { fail "negative control $1: the defaults-4.2 test must pass first"; return; }
  mkdir -p "$d"
  render_rules "$(config_of defaults-4.2)" "$d/defaults-4.2.rules.yaml"
  cp "$HERE/tests/defaults-4.2.test.yaml" "$d/"
  sed -i -E "$2" "$d/defaults-4.2.rules.yaml"
  cmp -s "$d/defaults-4.2.rules.yaml" "$W/defaults-4.2.rules.yaml" && { fail "negative control $1: the change did not apply"; return; }
  if "$PROMTOOL" test rules "$d/defaults-4.2.test.yaml" >"$d/out" 2>&1; then
    fail "negative control $1: promtool test rules passed on broken rules"
  else
    log "PASS negative control $1: promtool failed ($(grep -m1 -oE 'FAILED|could not|parse error|bad|Error[^:]*' "$d/out" || echo failed))"
  fi
}

check_crd
check_outputs
unit_tests
negative_control wrong-metric-name 's/rabbitmq_process_open_fds/rabbitmq_process_open_file_descriptors/'
negative_control broken-expression 's/max by\(namespace, statefulset\) \(kube_statefulset_replicas/max by(namespace, statefulset) (kube_statefulset_replicas(/'
negative_control threshold-changed 's/\* 100 > 80/* 100 > 90/'
negative_control other-namespace 's/namespace="messaging", persistentvolumeclaim/namespace=~"messaging|other", persistentvolumeclaim/'
[ "$failed" -eq 0 ] || die "$failed monitoring check(s) failed"
log "all monitoring checks passed"
