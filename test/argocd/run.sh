#!/usr/bin/env bash
# Argo CD plugin discovery as real Argo CD performs it (issue 13, item 9). No cluster, no model of Argo CD:
#   - argocd-discovery (test/argocd/argocd-discovery) is built from github.com/argoproj/argo-cd/v3 (version
#     pinned in test/argocd/go.mod) from the Go module proxy;
#   - `argocd-discovery cmp-server` is Argo CD's plugin service (cmpserver/plugin) on its unix socket, run as
#     the sidecar runs argocd-cmp-server (uid 999, the host's Debian `sh` = dash and GNU grep, like the
#     Ubuntu-based quay.io/argoproj/argocd image) with argocd/plugin.yaml + discover.sh + generate.sh in its
#     config directory;
#   - `argocd-discovery match` is the repo-server's side: util/app/discovery.DetectConfigManagementPlugin for
#     Applications that name the plugin, util/app/discovery.AppType for those that do not, which stream a copy
#     of this repository's tree to the server's MatchRepository.
# Controls: the plugin.yaml before the fix (must NOT match bases/rabbitmq, with Argo CD's own error) and the
# plugin without discovery (what Argo CD does then).
#
# Usage: test/argocd/run.sh          Env: KEEP_WORKDIR=1 keeps the scratch directory.
set -euo pipefail
source "$(dirname "$0")/../../hack/lib.sh"

HERE="$REPO_ROOT/test/argocd"
ARGOCD_UID=999                       # Argo CD's images and the sidecar run as uid 999
PLUGIN=rabbitmq-krm-v1               # metadata.name-spec.version: the socket name and the Application's plugin.name
TOOL="$CACHE_DIR/argocd/argocd-discovery"
ARGOCD_VERSION="$(sed -n 's#^[[:space:]]*\(require \)\{0,1\}github.com/argoproj/argo-cd/v3 \(v[^ ]*\).*#\2#p' "$HERE/go.mod")"

W="$(mktemp -d "${TMPDIR:-/tmp}/rabbitmq-krm-argocd.XXXXXX")"
chmod 0755 "$W"
SERVER_PID=""
cleanup() {
  local rc=$?
  stop_server
  if [ -z "${KEEP_WORKDIR:-}" ] && [ $rc -eq 0 ]; then rm -rf "$W"; else log "scratch directory kept: $W"; fi
  exit $rc
}
trap cleanup EXIT
fail() { log "FAIL: $*"; exit 1; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}'; }

# ---------------------------------------------------------------------------------------------- build
t=$(now)
mkdir -p "$(dirname "$TOOL")"
( cd "$HERE" && nice -n 10 go build -trimpath -o "$TOOL" ./argocd-discovery ) || die "building test/argocd failed"
log "argocd-discovery (argo-cd $ARGOCD_VERSION) built in $(secs "$t")s"
# uid 999 cannot reach the cache under root's home: run a copy from the scratch directory
mkdir -p "$W/bin"
install -m 0755 "$TOOL" "$W/bin/argocd-discovery"
TOOL="$W/bin/argocd-discovery"

# ----------------------------------------------------------------------------------- sidecar and repo
# as_argocd CMD...: runs CMD as the sidecar user with a sidecar-like environment (as the current user when
# not root; then uid 999 is not reproduced).
if [ "$(id -u)" = 0 ]; then
  AS=(setpriv --reuid="$ARGOCD_UID" --regid="$ARGOCD_UID" --clear-groups)
else
  AS=()
  log "WARNING: not root, the cmp-server runs as $(id -un), not uid $ARGOCD_UID"
fi
as_argocd() { # as_argocd TMPDIR CMD...; exec'ed all the way down, so `as_argocd ... &` gives CMD's pid in $!
  exec "${AS[@]}" env -i HOME="$W/home" USER=argocd PATH=/usr/local/bin:/usr/bin:/bin \
    ARGOCD_PLUGINSOCKFILEPATH="$W/plugins" TMPDIR="$1" "${@:2}"
}
mkdir -p "$W/home" "$W/plugins" "$W/server-tmp" "$W/client-tmp" "$W/config"
[ "$(id -u)" = 0 ] && chown "$ARGOCD_UID:$ARGOCD_UID" "$W/home" "$W/plugins" "$W/server-tmp" "$W/client-tmp"

# A copy of this repository's tree (tracked and untracked, not ignored), plus test apps inside it, since
# Argo CD sends the whole checkout and the app path within it.
R="$W/repo"
mkdir -p "$R"
if git -C "$REPO_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
  ( cd "$REPO_ROOT" && git ls-files -co --exclude-standard -z | while IFS= read -r -d '' f; do
      [ -e "$f" ] && printf '%s\0' "$f"; done | tar --null -T - -cf - ) | tar -xf - -C "$R"
else
  cp -r "$REPO_ROOT/bases" "$REPO_ROOT/generators" "$REPO_ROOT/overlays" "$R/"
fi
T="$R/argocd-test-apps"
# one discovery x exposure composition, laid out like overlays/article-*: the generator config is built
# from generators/ with the two Components, and the app lists that under generators (flow style here)
mkdir -p "$T/etcd-loadbalancer/config"
printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\ngenerators: [config]   # the composed config\n' \
  > "$T/etcd-loadbalancer/kustomization.yaml"
cat > "$T/etcd-loadbalancer/config/kustomization.yaml" <<'EOF'
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - "../../../generators"
components:
  - ../../../overlays/discovery/etcd        # etcd discovery, etcd deployed alongside
  - ../../../overlays/exposure/loadbalancer
EOF
# the README's composition example, as printed (my-cluster/ at the repository root)
mkdir -p "$R/my-cluster/config"
printf 'resources: [../../generators]            # or your own RabbitMQCluster file\ncomponents: [../../overlays/discovery/etcd, ../../overlays/exposure/loadbalancer]\n' \
  > "$R/my-cluster/config/kustomization.yaml"
printf 'generators: [config]\n' > "$R/my-cluster/kustomization.yaml"
# the README's Argo CD app (the block marked `<!-- consumers-test: argocd-app -->`), run in the repository
README="$REPO_ROOT/README.md"
grep -q 'consumers-test: argocd-app' "$README" 2>/dev/null || README="$REPO_ROOT/test/consumers/README-consumers.md"
block="$(awk '$0 ~ "<!-- consumers-test: argocd-app -->" { f=1; next }
  f && /^```/ { if (b) exit; b=1; next } b { print }' "$README")"
[ -n "$block" ] || die "README example argocd-app not found in $README"
( cd "$R" && bash -euo pipefail -c "$block" )
[ -f "$R/apps/rabbitmq/kustomization.yaml" ] || die "the README's argocd-app example did not create apps/rabbitmq"
# negatives: a plain kustomize app; one that uses our Components (they mention RabbitMQCluster) but runs no
# generator; a directory holding our generator config but no kustomization; a reference cycle; a remote base
mkdir -p "$T/plain" "$T/patch-only" "$T/no-kustomization" "$T/cycle/a" "$T/cycle/b" "$T/remote"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\ndata: {a: b}\n' > "$T/plain/cm.yaml"
printf 'resources:\n- cm.yaml\n' > "$T/plain/kustomization.yaml"
cp "$T/plain/cm.yaml" "$T/patch-only/"
printf 'resources:\n- cm.yaml\ncomponents:\n- ../../overlays/discovery/etcd\n- ../../overlays/exposure/nodeport\n' > "$T/patch-only/kustomization.yaml"
cp "$R/generators/rabbitmq.yaml" "$T/no-kustomization/"
printf 'resources:\n- ../b\n- ../../plain\n' > "$T/cycle/a/kustomization.yaml"
printf 'resources:\n- ../a\n' > "$T/cycle/b/kustomization.yaml"
printf 'resources:\n- https://github.com/example/platform//rabbitmq?ref=v1\n' > "$T/remote/kustomization.yaml"
chmod -R a+rX "$R"

# ------------------------------------------------------------------------------------ cmp-server control
# start_server PLUGIN_YAML: argocd-cmp-server with that plugin.yaml (paths pointed at our config directory)
start_server() {
  stop_server
  rm -rf "$W/config" && mkdir -p "$W/config"
  cp "$REPO_ROOT/argocd/generate.sh" "$REPO_ROOT/argocd/discover.sh" "$W/config/"
  sed "s#/home/argocd/cmp-server/config/#$W/config/#g" "$1" > "$W/config/plugin.yaml"
  chmod 0644 "$W/config/"*   # as mounted from the ConfigMap: not executable, run by `sh`
  rm -f "$W/plugins/$PLUGIN.sock"
  ( as_argocd "$W/server-tmp" "$TOOL" cmp-server -config-dir-path "$W/config" >> "$W/cmp-server.log" 2>&1 ) &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    [ -S "$W/plugins/$PLUGIN.sock" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$W/cmp-server.log" >&2; fail "argocd-cmp-server exited"; }
    sleep 0.1
  done
  fail "argocd-cmp-server did not create $W/plugins/$PLUGIN.sock"
}
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    [ ! -e "$W/plugins/$PLUGIN.sock" ] || fail "argocd-cmp-server left its socket behind"
  fi
}
# ask [-plugin NAME] APP: the repo-server's answer (one line) for the Application path APP
ask() {
  local app="${*: -1}"
  ( as_argocd "$W/client-tmp" "$TOOL" match -repo "$R" -app "$app" "${@:1:$#-1}" \
    -e ARGOCD_APP_NAME=rabbitmq -e ARGOCD_APP_NAMESPACE=argocd -e ARGOCD_APP_PROJECT_NAME=default \
    -e ARGOCD_APP_SOURCE_PATH="$app" -e ARGOCD_APP_SOURCE_REPO_URL=https://git.example.com/platform.git \
    -e ARGOCD_APP_SOURCE_TARGET_REVISION=main 2>> "$W/client.log" ) || true
}
NOT_FOUND="could not find cmp-server plugin with name \"$PLUGIN\" supporting the given repository"
# expect APP NAMED AUTO: with plugin.name set, the answer is NAMED (supported | not-found); without, AUTO
expect() {
  local t named auto
  t=$(now)
  named=$(ask -plugin "$PLUGIN" "$1")
  auto=$(ask "$1")
  case $2 in
    supported) [ "$named" = supported ] || fail "$1, plugin.name $PLUGIN: '$named', expected supported" ;;
    not-found) [ "$named" = "$NOT_FOUND" ] || fail "$1, plugin.name $PLUGIN: '$named', expected '$NOT_FOUND'" ;;
  esac
  [ "$auto" = "$3" ] || fail "$1, no plugin.name: source type '$auto', expected $3"
  printf 'PASS  %-34s named: %-10s auto-detected: %-10s %5ss\n' "$1" "$2" "$3" "$(secs "$t")" >&2
}

# ------------------------------------------------------------------------------------------------ tests
log "--- argocd/plugin.yaml (argo-cd $ARGOCD_VERSION cmp-server, uid $ARGOCD_UID)"
start_server "$REPO_ROOT/argocd/plugin.yaml"
expect bases/rabbitmq                                   supported Plugin
expect overlays/article-nfs                             supported Plugin
expect overlays/article-etcd                            supported Plugin
expect argocd-test-apps/etcd-loadbalancer               supported Plugin
expect my-cluster                                       supported Plugin
expect apps/rabbitmq                                    supported Plugin
expect argocd-test-apps/plain                           not-found Kustomize
expect argocd-test-apps/patch-only                      not-found Kustomize
expect argocd-test-apps/no-kustomization                not-found Directory
expect argocd-test-apps/cycle/a                         not-found Kustomize
expect argocd-test-apps/remote                          not-found Kustomize
grep -q 'discover.sh' "$W/cmp-server.log" || fail "the cmp-server log shows no run of discover.sh"

log "--- control: plugin.yaml before the fix (test/argocd/fixtures/plugin-115b175.yaml)"
start_server "$HERE/fixtures/plugin-115b175.yaml"
expect bases/rabbitmq                                   not-found Kustomize
expect overlays/article-nfs                             not-found Kustomize

log "--- control: plugin.yaml without discovery (the alternative: name the plugin)"
sed '/^  discover:/,$d' "$REPO_ROOT/argocd/plugin.yaml" > "$W/plugin-nodiscovery.yaml"
! grep -q '^  discover:' "$W/plugin-nodiscovery.yaml" || fail "discover block not removed"
start_server "$W/plugin-nodiscovery.yaml"
expect bases/rabbitmq                                   supported Kustomize
expect argocd-test-apps/plain                           supported Kustomize
stop_server

log "argo-cd $ARGOCD_VERSION discovery: all cases as expected"
