#!/usr/bin/env bash
# cluster.sh - a real, throw-away Kubernetes control plane on 127.0.0.1 for test/k8s:
# etcd + kube-apiserver + kube-controller-manager (+ a matching kubectl), built from the Go module
# proxy through the wrapper module in test/k8s/build (go.mod/go.sum pin every version).
# There is no scheduler and no kubelet: Pods are created by the controllers and stay Pending.
#
#   cluster.sh build     build the binaries once into the cache (no-op when cached)
#   cluster.sh start     build if needed, start, wait until ready, print `export ...` lines (eval them)
#   cluster.sh stop      stop what `start` started, by recorded PID only (SIGTERM, then SIGKILL)
#   cluster.sh status    PIDs and /readyz
#   cluster.sh env       print the `export ...` lines of the running cluster
#   cluster.sh bindir    print the directory holding the binaries (after `build`)
#
# Environment (defaults):
#   K8S_VERSION        the k8s.io/kubernetes version required in build/go.mod (v1.36.3). Setting another
#                      value is an error: bump it with build/update-module.sh and commit go.mod/go.sum.
#   K8S_CACHE_DIR      $RABBITMQ_KRM_CACHE/k8s (default ~/.cache/rabbitmq-krm/k8s). Binaries: $K8S_CACHE_DIR/bin/<K8S_VERSION>-<go version>-<go.sum hash>
#   K8S_RUN_DIR        $K8S_CACHE_DIR/run   pki, kubeconfig, logs, pids, etcd data (wiped on every start)
#   K8S_APISERVER_PORT 16443   K8S_ETCD_PORT 12379   K8S_ETCD_PEER_PORT 12380   K8S_KCM_PORT 20257
#                      a busy default port is replaced by the next free one; an explicitly set busy port is an error
#   K8S_SERVICE_CIDR   10.0.0.0/24        K8S_NODE_PORT_RANGE 30000-32767
#   K8S_READY_TIMEOUT  120 (seconds)      K8S_STOP_GRACE 10 (seconds before SIGKILL)
# Knobs for test/cluster (a real node needs them; unset for test/k8s):
#   K8S_ADVERTISE_ADDRESS      the apiserver's advertise address (the `kubernetes` Endpoints; pods reach it there)
#   K8S_APISERVER_EXTRA_SANS   more subjectAltName entries for the serving cert, e.g. DNS:kubernetes.default.svc.cluster.local
#   K8S_APISERVER_EXTRA_FLAGS  more kube-apiserver flags (word-split), e.g. the kubelet client certificate
# (No ETCD_* names on purpose: etcd reads every ETCD_* environment variable as a flag.)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD_MOD="$HERE/build"
PINNED_VERSION="$(sed -n 's/^[[:space:]]*k8s.io\/kubernetes \(v[0-9][0-9.]*\).*/\1/p; s/^require k8s.io\/kubernetes \(v[0-9][0-9.]*\).*/\1/p' "$BUILD_MOD/go.mod" | head -1)"
K8S_VERSION="${K8S_VERSION:-$PINNED_VERSION}"
K8S_CACHE_DIR="${K8S_CACHE_DIR:-${RABBITMQ_KRM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rabbitmq-krm}/k8s}"
K8S_RUN_DIR="${K8S_RUN_DIR:-$K8S_CACHE_DIR/run}"
K8S_SERVICE_CIDR="${K8S_SERVICE_CIDR:-10.0.0.0/24}"
K8S_NODE_PORT_RANGE="${K8S_NODE_PORT_RANGE:-30000-32767}"
K8S_READY_TIMEOUT="${K8S_READY_TIMEOUT:-120}"
K8S_STOP_GRACE="${K8S_STOP_GRACE:-10}"
GO="${GO:-go}"

PKI="$K8S_RUN_DIR/pki"
COMPONENTS=(kube-controller-manager kube-apiserver etcd) # stop order

log() { printf '[k8s %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is required but not in PATH"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# ------------------------------------------------------------------------------------- build ---
# Binaries are keyed by the Kubernetes version, the Go version and a hash of the wrapper module
# (go.mod, go.sum, *.go), so a bump of either rebuilds and nothing stale is ever reused.
bin_dir() {
  local gov sum
  gov="$("$GO" env GOVERSION)"
  sum="$(cd "$BUILD_MOD" && cat go.mod go.sum $(find . -name '*.go' | LC_ALL=C sort) | sha256sum | cut -c1-12)"
  echo "$K8S_CACHE_DIR/bin/$K8S_VERSION-$gov-$sum"
}

ldflags() {
  local minor f="-s -w" p
  minor="$(echo "$K8S_VERSION" | cut -d. -f2)"
  # without these, /version reports v0.0.0-master+$Format:%H$ and kubectl warns about skew
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    f+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
    f+=" -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  echo "$f"
}

# kubelet, kube-scheduler, kube-proxy and coredns serve test/cluster (the real node); one build shares the graph.
BINARIES=(etcd kube-apiserver kube-controller-manager kubectl yaml2json kubelet kube-scheduler kube-proxy coredns)
pkg_of() {
  case "$1" in
    etcd | yaml2json | coredns) echo "./cmd/$1" ;;
    *) echo "k8s.io/kubernetes/cmd/$1" ;;
  esac
}

do_build() {
  [ "$K8S_VERSION" = "$PINNED_VERSION" ] ||
    die "K8S_VERSION=$K8S_VERSION but test/k8s/build/go.mod pins $PINNED_VERSION; run test/k8s/build/update-module.sh $K8S_VERSION and commit go.mod/go.sum"
  need "$GO"
  local dir missing=() b pkgs=() t0
  dir="$(bin_dir)"
  for b in "${BINARIES[@]}"; do [ -x "$dir/$b" ] || missing+=("$b"); done
  if [ ${#missing[@]} -eq 0 ]; then echo "$dir"; return 0; fi
  for b in "${missing[@]}"; do pkgs+=("$(pkg_of "$b")"); done
  log "building ${missing[*]} ($K8S_VERSION, $("$GO" env GOVERSION)) into $dir"
  log "cold Go build cache: ~15-25 min on 2 cores; warm: ~1 min (relink only)"
  mkdir -p "$dir"
  local tmp; tmp="$(mktemp -d "$dir/.build.XXXXXX")"
  t0=$SECONDS
  # one `go build` for all packages: they share most of their dependency graph.
  # CGO_ENABLED=0: static binaries, no C toolchain needed. -mod=readonly: build exactly what go.sum pins.
  if ! (cd "$BUILD_MOD" && CGO_ENABLED=0 nice -n "${K8S_BUILD_NICE:-10}" "$GO" build -mod=readonly -trimpath \
    -ldflags "$(ldflags)" -o "$tmp/" "${pkgs[@]}"); then
    rm -rf "$tmp"; die "go build failed"
  fi
  for b in "${missing[@]}"; do mv -f "$tmp/$b" "$dir/$b"; done
  rm -rf "$tmp"
  log "built ${missing[*]} in $((SECONDS - t0))s"
  echo "$dir"
}

# ---------------------------------------------------------------------------------------- pki ---
gen_pki() {
  local sans="IP:127.0.0.1,IP:$(first_service_ip),DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
  sans+="${K8S_APISERVER_EXTRA_SANS:+,$K8S_APISERVER_EXTRA_SANS}"
  # a changed SAN list (another knob value) regenerates everything: a stale serving cert fails TLS in pods
  [ -f "$PKI/admin.crt" ] && [ -f "$PKI/kcm.crt" ] && [ -f "$PKI/sa.key" ] &&
    [ "$(cat "$PKI/apiserver.sans" 2>/dev/null)" = "$sans" ] && return 0
  need openssl
  rm -rf "$PKI"; mkdir -p "$PKI"; chmod 700 "$PKI"
  local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "${ec[@]}" -keyout "$PKI/ca.key" -out "$PKI/ca.crt" -days 3650 \
    -subj "/CN=rabbitmq-krm-test-ca" 2>/dev/null
  sign() { # name subject extensions
    openssl req "${ec[@]}" -keyout "$PKI/$1.key" -out "$PKI/$1.csr" -subj "$2" 2>/dev/null
    printf '%b' "$3" >"$PKI/$1.ext"
    openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
      -out "$PKI/$1.crt" -days 3650 -extfile "$PKI/$1.ext" 2>/dev/null
    rm -f "$PKI/$1.csr" "$PKI/$1.ext"
  }
  local client="extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
  sign apiserver "/CN=kube-apiserver" \
    "subjectAltName=$sans\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
  echo "$sans" >"$PKI/apiserver.sans"
  sign admin "/O=system:masters/CN=rabbitmq-krm-test-admin" "$client"
  sign kcm "/CN=system:kube-controller-manager" "$client"
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/sa.key" 2>/dev/null
  openssl ec -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
}

first_service_ip() { # 10.0.0.0/24 -> 10.0.0.1 (IPv4)
  local a b c d
  IFS=. read -r a b c d <<<"${K8S_SERVICE_CIDR%/*}"
  echo "$a.$b.$c.$((d + 1))"
}

write_kubeconfig() { # file user
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: rabbitmq-krm-test
  cluster:
    server: https://127.0.0.1:$K8S_APISERVER_PORT
    certificate-authority-data: $(base64 -w0 <"$PKI/ca.crt")
users:
- name: $2
  user:
    client-certificate-data: $(base64 -w0 <"$PKI/$2.crt")
    client-key-data: $(base64 -w0 <"$PKI/$2.key")
contexts:
- name: rabbitmq-krm-test
  context: {cluster: rabbitmq-krm-test, user: $2}
current-context: rabbitmq-krm-test
EOF
  chmod 600 "$1"
}

# -------------------------------------------------------------------------------- processes ---
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_port() { # VAR default
  local var="$1" def="$2" p
  if [ -n "${!var:-}" ]; then
    port_free "${!var}" || die "127.0.0.1:${!var} ($var) is already in use"
    return 0
  fi
  for p in $(seq "$def" $((def + 50))); do
    if port_free "$p"; then printf -v "$var" '%s' "$p"; return 0; fi
  done
  die "no free port in $def-$((def + 50)) for $var"
}

# the PID is only ours if /proc/PID/exe is still the binary we started (guards against PID reuse)
ours() { # name -> prints pid
  local f="$K8S_RUN_DIR/$1.pid" pid exe
  [ -f "$f" ] || return 1
  read -r pid exe <"$f" || return 1
  [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$exe" ] || return 1
  echo "$pid"
}

launch() { # name binary args...
  local name="$1" bin="$2"; shift 2
  # setsid: own process group/session, so a Ctrl-C in the caller's terminal does not hit it directly
  setsid "$bin" "$@" >"$K8S_RUN_DIR/$name.log" 2>&1 </dev/null &
  echo "$! $bin" >"$K8S_RUN_DIR/$name.pid"
}

wait_ready() { # name url curl-args...
  local name="$1" url="$2" deadline=$((SECONDS + K8S_READY_TIMEOUT))
  shift 2
  until curl -fsS -o /dev/null --max-time 2 "$@" "$url" 2>/dev/null; do
    if ! ours "$name" >/dev/null; then
      tail -n 30 "$K8S_RUN_DIR/$name.log" >&2
      die "$name exited during startup; see $K8S_RUN_DIR/$name.log"
    fi
    [ $SECONDS -lt $deadline ] || { tail -n 30 "$K8S_RUN_DIR/$name.log" >&2; die "$name not ready after ${K8S_READY_TIMEOUT}s"; }
    sleep 0.2
  done
}

print_env() {
  local dir; dir="$(cat "$K8S_RUN_DIR/bindir")"
  echo "export KUBECONFIG=$K8S_RUN_DIR/kubeconfig KUBECACHEDIR=$K8S_RUN_DIR/kube-cache K8S_BIN_DIR=$dir PATH=$dir:\$PATH"
}

do_start() {
  need curl
  local dir; dir="$(do_build)"
  mkdir -p "$K8S_RUN_DIR"
  if ours kube-apiserver >/dev/null; then
    log "already running (kube-apiserver pid $(ours kube-apiserver)), reusing it"
    print_env; return 0
  fi
  do_stop_quiet # leftovers of a half-started earlier run
  pick_port K8S_ETCD_PORT 12379
  pick_port K8S_ETCD_PEER_PORT 12380
  pick_port K8S_APISERVER_PORT 16443
  pick_port K8S_KCM_PORT 20257
  gen_pki
  echo "$dir" >"$K8S_RUN_DIR/bindir"
  write_kubeconfig "$K8S_RUN_DIR/kubeconfig" admin
  write_kubeconfig "$K8S_RUN_DIR/kcm.kubeconfig" kcm
  rm -rf "$K8S_RUN_DIR/kube-cache" "$K8S_RUN_DIR/etcd-data"
  mkdir -m 700 "$K8S_RUN_DIR/etcd-data"
  local t0; t0=$(now_ms)
  # a failure from here on stops whatever was already started
  trap 'rc=$?; if [ $rc -ne 0 ]; then log "start failed; stopping what was started"; do_stop; fi' EXIT

  # etcd: never let the caller's ETCD_* variables reach it (it reads them as flags)
  local scrub=() v
  while IFS= read -r v; do scrub+=(-u "$v"); done < <(compgen -e | grep '^ETCD_' || true)
  launch etcd "$dir/etcd" --name rabbitmq-krm-test --data-dir "$K8S_RUN_DIR/etcd-data" \
    --listen-client-urls "http://127.0.0.1:$K8S_ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$K8S_ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$K8S_ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$K8S_ETCD_PEER_PORT" \
    --initial-cluster "rabbitmq-krm-test=http://127.0.0.1:$K8S_ETCD_PEER_PORT" --initial-cluster-state new \
    --unsafe-no-fsync --logger zap --log-level warn
  if [ ${#scrub[@]} -gt 0 ]; then log "not passing ${scrub[*]} to etcd"; fi
  wait_ready etcd "http://127.0.0.1:$K8S_ETCD_PORT/health"
  log "etcd ready after $(($(now_ms) - t0)) ms"

  # The apiserver writes its advertise address into the `kubernetes` Endpoints and refuses loopback;
  # without a default route (sandboxes) it cannot find one, so give it TEST-NET-1 (never routed).
  local adv=()
  awk 'NR > 1 && $2 == "00000000" {f = 1} END {exit !f}' /proc/net/route 2>/dev/null || adv=(--advertise-address=192.0.2.1)
  [ -z "${K8S_ADVERTISE_ADDRESS:-}" ] || adv=(--advertise-address="$K8S_ADVERTISE_ADDRESS")
  local extra=()
  read -r -a extra <<<"${K8S_APISERVER_EXTRA_FLAGS:-}"
  launch kube-apiserver "$dir/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$K8S_ETCD_PORT" \
    --bind-address=127.0.0.1 --secure-port="$K8S_APISERVER_PORT" "${adv[@]}" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range="$K8S_SERVICE_CIDR" --service-node-port-range="$K8S_NODE_PORT_RANGE" \
    --authorization-mode=Node,RBAC --allow-privileged=true --profiling=false \
    --cert-dir="$K8S_RUN_DIR/apiserver-certs" "${extra[@]}"
  wait_ready kube-apiserver "https://127.0.0.1:$K8S_APISERVER_PORT/readyz" \
    --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key"
  log "kube-apiserver ready after $(($(now_ms) - t0)) ms"

  # KCM authenticates as system:kube-controller-manager (not system:masters) so RBAC is exercised as
  # in a real cluster; --use-service-account-credentials gives every controller its own identity.
  launch kube-controller-manager "$dir/kube-controller-manager" \
    --kubeconfig="$K8S_RUN_DIR/kcm.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$K8S_KCM_PORT" --cert-dir="$K8S_RUN_DIR/kcm-certs" \
    --leader-elect=false --use-service-account-credentials \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --service-cluster-ip-range="$K8S_SERVICE_CIDR" --profiling=false
  wait_ready kube-controller-manager "https://127.0.0.1:$K8S_KCM_PORT/healthz" -k
  log "kube-controller-manager ready after $(($(now_ms) - t0)) ms"
  cat >"$K8S_RUN_DIR/ports" <<EOF
etcd=$K8S_ETCD_PORT etcd-peer=$K8S_ETCD_PEER_PORT kube-apiserver=$K8S_APISERVER_PORT kube-controller-manager=$K8S_KCM_PORT
EOF
  trap - EXIT
  print_env
}

stop_procs() { # quiet(0|1)
  local quiet="$1" name pid i alive stopped=()
  # controller-manager first, then the apiserver (its graceful shutdown needs etcd), then etcd
  for name in "${COMPONENTS[@]}"; do
    if pid="$(ours "$name")"; then
      kill -TERM "$pid" 2>/dev/null || true
      for i in $(seq 1 $((K8S_STOP_GRACE * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then
        log "$name (pid $pid) still running after ${K8S_STOP_GRACE}s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      fi
      stopped+=("$name($pid)")
    fi
    rm -f "$K8S_RUN_DIR/$name.pid"
  done
  rm -f "$K8S_RUN_DIR/ports"
  if [ "$quiet" = 0 ] || [ ${#stopped[@]} -gt 0 ]; then
    log "stopped: ${stopped[*]:-nothing was running}"
  fi
}
do_stop() { stop_procs 0; }
do_stop_quiet() { stop_procs 1; }

do_status() {
  local name rc=0 pid
  for name in etcd kube-apiserver kube-controller-manager; do
    if pid="$(ours "$name")"; then echo "$name: running (pid $pid)"; else echo "$name: not running"; rc=1; fi
  done
  [ -f "$K8S_RUN_DIR/ports" ] && echo "ports: $(cat "$K8S_RUN_DIR/ports")"
  return $rc
}

case "${1:-start}" in
  build) do_build >/dev/null ;;
  bindir) do_build ;;
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  env) ours kube-apiserver >/dev/null || die "not running"; print_env ;;
  *) die "usage: $0 build|bindir|start|stop|status|env" ;;
esac
