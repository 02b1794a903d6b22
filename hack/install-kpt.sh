#!/usr/bin/env bash
# Prints the path of a kpt v1 CLI for the consumer tests, installing one if needed.
#
#   1. $KPT, when set, is used as is (it must be a kpt v1 CLI);
#   2. the system kpt (/usr/bin/kpt, from google-cloud-cli-kpt) when it is the expected version;
#   3. otherwise kpt $KPT_BUILD_VERSION built from source into the project cache (cold: about 6-7 minutes
#      on 2 CPUs; cached afterwards).
#
# Why not `go install github.com/kptdev/kpt@...`: the module proxy here refuses the `@v/list` lookups that
# `go install pkg@version` makes for its deprecation check (403), the checksum database has no entry for
# recent kptdev/kpt versions (404), and kpt's go.mod requires a pseudo-version of
# github.com/kptdev/kpt/rollouts that the proxy refuses (403). So the build uses a throwaway module with
# GONOSUMDB for kptdev and a local stand-in for rollouts/api/v1alpha1 (only `kpt alpha rollouts` uses it),
# copied from the 2023 GoogleContainerTools/kpt/rollouts snapshot that the proxy serves.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

KPT_SYSTEM_VERSIONS="${KPT_SYSTEM_VERSIONS:-1.0.0-beta.56}"   # system versions accepted as they are
KPT_BUILD_VERSION="${KPT_BUILD_VERSION:-v1.0.0-beta.61}"
ROLLOUTS_SNAPSHOT="github.com/GoogleContainerTools/kpt/rollouts@v0.0.0-20230209223911-c6c49d0a0636"

kpt_version() { "$1" version 2>/dev/null | head -n1 | tr -d '[:space:]'; }

if [ -n "${KPT:-}" ]; then
  v=$(kpt_version "$KPT") || true
  case "$v" in
    *1.0.0*) echo "$KPT"; exit 0 ;;
    *) die "KPT=$KPT is not a kpt v1 CLI (version: '${v:-none}')" ;;
  esac
fi

sys=/usr/bin/kpt
if [ -x "$sys" ]; then
  v=$(kpt_version "$sys")
  for want in $KPT_SYSTEM_VERSIONS; do
    if [ "$v" = "$want" ] || [ "$v" = "v$want" ]; then echo "$sys"; exit 0; fi
  done
  log "system kpt is '$v', not one of: $KPT_SYSTEM_VERSIONS; building $KPT_BUILD_VERSION instead"
fi

dest="$TOOLS_BIN/kpt-$KPT_BUILD_VERSION"
if [ -x "$dest" ] && [ "$(kpt_version "$dest")" = "$KPT_BUILD_VERSION" ]; then echo "$dest"; exit 0; fi

log "building kpt $KPT_BUILD_VERSION from source (cold: about 6-7 minutes on 2 CPUs)"
work=$(mktemp -d "${TMPDIR:-/tmp}/kptbuild.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rollouts-stub/api"
snap_dir=$(go mod download -json "$ROLLOUTS_SNAPSHOT" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$snap_dir/api/v1alpha1" ] || die "could not download $ROLLOUTS_SNAPSHOT"
cp -r "$snap_dir/api/v1alpha1" "$work/rollouts-stub/api/"
chmod -R u+w "$work/rollouts-stub"
grep -rl 'GoogleContainerTools/kpt/rollouts' "$work/rollouts-stub" \
  | xargs -r sed -i 's#github.com/GoogleContainerTools/kpt/rollouts#github.com/kptdev/kpt/rollouts#g'
printf 'module github.com/kptdev/kpt/rollouts\n\ngo 1.21\n' > "$work/rollouts-stub/go.mod"
printf 'module kptbuild\n\ngo 1.26\n\nreplace github.com/kptdev/kpt/rollouts => ./rollouts-stub\n' > "$work/go.mod"
(
  cd "$work"
  export GONOSUMDB=github.com/kptdev
  go get "github.com/kptdev/kpt@$KPT_BUILD_VERSION" >&2
  go build -trimpath -ldflags "-X github.com/kptdev/kpt/run.version=$KPT_BUILD_VERSION" \
    -o "$work/kpt" github.com/kptdev/kpt >&2
)
mv "$work/kpt" "$dest"
[ "$(kpt_version "$dest")" = "$KPT_BUILD_VERSION" ] || die "built kpt reports '$(kpt_version "$dest")'"
echo "$dest"
