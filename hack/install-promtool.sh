#!/usr/bin/env bash
# Installs the pinned promtool (Prometheus' rule checker and rule unit tester) into the project
# cache and prints its path. test/monitoring runs it on every rendered PrometheusRule.
#
# Built from the Go module proxy: Prometheus 3.x publishes its Go module as v0.3XX.Y for release
# 3.XX.Y. The tag remove_all_sd drops the service-discovery plugins (cloud SDKs of AWS, Azure,
# GCE, ...; plugins/plugin_*.go) that promtool's rule commands never use: a cold build needs 54%
# less CPU and a third of the memory (test/monitoring/README.md, "Cost"; only file and http
# discovery stay, plus the kubernetes package promtool imports directly).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PROMETHEUS_MODULE_VERSION=v0.316.0   # Prometheus 3.16.0; its go.mod needs Go 1.26.7
dest="$TOOLS_BIN/promtool-$PROMETHEUS_MODULE_VERSION"
if [ ! -x "$dest" ]; then
  log "building promtool $PROMETHEUS_MODULE_VERSION (cold: about 4-7 minutes on 2 CPUs)"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  GOBIN="$tmp" go install -trimpath -tags remove_all_sd \
    "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_MODULE_VERSION" >&2
  mv "$tmp/promtool" "$dest"
fi
echo "$dest"
