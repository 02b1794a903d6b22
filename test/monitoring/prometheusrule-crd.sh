#!/usr/bin/env bash
# The PrometheusRule CRD that test/k8s installs is the prometheus-operator release's own, pinned
# here and taken from the Go module proxy (the module zip ships example/prometheus-operator-crd/).
#   prometheusrule-crd.sh print    the pinned release's CRD
#   prometheusrule-crd.sh strip    stdin without the provenance header (what print must equal)
#   prometheusrule-crd.sh update   rewrite test/k8s/crds/prometheusrule.yaml
set -euo pipefail
source "$(dirname "$0")/../../hack/lib.sh"
PROMETHEUS_OPERATOR_VERSION=v0.93.0
MODULE=github.com/prometheus-operator/prometheus-operator
CRD=example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml
FIXTURE="$REPO_ROOT/test/k8s/crds/prometheusrule.yaml"

print() {
  local dir
  dir="$(cd "${TMPDIR:-/tmp}" && go mod download -json "$MODULE@$PROMETHEUS_OPERATOR_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -f "$dir/$CRD" ] || die "could not download $MODULE@$PROMETHEUS_OPERATOR_VERSION"
  cat "$dir/$CRD"
}

case "${1:-}" in
  print) print ;;
  strip) sed '/^# /d' ;;
  update)
    { printf '# The PrometheusRule CRD of prometheus-operator %s, unchanged (%s in the module\n' "$PROMETHEUS_OPERATOR_VERSION" "$CRD"
      printf '# %s@%s). Written by test/monitoring/prometheusrule-crd.sh update; test/monitoring checks it.\n' "$MODULE" "$PROMETHEUS_OPERATOR_VERSION"
      print; } >"$FIXTURE.tmp"
    mv "$FIXTURE.tmp" "$FIXTURE" ;;
  *) die "usage: $0 print|strip|update" ;;
esac
