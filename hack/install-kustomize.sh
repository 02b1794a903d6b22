#!/usr/bin/env bash
# Installs the pinned standalone kustomize into the project cache and prints its path.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
KUSTOMIZE_VERSION=v5.8.2   # newest that builds with Go 1.26 (v5.8.3 needs Go 1.27)
dest="$TOOLS_BIN/kustomize-$KUSTOMIZE_VERSION"
if [ ! -x "$dest" ]; then
  log "building kustomize $KUSTOMIZE_VERSION (cold: about 2 minutes)"
  tmp=$(mktemp -d)
  GOBIN="$tmp" go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" >&2
  mv "$tmp/kustomize" "$dest"
  rmdir "$tmp"
fi
echo "$dest"
