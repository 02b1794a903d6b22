#!/usr/bin/env bash
# Builds every kustomization under bases/ and overlays/ with the real standalone kustomize
# (exec mode, the binary from `make build`) and compares the output with
# testdata/kustomize/<dir path with / replaced by _>.yaml. --update rewrites the files.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
update=false
[ "${1:-}" = "--update" ] && update=true
kustomize=$(bash hack/install-kustomize.sh)
[ -x bin/rabbitmq-krm ] || die "bin/rabbitmq-krm is missing: run make build"
mkdir -p testdata/kustomize
passed=0 failed=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for k in $(find bases overlays -name kustomization.yaml 2>/dev/null | sort); do
  dir=$(dirname "$k")
  # Components are not buildable on their own; they are covered by the overlays using them.
  grep -q '^kind: Component' "$k" && continue
  name=$(echo "$dir" | tr / _)
  golden="testdata/kustomize/$name.yaml"
  if ! "$kustomize" build --enable-alpha-plugins --enable-exec "$dir" >"$tmp/out.yaml" 2>"$tmp/err"; then
    log "FAIL $dir: kustomize build failed: $(cat "$tmp/err")"; failed=$((failed+1)); continue
  fi
  # kustomize silently drops exec generators in some setups: an empty build is a failure.
  if ! grep -q '^kind: StatefulSet' "$tmp/out.yaml"; then
    log "FAIL $dir: no StatefulSet in the output (was the generator dropped?)"; failed=$((failed+1)); continue
  fi
  if $update; then cp "$tmp/out.yaml" "$golden"; fi
  if [ -f "$golden" ] && cmp -s "$tmp/out.yaml" "$golden"; then
    passed=$((passed+1)); log "ok   $dir"
  else
    log "FAIL $dir: output differs from $golden (run make golden after an intended change)"
    diff -u "$golden" "$tmp/out.yaml" 2>&1 | head -40 >&2 || true
    failed=$((failed+1))
  fi
done
echo "kustomize: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
