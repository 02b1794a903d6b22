# common.sh - shared by node.sh and images.sh (sourced): paths, logging, apt, PID-checked processes.
# shellcheck shell=bash
# RABBITMQ_KRM_CACHE moves every cache of the project (hack/lib.sh, test/k8s), e.g. for a cold measurement
RK_CACHE=${RK_CACHE:-${RABBITMQ_KRM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rabbitmq-krm}}
RK_CLUSTER_CACHE=${RK_CLUSTER_CACHE:-$RK_CACHE/cluster}
RK_BIN=$RK_CLUSTER_CACHE/bin                     # coredns, crictl, pause (node bins come from test/k8s)
PAUSE_IMAGE=localhost/rabbitmq-krm/pause:3.10
COREDNS_VERSION=v1.14.1 # test/k8s/build/go.mod
COREDNS_IMAGE=localhost/rabbitmq-krm/coredns:$COREDNS_VERSION
# the host's own Debian mirror (its apt sources), so no other host is contacted
DEBIAN_MIRROR=${DEBIAN_MIRROR:-$(awk '/^URIs:/{print $2; exit} /^deb /{print $2; exit}' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -n1)}
mkdir -p "$RK_CLUSTER_CACHE" "$RK_BIN"

log() { printf '[cluster %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
need() { command -v "$1" >/dev/null 2>&1; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# apt_install pkg...: bookworm packages into the host, only those missing (the host is bookworm; never
# trixie/sid here - those only go into mmdebstrap root filesystems)
apt_install() {
  local missing=() p
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]} (bookworm)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
}
