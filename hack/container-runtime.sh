#!/usr/bin/env bash
# A private Docker engine for the consumer tests (kustomize container mode, kpt image functions,
# the image build). Everything lives under $CACHE_DIR/docker; nothing touches /var/lib/docker,
# /var/run/docker.sock, ~/.docker, iptables or the host network.
#
#   hack/container-runtime.sh start    install docker.io if missing, start the private dockerd (idempotent)
#   hack/container-runtime.sh env      print the exports that point docker/kustomize/kpt at it
#   hack/container-runtime.sh status   exit 0 when the private dockerd answers
#   hack/container-runtime.sh stop     stop the dockerd this script started (by its pidfile)
#
# Typical use:  hack/container-runtime.sh start && eval "$(hack/container-runtime.sh env)"
#
# Why a private dockerd and not podman (both were proven on these machines, see the project notes):
#   * fewer moving parts: Debian's docker.io (dockerd 20.10.24 + containerd + runc) needs no
#     configuration fixes, while podman 4.3.1 needs three (runc instead of crun for hybrid cgroups,
#     rlimits computed from this machine's hard limits because CAP_SYS_RESOURCE is missing, cgroupfs
#     and file events) that have to be recomputed if the machine differs;
#   * fidelity: kustomize and kpt call the real `docker` CLI exactly as they do for users; with podman
#     they need a `docker` shim that fakes `docker version` (kpt insists on a client >= 20.10);
#   * BuildKit: dockerd 20.10 has BuildKit built in, so the production Dockerfile is built by the same
#     builder users run;
#   * faster on a fresh machine: one apt package (about 20 s) against the podman stack (about 35 s);
#     the daemon starts in about 1 s.
# The cost is a daemon to manage; `stop` ends it by pidfile, and it ends its own containerd.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

D="$CACHE_DIR/docker"
SOCK="$D/docker.sock"
PIDFILE="$D/dockerd.pid"
CLI_DIR="$D/bin"          # pins the docker CLI to Debian's 20.10 client (BuildKit built in, matches the daemon)

print_env() {
  cat <<EOF
export PATH="$CLI_DIR:\$PATH"
export DOCKER_HOST="unix://$SOCK"
export DOCKER_CONFIG="$D/config"
export DOCKER_BUILDKIT=1
EOF
}

alive() {
  [ -S "$SOCK" ] && DOCKER_HOST="unix://$SOCK" DOCKER_CONFIG="$D/config" /usr/bin/docker version >/dev/null 2>&1
}

install() {
  apt_install docker.io
  mkdir -p "$D"/{data,exec,config} "$CLI_DIR"
  ln -sf /usr/bin/docker "$CLI_DIR/docker"
  # An empty daemon config so that an /etc/docker/daemon.json on the host cannot change behaviour.
  [ -f "$D/daemon.json" ] || echo '{}' > "$D/daemon.json"
  [ -f "$D/config/config.json" ] || echo '{}' > "$D/config/config.json"
}

start() {
  install
  if alive; then log "private dockerd already running ($SOCK)"; return 0; fi
  rm -f "$SOCK" "$PIDFILE"
  log "starting private dockerd (data under $D)"
  # --bridge=none and no iptables: functions run with --network none anyway, and the host network
  # stays untouched. setsid: the daemon must survive the shell that started it.
  setsid nohup /usr/sbin/dockerd \
    --config-file "$D/daemon.json" \
    --data-root "$D/data" --exec-root "$D/exec" --pidfile "$PIDFILE" \
    -H "unix://$SOCK" \
    --bridge=none --iptables=false --ip6tables=false --ip-masq=false --userland-proxy=false \
    >"$D/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 1 120); do
    if alive; then log "private dockerd is up"; return 0; fi
    sleep 0.25
  done
  tail -n 30 "$D/dockerd.log" >&2 || true
  die "private dockerd did not come up; see $D/dockerd.log"
}

stop() {
  [ -f "$PIDFILE" ] || { log "private dockerd not running"; return 0; }
  local pid; pid=$(cat "$PIDFILE")
  if ! kill -0 "$pid" 2>/dev/null; then rm -f "$PIDFILE"; return 0; fi
  log "stopping private dockerd (pid $pid)"
  kill "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$PIDFILE"; return 0; }
    sleep 0.25
  done
  die "dockerd $pid did not stop within 15 s"
}

case "${1:-}" in
  start)  start ;;
  stop)   stop ;;
  env)    print_env ;;
  status) alive ;;
  *) echo "usage: $0 start|stop|env|status" >&2; exit 2 ;;
esac
