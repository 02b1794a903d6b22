#!/usr/bin/env bash
# Shared settings for the project's scripts. Source it; it changes nothing by itself.
# Everything a test installs or builds lives under one cache, so a second run is fast.
CACHE_DIR="${RABBITMQ_KRM_CACHE:-$HOME/.cache/rabbitmq-krm}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_BIN="$CACHE_DIR/bin"
mkdir -p "$TOOLS_BIN"
export PATH="$TOOLS_BIN:$PATH"

# built_fn_on_path: the repository's generator configs (generators/) name the function
# `rabbitmq-krm` without a path, as Argo CD's sidecar and users find it on PATH; scripts that
# build them put `make build`'s binary first (an absolute entry: Go's exec refuses relative ones).
built_fn_on_path() {
  [ -x "$REPO_ROOT/bin/rabbitmq-krm" ] || die "bin/rabbitmq-krm is missing: run make build"
  export PATH="$REPO_ROOT/bin:$PATH"
}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# apt_install PKG...: installs Debian packages that are missing (runs apt-get update once per run).
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  if [ -z "${_APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || die "apt-get update failed"
    _APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
    || die "apt-get install ${missing[*]} failed"
}

# keep_or_remove_scratch DIR RC: after a successful run (RC 0) removes the scratch directory
# DIR, unless KEEP_WORKDIR is set; otherwise keeps it and says where.
keep_or_remove_scratch() {
  if [ -z "${KEEP_WORKDIR:-}" ] && [ "$2" -eq 0 ]; then rm -rf "$1"; else log "scratch directory kept: $1"; fi
}

# scratch_dir NAME: sets W to a new scratch directory (rabbitmq-krm-NAME.XXXXXX) that an EXIT
# trap removes or keeps as keep_or_remove_scratch says (for scripts with no other cleanup).
scratch_dir() {
  W="$(mktemp -d "${TMPDIR:-/tmp}/rabbitmq-krm-$1.XXXXXX")"
  trap 'rc=$?; keep_or_remove_scratch "$W" $rc; exit $rc' EXIT
}
