#!/usr/bin/env bash
# node.sh - a real single-node Kubernetes v1.36 for running the rendered manifests: the control plane of
# test/k8s/cluster.sh (etcd, kube-apiserver, kube-controller-manager) plus kube-scheduler, kubelet,
# kube-proxy, containerd + runc (Debian bookworm), a CNI bridge + host-local on a private bridge, and CoreDNS.
# Everything listens on 127.0.0.1 or on the bridge; nothing is routed off the host (no NAT, no upstream DNS).
#
#   node.sh build    build/cache binaries and images (no-op when cached)
#   node.sh up       build, start everything, import images, wait for the Node and CoreDNS; prints `export ...`
#   node.sh down     tear down pods through the kubelet, stop every process by recorded PID, remove the bridge,
#                    iptables chains, mounts; safe to repeat
#   node.sh status   processes, node, pods; exit 1 when anything is missing
#   node.sh env      the `export ...` lines (KUBECONFIG, PATH)
#   node.sh leftovers  list what `down` should have removed (processes, mounts, bridge, chains, netns); exit 1 if any
#
# Idempotent: `up` twice reuses what runs. State: /run/rabbitmq-krm-cluster (sockets, containerd state),
# $RK_CLUSTER_CACHE/run (PKI, kubeconfigs, logs, PIDs), $RK_CLUSTER_CACHE/kubelet (kubelet root).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
. "$HERE/common.sh"

BRIDGE=rkc0
POD_SUBNET=10.247.0.0/24
NODE_IP=10.247.0.1             # bridge address = node InternalIP = cluster DNS (the kubelet refuses loopback)
SERVICE_CIDR=10.247.1.0/24
NODE_NAME=rabbitmq-krm-node
RUN=$RK_CLUSTER_CACHE/run
STATE=/run/rabbitmq-krm-cluster
KUBELET_ROOT=$RK_CLUSTER_CACHE/kubelet
CTRD_SOCK=$STATE/containerd.sock
CP_RUN=$RUN/cp
PKI=$CP_RUN/pki
# our own ports, so a test/k8s control plane may run beside this one
export K8S_RUN_DIR=$CP_RUN K8S_SERVICE_CIDR=$SERVICE_CIDR K8S_APISERVER_PORT=17443 K8S_ETCD_PORT=17379 \
  K8S_ETCD_PEER_PORT=17380 K8S_KCM_PORT=17257
APISERVER_PORT=$K8S_APISERVER_PORT
CRICTL_VERSION=v1.34.0
# the series the configs use (each its own Debian suite; see images.sh)
export RABBITMQ_SERIES=${RABBITMQ_SERIES:-4.0 4.3 3.10}
NODE_PKGS=(containerd runc containernetworking-plugins socat iptables conntrack gcc libc6-dev openssl curl busybox-static mmdebstrap)

cp_sh() { # the control plane, with what a node needs: advertise the bridge IP, a SAN for the in-cluster name
  K8S_ADVERTISE_ADDRESS=$NODE_IP \
    K8S_APISERVER_EXTRA_SANS="IP:$NODE_IP,DNS:kubernetes.default.svc.cluster.local" \
    K8S_APISERVER_EXTRA_FLAGS="--kubelet-client-certificate=$PKI/admin.crt --kubelet-client-key=$PKI/admin.key --kubelet-preferred-address-types=InternalIP" \
    bash "$HERE/../k8s/cluster.sh" "$@"
}
k8s_bin() { cp_sh bindir | tail -1; } # the cold build logs to stderr
kc() { KUBECONFIG=$CP_RUN/kubeconfig "$(cat "$RUN/bindir")/kubectl" "$@"; }

# ------------------------------------------------------------------------------- processes ---
# A recorded PID is ours only while /proc/PID/exe is still the binary we started (PIDs get reused).
ours() { # name -> pid
  local pid exe
  [ -f "$RUN/$1.pid" ] && read -r pid exe <"$RUN/$1.pid" && [ -n "$pid" ] &&
    [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$exe" ] && echo "$pid"
}
launch() { # name binary args...
  local n=$1 b; b=$(readlink -f "$2"); shift 2
  setsid "$b" "$@" >"$RUN/$n.log" 2>&1 </dev/null &
  echo "$! $b" >"$RUN/$n.pid"
}
stop_proc() { # name [grace-s]
  local pid i
  if pid=$(ours "$1"); then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 $((${2:-15} * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then log "$1 (pid $pid) ignored SIGTERM: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
    log "stopped $1 (pid $pid)"
  fi
  rm -f "$RUN/$1.pid"
}
wait_for() { # timeout-s what cmd...
  local end=$((SECONDS + $1)) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do [ $SECONDS -lt $end ] || die "timeout after ${1}s waiting for $what"; sleep 0.3; done
}

# ---------------------------------------------------------------------------------- builds ---
build_go() { # out module@version package: a small Go command from the module proxy, CGO off, cached
  local out=$1 modv=$2 pkg=$3 d t0=$SECONDS
  [ -x "$out" ] && return 0
  d=$RK_CLUSTER_CACHE/src/$(basename "$out"); mkdir -p "$d"
  log "building $pkg ($modv)"
  (cd "$d" && { [ -f go.mod ] || go mod init "rabbitmq-krm-cluster/$(basename "$out")" >/dev/null 2>&1; } &&
    GOFLAGS=-mod=mod go get "$modv" && CGO_ENABLED=0 nice -n 10 go build -mod=mod -trimpath -ldflags "-s -w" -o "$out.tmp" "$pkg")
  mv -f "$out.tmp" "$out"; log "built $(basename "$out") in $((SECONDS - t0))s"
}
# CoreDNS is built with the node binaries (test/k8s/build/cmd/coredns: one go build shares the client
# packages); the image build (images.sh) takes it from $RK_BIN
link_coredns() { ln -sfn "$(cat "$RUN/bindir")/coredns" "$RK_BIN/coredns"; }
do_build() {
  apt_install "${NODE_PKGS[@]}"
  local t0=$SECONDS bindir
  debian_images_start
  bindir=$(k8s_bin) || die "test/k8s/cluster.sh build failed"
  mkdir -p "$RUN"; echo "$bindir" >"$RUN/bindir"
  link_coredns
  build_go "$RK_BIN/crictl" "sigs.k8s.io/cri-tools@$CRICTL_VERSION" sigs.k8s.io/cri-tools/cmd/crictl >&2
  if [ ! -x "$RK_BIN/pause" ]; then # containerd's sandbox image: the upstream pause.c, static
    gcc -Os -static -DVERSION=3.10-rabbitmq-krm -o "$RK_BIN/pause" \
      "$(go env GOMODCACHE)/k8s.io/kubernetes@v1.36.3/build/pause/linux/pause.c" && strip "$RK_BIN/pause"
  fi
  debian_images_wait
  bash "$HERE/images.sh" build >&2 # pause and CoreDNS (the Debian ones are there now)
  bash "$HERE/standin-3.8/image.sh" build >&2 # the official 3.8 entrypoint's behaviour on the 3.10 image
  log "build done in $((SECONDS - t0))s"
}

# The Debian images (one mmdebstrap per series, mostly download and dpkg: IO) are built in the background
# while the Go builds use the CPU. Own process group (setsid), so that when node.sh exits early (a failed
# Go build) the EXIT trap stops all of mmdebstrap's children by that group's id. Cached tarballs make it a
# no-op.
debian_images_start() {
  mkdir -p "$RUN"
  setsid bash "$HERE/node.sh" fn debian_images >&2 2> >(sed -u 's/^/  (background) /' >&2) &
  echo $! >"$RUN/images-build.pid"
  trap debian_images_stop EXIT
}
debian_images() { # the missing RabbitMQ and etcd tarballs (images.sh build would also want pause and CoreDNS)
  local have s; have=$(bash "$HERE/images.sh" list 2>/dev/null || true)
  for s in $RABBITMQ_SERIES; do
    grep -q "/rabbitmq-$s.tar$" <<<"$have" || bash "$HERE/images.sh" rabbitmq "$s"
  done
  grep -q "/etcd.tar$" <<<"$have" || bash "$HERE/images.sh" etcd
}
debian_images_wait() {
  local pid; pid=$(cat "$RUN/images-build.pid")
  wait "$pid" || die "building the Debian images failed (see the (background) lines above)"
  rm -f "$RUN/images-build.pid"
  trap - EXIT
}
debian_images_stop() {
  local pid; pid=$(cat "$RUN/images-build.pid" 2>/dev/null) || return 0
  kill -TERM -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$RUN/images-build.pid"
}

# --------------------------------------------------------------------------------- network ---
net_up() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
    ip addr add "$NODE_IP/${POD_SUBNET#*/}" dev "$BRIDGE"
  fi
  ip link set "$BRIDGE" up
  # routing between the bridge and the host (ClusterIP DNAT to the apiserver forwarder); restored by down
  [ -f "$RUN/ip_forward.orig" ] || cat /proc/sys/net/ipv4/ip_forward >"$RUN/ip_forward.orig"
  echo 1 >/proc/sys/net/ipv4/ip_forward
  mkdir -p "$RUN/cni/net.d" "$RUN/cni/ipam"
  cat >"$RUN/cni/net.d/10-rabbitmq-krm.conflist" <<EOF
{"cniVersion":"0.4.0","name":"rabbitmq-krm","plugins":[
 {"type":"bridge","bridge":"$BRIDGE","isGateway":true,"ipMasq":false,"hairpinMode":true,
  "ipam":{"type":"host-local","dataDir":"$RUN/cni/ipam","ranges":[[{"subnet":"$POD_SUBNET","gateway":"$NODE_IP"}]],"routes":[{"dst":"0.0.0.0/0"}]}},
 {"type":"loopback"}]}
EOF
}

# ------------------------------------------------------------------------------- containerd ---
containerd_up() {
  ours containerd >/dev/null && return 0
  mkdir -p "$RK_CLUSTER_CACHE/containerd" "$STATE/containerd"
  # restrict_oom_score_adj: this VM lacks CAP_SYS_RESOURCE, so lowering oom_score_adj fails container starts
  cat >"$RUN/containerd.toml" <<EOF
version = 2
root = "$RK_CLUSTER_CACHE/containerd"
state = "$STATE/containerd"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$CTRD_SOCK"
[ttrpc]
  address = "$CTRD_SOCK.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$RK_CLUSTER_CACHE/containerd-opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$RUN/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "/usr/sbin/runc"
EOF
  local t0; t0=$(now_ms)
  launch containerd /usr/bin/containerd --config "$RUN/containerd.toml" --log-level warn
  wait_for 30 "containerd" ctr -a "$CTRD_SOCK" version
  log "containerd up in $(($(now_ms) - t0)) ms"
}
import_images() { # only tarballs whose first tag is missing (import of 230 MB takes seconds)
  local f first have t0; t0=$(now_ms); have=$(ctr -a "$CTRD_SOCK" -n k8s.io images ls -q)
  for f in $(bash "$HERE/images.sh" list) $(bash "$HERE/standin-3.8/image.sh" list); do
    first=$(tar -xOf "$f" manifest.json | sed 's/.*"RepoTags":\["\([^"]*\)".*/\1/')
    grep -qxF "$first" <<<"$have" && continue
    ctr -a "$CTRD_SOCK" -n k8s.io images import "$f" >/dev/null
    log "imported $(basename "$f") ($first ...)"
  done
  log "images ready after $(($(now_ms) - t0)) ms"
}

# ------------------------------------------------------------------------------------ certs ---
sign() { # name subject extensions: a client/server cert from the control plane's CA
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$PKI/$1.key" -out "$PKI/$1.csr" -subj "$2" 2>/dev/null
  printf '%b' "$3" >"$PKI/$1.ext"
  openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -out "$PKI/$1.crt" -days 3650 -extfile "$PKI/$1.ext" 2>/dev/null
  rm -f "$PKI/$1.csr" "$PKI/$1.ext"
}
kubeconfig_for() { # file cert-name
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "https://127.0.0.1:$APISERVER_PORT", certificate-authority: "$PKI/ca.crt"}}]
users: [{name: u, user: {client-certificate: "$PKI/$2.crt", client-key: "$PKI/$2.key"}}]
contexts: [{name: local, context: {cluster: local, user: u}}]
current-context: local
EOF
}
node_certs() { # regenerated whenever the CA is newer (cluster.sh may have made a new one)
  [ -f "$PKI/kubelet.crt" ] && [ "$PKI/kubelet.crt" -nt "$PKI/ca.crt" ] && return 0
  local client="extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
  sign kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" "$client"
  sign kubelet-serving "/CN=$NODE_NAME" "subjectAltName=IP:$NODE_IP,DNS:$NODE_NAME\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
  sign kube-proxy "/CN=system:kube-proxy" "$client"
  sign scheduler "/CN=system:kube-scheduler" "$client"
  local c; for c in kubelet kube-proxy scheduler; do kubeconfig_for "$RUN/$c.kubeconfig" "$c"; done
}

# ------------------------------------------------------------------------------- components ---
scheduler_up() {
  ours kube-scheduler >/dev/null && return 0
  launch kube-scheduler "$(cat "$RUN/bindir")/kube-scheduler" --kubeconfig="$RUN/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=17259 --leader-elect=false
  wait_for 60 "kube-scheduler" curl -fsk https://127.0.0.1:17259/healthz
}
kubelet_up() {
  ours kubelet >/dev/null && return 0
  mkdir -p "$KUBELET_ROOT"
  printf 'nameserver %s\n' "$NODE_IP" >"$RUN/resolv.conf" # dnsPolicy: Default pods get only our DNS
  # failCgroupV1 false: this VM is cgroup v1 (hybrid); cgroupfs: no systemd here
  cat >"$RUN/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$CTRD_SOCK
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 17248
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
authentication: {anonymous: {enabled: false}, webhook: {enabled: true}, x509: {clientCAFile: $PKI/ca.crt}}
authorization: {mode: Webhook}
clusterDomain: cluster.local
clusterDNS: [$NODE_IP]
resolvConf: $RUN/resolv.conf
failSwapOn: false
protectKernelDefaults: false
serializeImagePulls: false
maxPods: 60
podPidsLimit: 4096
evictionHard: {memory.available: "200Mi", nodefs.available: "2%", imagefs.available: "2%"}
imageGCHighThresholdPercent: 99
imageGCLowThresholdPercent: 98
EOF
  local t0; t0=$(now_ms)
  launch kubelet "$(cat "$RUN/bindir")/kubelet" --config="$RUN/kubelet.yaml" --kubeconfig="$RUN/kubelet.kubeconfig" \
    --root-dir="$KUBELET_ROOT" --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" --v=1
  wait_for 60 "kubelet /healthz" curl -fs http://127.0.0.1:17248/healthz
  wait_for 120 "node Ready" kc wait --for=condition=Ready "node/$NODE_NAME" --timeout=5s
  log "node Ready $(($(now_ms) - t0)) ms after the kubelet started"
}
proxy_up() {
  # the apiserver listens on 127.0.0.1; pods reach kubernetes.default (ClusterIP :443) -> kube-proxy DNAT ->
  # $NODE_IP:$APISERVER_PORT (the advertised endpoint) -> socat -> 127.0.0.1:$APISERVER_PORT
  ours apiserver-fwd >/dev/null ||
    launch apiserver-fwd /usr/bin/socat "TCP-LISTEN:$APISERVER_PORT,bind=$NODE_IP,reuseaddr,fork" "TCP:127.0.0.1:$APISERVER_PORT"
  ours kube-proxy >/dev/null && return 0
  cat >"$RUN/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $RUN/kube-proxy.kubeconfig}
hostnameOverride: $NODE_NAME
mode: iptables
clusterCIDR: $POD_SUBNET
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:17256
metricsBindAddress: 127.0.0.1:17249
nodePortAddresses: ["$NODE_IP/32"]
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
  launch kube-proxy "$(cat "$RUN/bindir")/kube-proxy" --config="$RUN/kube-proxy.yaml" --v=1
  wait_for 60 "kube-proxy" curl -fs http://127.0.0.1:17256/healthz
}
coredns_up() {
  sed -e "s#@NODE_IP@#$NODE_IP#g" -e "s#@APISERVER@#https://127.0.0.1:$APISERVER_PORT#g" -e "s#@IMAGE@#$COREDNS_IMAGE#g" \
    "$HERE/manifests/coredns.yaml" | kc apply -f - >/dev/null
  kc apply -f "$HERE/manifests/storage.yaml" >/dev/null
  local t0; t0=$(now_ms)
  kc -n kube-system rollout status deploy/coredns --timeout=120s >/dev/null
  log "CoreDNS ready on $NODE_IP:53 after $(($(now_ms) - t0)) ms"
}

print_env() {
  echo "export KUBECONFIG=$CP_RUN/kubeconfig KUBECACHEDIR=$CP_RUN/kube-cache PATH=$(cat "$RUN/bindir"):$RK_BIN:\$PATH" \
    "RK_NODE_NAME=$NODE_NAME RK_NODE_IP=$NODE_IP RK_CLUSTER_RUN=$RUN RK_CONTAINERD_SOCK=$CTRD_SOCK"
}

do_up() {
  local t0; t0=$(now_ms)
  do_build
  mkdir -p "$RUN" "$STATE"
  net_up
  containerd_up
  import_images
  cp_sh start >/dev/null
  node_certs
  scheduler_up
  kubelet_up
  proxy_up
  coredns_up
  log "node up in $(($(now_ms) - t0)) ms"
  print_env
}

# ------------------------------------------------------------------------------------ down ---
delete_workloads() { # through the API, so the kubelet stops containers and runs CNI DEL itself
  ours kubelet >/dev/null && curl -fsk --max-time 2 "https://127.0.0.1:$APISERVER_PORT/readyz" \
    --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" >/dev/null 2>&1 || return 0
  log "deleting workloads (the kubelet tears pods down through CRI/CNI)"
  kc delete ns -l rabbitmq-krm.dev/test=cluster --wait=false >/dev/null 2>&1 || true
  kc delete pods -A --all --grace-period=1 --wait=false >/dev/null 2>&1 || true
  kc -n kube-system delete deploy coredns --wait=false >/dev/null 2>&1 || true
  kc wait --for=delete pod --all -A --timeout=90s >/dev/null 2>&1 || true
}
crictl_() { "$RK_BIN/crictl" --config /dev/null -r "unix://$CTRD_SOCK" "$@"; }
kubelet_iptables_cleanup() { # the kubelet's own chains (kube-proxy --cleanup removes the KUBE-SVC* ones)
  local ipt t
  for ipt in iptables ip6tables; do
    need $ipt || continue
    $ipt -D INPUT -j KUBE-FIREWALL 2>/dev/null || true; $ipt -D OUTPUT -j KUBE-FIREWALL 2>/dev/null || true
    $ipt -F KUBE-FIREWALL 2>/dev/null || true; $ipt -X KUBE-FIREWALL 2>/dev/null || true
    for t in mangle nat filter; do $ipt -t $t -F KUBE-KUBELET-CANARY 2>/dev/null || true; $ipt -t $t -X KUBE-KUBELET-CANARY 2>/dev/null || true; done
    $ipt -t mangle -X KUBE-IPTABLES-HINT 2>/dev/null || true
  done
}
do_down() {
  local t0; t0=$(now_ms)
  mkdir -p "$RUN"
  delete_workloads
  stop_proc kubelet 20
  if ours containerd >/dev/null && [ -x "$RK_BIN/crictl" ]; then # safety net: sandboxes the kubelet left
    crictl_ rmp -a -f >/dev/null 2>&1 || true
  fi
  stop_proc kube-scheduler 10
  if ours kube-proxy >/dev/null; then stop_proc kube-proxy 10; "$(cat "$RUN/bindir")/kube-proxy" --cleanup >/dev/null 2>&1 || true; fi
  stop_proc apiserver-fwd 5
  stop_proc containerd 15
  cp_sh stop >/dev/null 2>&1 || true
  # kubelet mounts (secret/configmap tmpfs, local PVs) and containerd's leftovers, deepest first
  { grep -oE " ($RK_CLUSTER_CACHE|$STATE)(/[^ ]*)? " /proc/self/mounts || true; } | sort -r |
    while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" || true; done
  kubelet_iptables_cleanup
  find /sys/fs/cgroup/*/kubepods -depth -type d -exec rmdir {} + 2>/dev/null || true
  ! ip link show "$BRIDGE" >/dev/null 2>&1 || ip link del "$BRIDGE"
  if [ -f "$RUN/ip_forward.orig" ]; then cat "$RUN/ip_forward.orig" >/proc/sys/net/ipv4/ip_forward; rm -f "$RUN/ip_forward.orig"; fi
  rm -rf "$RUN/cni/ipam" "$STATE"
  log "down in $(($(now_ms) - t0)) ms"
}

# what must be gone after `down`; prints each leftover, exit 1 if any
do_leftovers() {
  local bad=0 n
  for n in containerd kube-scheduler kubelet kube-proxy apiserver-fwd; do
    if ours $n >/dev/null; then echo "process: $n"; bad=1; fi
  done
  K8S_RUN_DIR=$CP_RUN bash "$HERE/../k8s/cluster.sh" status >/dev/null 2>&1 && { echo "process: control plane"; bad=1; }
  if grep -qE " ($RK_CLUSTER_CACHE|$STATE)" /proc/self/mounts; then echo "mounts: $(grep -cE " ($RK_CLUSTER_CACHE|$STATE)" /proc/self/mounts)"; bad=1; fi
  if ip link show "$BRIDGE" >/dev/null 2>&1; then echo "bridge: $BRIDGE"; bad=1; fi
  if iptables-save 2>/dev/null | grep -qE 'KUBE-|CNI-'; then echo "iptables: $(iptables-save | grep -cE 'KUBE-|CNI-') KUBE-/CNI- lines"; bad=1; fi
  if ip netns list 2>/dev/null | grep -q '^cni-'; then echo "netns: $(ip netns list | grep -c '^cni-')"; bad=1; fi
  # shims of our containerd name its socket (under $STATE) on their command line
  local p; for p in /proc/[0-9]*; do
    case "$(readlink "$p/exe" 2>/dev/null)" in */containerd-shim*) grep -qs "$STATE" "$p/cmdline" && { echo "process: shim ${p#/proc/}"; bad=1; } ;; esac
  done
  return $bad
}

do_status() {
  local n rc=0
  for n in containerd kube-scheduler kubelet kube-proxy apiserver-fwd; do
    if ours $n >/dev/null; then echo "$n: running (pid $(ours $n))"; else echo "$n: not running"; rc=1; fi
  done
  cp_sh status || rc=1
  [ $rc -ne 0 ] || { kc get nodes -o wide; kc get pods -A -o wide; }
  return $rc
}

case "${1:-up}" in
  build) do_build ;;
  up) do_up ;;
  down) do_down ;;
  status) do_status ;;
  env) print_env ;;
  leftovers) do_leftovers ;;
  fn) shift; "$@" ;; # debugging: one step, e.g. `node.sh fn containerd_up`
  *) die "usage: $0 build|up|down|status|env|leftovers" ;;
esac
