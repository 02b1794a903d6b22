#!/usr/bin/env bash
# Argo CD plugin discovery and manifest generation as real Argo CD performs them (issue 13 item 9,
# issue 16 item 1). No cluster, no model of Argo CD:
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
# Generation (issue 16, item 1): `argocd-discovery generate` is the repo-server's
# reposerver/repository.Service.GenerateManifest for Applications whose repoURL is a local git repository
# (file://; a commit of this tree): it resolves and checks out the revision with git, detects the source type
# and runs runConfigManagementPluginSidecars against the cmp-server above, which runs generate.sh with
# kustomize and rabbitmq-krm on the sidecar's PATH. Checked: bases/rabbitmq, overlays/article-nfs,
# overlays/article-etcd (the repository's own, unchanged), an etcd x LoadBalancer composition and the README's
# app naming the plugin give exactly `kustomize build --enable-exec`'s objects (plus Argo CD's tracking
# annotation); empty and partial builds, a missing binary and a repository-relative exec path fail with
# generate.sh's message in Argo CD's error. Warnings (issue 16 (a)): a successful generate's stderr reaches only
# the sidecar's log, so the StatefulSet Argo CD generates carries them (rabbitmq-krm.dev/warnings, checked
# line by line against the function's stderr), and an Application with plugin env RABBITMQ_KRM_WARNINGS=fail
# gets Argo CD's error listing them. A probe plugin shows what the command gets (uid 999, file modes reset,
# ARGOCD_APP_* / ARGOCD_ENV_* / KUBE_* env).
#
# Usage: test/argocd/run.sh   (`make build` first)
#        test/argocd/run.sh --build-only   only build (or find cached) argocd-discovery (`make test`'s prebuild)
# Env: KEEP_WORKDIR=1 keeps the scratch directory; RABBITMQ_KRM_BIN the function (default bin/rabbitmq-krm).
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
  ! declare -F stop_server >/dev/null || stop_server # not yet defined when --build-only exits
  keep_or_remove_scratch "$W" $rc
  exit $rc
}
trap cleanup EXIT
fail() { log "FAIL: $*"; exit 1; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}'; }

# ---------------------------------------------------------------------------------------------- build
t=$(now)
mkdir -p "$(dirname "$TOOL")"
# argo-cd v3.3 builds against the gitops-engine copy inside its own repository (its go.mod: replace => 
# ./gitops-engine), which the argo-cd module on the proxy does not contain. The repo-server packages import
# argo-cd's util/kube, which calls one KubectlCmd method only that copy has. So: the proxy's gitops-engine at
# the version argo-cd v3.3.19 requires, plus test/argocd/gitops-engine-shim (that method, returning an error:
# it serves the controller's server-side diff, which nothing here runs), used through a generated go.mod
# (-modfile) so test/argocd/go.mod stays free of machine paths.
GE_VERSION="$(sed -n 's#^[[:space:]]*github.com/argoproj/gitops-engine \(v[^ ]*\).*#\1#p' "$HERE/go.mod")"
GE_SRC="$(cd "$HERE" && go mod download -json "github.com/argoproj/gitops-engine@$GE_VERSION" | sed -n 's#^[[:space:]]*"Dir": "\(.*\)",#\1#p')"
[ -d "$GE_SRC" ] || die "gitops-engine $GE_VERSION not in the module cache"
B="$CACHE_DIR/argocd/build"
GE_DIR="$B/gitops-engine-$GE_VERSION"
SHIM="$GE_DIR/pkg/utils/kube/zz_rabbitmq_krm_shim.go"
if ! cmp -s "$HERE/gitops-engine-shim/kubectl_shim.go.in" "$SHIM"; then
  rm -rf "$GE_DIR" && mkdir -p "$B"
  cp -r "$GE_SRC" "$GE_DIR" && chmod -R u+w "$GE_DIR"
  cp "$HERE/gitops-engine-shim/kubectl_shim.go.in" "$SHIM"
fi
cp "$HERE/go.sum" "$B/go.sum"
{ cat "$HERE/go.mod"; printf '\nreplace github.com/argoproj/gitops-engine => %s\n' "$GE_DIR"; } > "$B/go.mod"
( cd "$HERE" && nice -n 10 go build -modfile="$B/go.mod" -trimpath -o "$TOOL" ./argocd-discovery ) \
  || die "building test/argocd failed"
log "argocd-discovery (argo-cd $ARGOCD_VERSION, gitops-engine $GE_VERSION + shim) built in $(secs "$t")s"
[ "${1:-}" != --build-only ] || exit 0
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
  exec "${AS[@]}" env -i HOME="$W/home" USER=argocd PATH="${SIDECAR_PATH:-/usr/local/bin:/usr/bin:/bin}" \
    ${SIDECAR_ENV:+"$SIDECAR_ENV"} \
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
# start_server PLUGIN_YAML [SCRIPT...]: argocd-cmp-server with that plugin.yaml (paths pointed at our config
# directory) and the scripts (default: ours). SOCK names its socket (default: ours); SIDECAR_PATH and
# SIDECAR_ENV (one NAME=VALUE) set its environment.
SOCK_NAME="$PLUGIN"
start_server() {
  stop_server
  rm -rf "$W/config" && mkdir -p "$W/config"
  if [ $# -gt 1 ]; then cp "${@:2}" "$W/config/"
  else cp "$REPO_ROOT/argocd/generate.sh" "$REPO_ROOT/argocd/discover.sh" "$W/config/"; fi
  sed "s#/home/argocd/cmp-server/config/#$W/config/#g" "$1" > "$W/config/plugin.yaml"
  chmod 0644 "$W/config/"*   # as mounted from the ConfigMap: not executable, run by `sh`
  SOCK_NAME="${SOCK:-$PLUGIN}"
  rm -f "$W/plugins/$SOCK_NAME.sock"
  ( as_argocd "$W/server-tmp" "$TOOL" cmp-server -config-dir-path "$W/config" >> "$W/cmp-server.log" 2>&1 ) &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    [ -S "$W/plugins/$SOCK_NAME.sock" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$W/cmp-server.log" >&2; fail "argocd-cmp-server exited"; }
    sleep 0.1
  done
  fail "argocd-cmp-server did not create $W/plugins/$SOCK_NAME.sock"
}
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    [ ! -e "$W/plugins/$SOCK_NAME.sock" ] || fail "argocd-cmp-server left its socket behind"
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

# ============================================================================================ generation
# Argo CD's repo-server generating manifests for Applications whose source is a local git repository:
# `argocd-discovery generate` is reposerver/repository.Service.GenerateManifest (git ls-remote, fetch and
# checkout into the repo-server's root, source-type detection, runConfigManagementPluginSidecars: env,
# tar.gz stream to the cmp-server, manifests parsed, tracking annotation set). The cmp-server runs
# argocd/plugin.yaml's generate.sh with kustomize and rabbitmq-krm on the sidecar's PATH. Both run as uid 999.
log "--- generation: argo-cd $ARGOCD_VERSION repo-server + cmp-server, apps in a local git repository"
KUSTOMIZE="$(bash "$REPO_ROOT/hack/install-kustomize.sh")"
FN_BIN="${RABBITMQ_KRM_BIN:-$REPO_ROOT/bin/rabbitmq-krm}"
[ -x "$FN_BIN" ] || die "$FN_BIN is missing: run 'make build' first"
# the sidecar's own directories (uid 999 cannot reach root's cache): kustomize as Argo CD's image brings it, the
# function as the install init container copies it
mkdir -p "$W/sidecar/usr-local-bin" "$W/sidecar/rabbitmq-krm-bin" "$W/sidecar/noexec"
install -m 0755 "$KUSTOMIZE" "$W/sidecar/usr-local-bin/kustomize"
install -m 0755 "$FN_BIN" "$W/sidecar/rabbitmq-krm-bin/rabbitmq-krm"
# a kustomize that drops --enable-exec, i.e. one that silently runs no exec generator (exit 0)
printf '#!/bin/sh\nfor a in "$@"; do shift; [ "$a" = --enable-exec ] || set -- "$@" "$a"; done\nexec %s "$@"\n' \
  "$W/sidecar/usr-local-bin/kustomize" > "$W/sidecar/noexec/kustomize"
chmod 0755 "$W/sidecar/noexec/kustomize"
SIDECAR_OK="$W/sidecar/rabbitmq-krm-bin:$W/sidecar/usr-local-bin:/usr/bin:/bin"

# The git repository: the tree used above, the article-etcd cookie (git-ignored in this repository; a fixed test
# one here, committed with -f), a partial app (a plain object next to our generator) and a probe app.
G="$W/git"
cp -a "$R" "$G"
COOKIE=rabbitmq-krm-argocd-test-cookie-0123456789abcdef
printf '%s' "$COOKIE" > "$G/overlays/article-etcd/erlang.cookie"
mkdir -p "$G/argocd-test-apps/partial" "$G/argocd-test-apps/probe/sub"
printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-rabbitmq\n' > "$G/argocd-test-apps/partial/namespace.yaml"
printf 'resources:\n- namespace.yaml\ngenerators:\n- ../../generators\n' > "$G/argocd-test-apps/partial/kustomization.yaml"
printf '#!/bin/sh\necho hi\n' > "$G/argocd-test-apps/probe/exec.sh" && chmod 0755 "$G/argocd-test-apps/probe/exec.sh"
printf 'x\n' > "$G/argocd-test-apps/probe/sub/file" && chmod 0600 "$G/argocd-test-apps/probe/sub/file"
gitc() { git -C "$G" -c user.name=test -c user.email=test@example.com "$@"; }
gitc init -q -b main
gitc add -A && gitc add -f overlays/article-etcd/erlang.cookie
gitc commit -q -m "rabbitmq-krm tree for the Argo CD test, as shipped"
REV="$(git -C "$G" rev-parse HEAD)"
# Branch relative-path, the control: generators/rabbitmq.yaml as it was before v0.2.0, naming the function by a
# path relative to the kustomization (../../bin/rabbitmq-krm, the local `make build` output). A checkout never
# contains it (bin/ is git-ignored; a committed binary would lose its exec bit), so it must fail loudly; the
# shipped config names `rabbitmq-krm`, which kustomize looks up on the sidecar's PATH.
grep -q '^        path: rabbitmq-krm$' "$G/generators/rabbitmq.yaml" \
  || fail "generators/rabbitmq.yaml no longer names the function 'rabbitmq-krm' (PATH): revisit this test"
gitc checkout -q -b relative-path
sed -i 's#^        path: rabbitmq-krm$#        path: ../../bin/rabbitmq-krm#' "$G/generators/rabbitmq.yaml"
gitc commit -q -am "control: exec path relative to the kustomization"
gitc checkout -q main
[ "$(git -C "$G" ls-files -s argocd-test-apps/probe/exec.sh | cut -c1-6)" = 100755 ] || fail "probe exec.sh not committed as 100755"
chmod -R a+rX "$G"
if [ "$(id -u)" = 0 ]; then chown -R "$ARGOCD_UID:$ARGOCD_UID" "$G"; fi   # git refuses repositories of another owner
mkdir -p "$W/reposerver"
if [ "$(id -u)" = 0 ]; then chown "$ARGOCD_UID:$ARGOCD_UID" "$W/reposerver"; fi
REPO_URL="file://$G"

# gen APP [generate flags]: the repo-server's answer; stdout to $W/gen.out (manifests or the error), exit code
# in GEN_RC, the ManifestResponse in $W/gen.json. The repo-server process has only git on its PATH.
gen() {
  local app="$1"; shift
  GEN_RC=0
  ( SIDECAR_PATH=/usr/bin:/bin as_argocd "$W/client-tmp" "$TOOL" generate -repo-url "$REPO_URL" -revision main \
      -root "$W/reposerver/root" -app "$app" -response "$W/reposerver/gen.json" "$@" ) > "$W/gen.out" 2>> "$W/reposerver.log" \
    || GEN_RC=$?
}
# expect_gen APP [generate flags]: generated manifests == `kustomize build --enable-alpha-plugins --enable-exec`
# of the same commit (tracking annotation checked and stripped), sourceType Plugin, the committed revision.
expect_gen() {
  local app="$1" t out; t=$(now); shift
  rm -f "$W/reposerver/gen.json"
  gen "$app" -strip-tracking "$@"
  [ "$GEN_RC" = 0 ] || { cat "$W/gen.out" >&2; fail "generate $app: exit $GEN_RC"; }
  grep -q '"sourceType": "Plugin"' "$W/reposerver/gen.json" || fail "generate $app: source type is not Plugin"
  grep -q "\"revision\": \"$REV\"" "$W/reposerver/gen.json" || fail "generate $app: revision is not $REV"
  out="$W/gen-$(echo "$app" | tr / _)"
  cp "$W/gen.out" "$out.yaml"
  cp "$W/reposerver/gen.json" "$out.json"
  ( cd "$G/$app" && PATH="$W/sidecar/rabbitmq-krm-bin:$PATH" "$KUSTOMIZE" build --enable-alpha-plugins --enable-exec . 2>/dev/null ) \
    | "$TOOL" norm > "$out.expected.yaml"
  cmp -s "$out.expected.yaml" "$out.yaml" || { diff -u "$out.expected.yaml" "$out.yaml" | head -n 40 >&2; fail "generate $app differs from kustomize build"; }
  [ "$(grep -c '^kind: StatefulSet$' "$out.yaml")" -ge 1 ] || fail "generate $app: no StatefulSet"
  printf 'PASS  generate %-34s %3d objects (%s) %5ss\n' "$app $*" "$(grep -c '^kind:' "$out.yaml")" \
    "$(grep '^kind:' "$out.yaml" | sed 's/kind: //' | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}')" "$(secs "$t")" >&2
  LAST="$out.yaml"
}
# has FILE KIND NAME: FILE (generate's YAML, keys sorted) holds an object of that kind and name
has() {
  awk -v k="$2" -v n="$3" '/^---$/ {kind=""; name=""; md=0} /^kind: / {kind=$2}
    /^[a-z]/ {md=($1 == "metadata:")} md && /^  name: / {name=$2}
    kind == k && name == n {found=1} END {exit !found}' "$1" || fail "$1: no $2 $3"
}
# expect_gen_fail WHAT PATTERN APP [flags]: the repo-server returns an error carrying generate.sh's message
expect_gen_fail() {
  local t; t=$(now)
  gen "${@:3}"
  [ "$GEN_RC" = 3 ] || { cat "$W/gen.out" >&2; fail "generate $3 ($1): expected a repo-server error, exit $GEN_RC"; }
  grep -q "rabbitmq-krm plugin: app rabbitmq (path $3): .*$2" "$W/gen.out" \
    || { cat "$W/gen.out" >&2; fail "generate $3 ($1): the error lacks generate.sh's '$2'"; }
  printf 'PASS  generate %-34s fails: %s %5ss\n' "$3" "$1" "$(secs "$t")" >&2
  log "      Argo CD's error: $(head -c 600 "$W/gen.out")"
}

# expect_warnings_annotation: our channel. The StatefulSet in the repo-server's manifests for bases/rabbitmq
# ($BASE_OUT) carries rabbitmq-krm.dev/warnings with exactly the warnings the function printed on kustomize's
# stderr ("[warning] <config> field: message" there, "field: message" lines here); the README's app, which
# has none, carries no such annotation.
WARN_KEY=rabbitmq-krm.dev/warnings
expect_warnings_annotation() {
  local t; t=$(now)
  ( cd "$G/bases/rabbitmq" && PATH="$W/sidecar/rabbitmq-krm-bin:$PATH" "$KUSTOMIZE" build --enable-alpha-plugins --enable-exec . 2>&1 >/dev/null ) \
    | sed -n 's#^\[warning\] rabbitmq-krm\.dev/v1alpha1/RabbitMQCluster/ns-rabbitmq/rabbitmq ##p' > "$W/warnings.want"
  [ "$(wc -l < "$W/warnings.want")" -ge 2 ] || fail "bases/rabbitmq: expected 2 warnings on kustomize's stderr, got: $(cat "$W/warnings.want")"
  "$TOOL" annotation "$BASE_OUT" StatefulSet rabbitmq "$WARN_KEY" > "$W/warnings.got" \
    || fail "bases/rabbitmq: the StatefulSet Argo CD generated has no $WARN_KEY annotation: the warnings reach no Argo CD user"
  echo >> "$W/warnings.got"
  cmp -s "$W/warnings.want" "$W/warnings.got" \
    || { diff -u "$W/warnings.want" "$W/warnings.got" >&2; fail "bases/rabbitmq: $WARN_KEY differs from the function's warnings"; }
  ! "$TOOL" annotation "$W/gen-apps_rabbitmq.yaml" StatefulSet rabbitmq "$WARN_KEY" >/dev/null 2>&1 \
    || fail "apps/rabbitmq has no warnings but its StatefulSet carries $WARN_KEY"
  printf 'PASS  warnings in the manifests Argo CD generated: StatefulSet rabbitmq %s (%d lines) %5ss\n' \
    "$WARN_KEY" "$(wc -l < "$W/warnings.got")" "$(secs "$t")" >&2
  log "      Argo CD's manifest, StatefulSet rabbitmq: metadata.annotations[$WARN_KEY] = $(head -c 300 "$W/warnings.got")..."
}
# expect_warnings_fail: an Application with plugin env RABBITMQ_KRM_WARNINGS=fail gets Argo CD's error with
# every warning instead of manifests; without warnings it generates; a misspelt value fails, naming it.
expect_warnings_fail() {
  local env=RABBITMQ_KRM_WARNINGS
  expect_gen_fail "$env=fail with warnings" "the config has warnings and the Application sets $env=fail" \
    bases/rabbitmq -plugin "$PLUGIN" -plugin-env "$env=fail"
  while IFS= read -r w; do
    grep -qF "[warning] rabbitmq-krm.dev/v1alpha1/RabbitMQCluster/ns-rabbitmq/rabbitmq $w" "$W/gen.out" \
      || { cat "$W/gen.out" >&2; fail "$env=fail: Argo CD's error lacks the warning '$w'"; }
  done < "$W/warnings.want"
  log "      Argo CD's whole error (the Application's ComparisonError prefixes it with 'Failed to load target state: failed to generate manifest for source 1 of 1: rpc error: code = Unknown desc = ', argo-cd controller/state.go):"
  cat "$W/gen.out" >&2
  expect_gen_fail "$env=fail, auto-detected" "the config has warnings" overlays/article-nfs -plugin-env "$env=fail"
  expect_gen apps/rabbitmq -plugin "$PLUGIN" -plugin-env "$env=fail"
  expect_gen_fail "$env=maybe" "$env (spec.source.plugin.env; ARGOCD_ENV_$env here) is 'maybe': use allow" \
    bases/rabbitmq -plugin "$PLUGIN" -plugin-env "$env=maybe"
  expect_gen bases/rabbitmq -plugin "$PLUGIN" -plugin-env "$env=allow"
  cmp -s "$BASE_OUT" "$LAST" || fail "bases/rabbitmq: $env=allow gives other manifests than no setting"
}

SIDECAR_PATH="$SIDECAR_OK" start_server "$REPO_ROOT/argocd/plugin.yaml"
expect_gen bases/rabbitmq
has "$LAST" StatefulSet rabbitmq; has "$LAST" Service rabbitmq-nodes; has "$LAST" Service rabbitmq
cp "$LAST" "$W/base.yaml"   # later runs of the same app overwrite $LAST
BASE_OUT="$W/base.yaml"
expect_gen overlays/article-nfs
has "$LAST" StatefulSet rabbitmq; has "$LAST" PersistentVolume ns-rabbitmq-rabbitmq-data; has "$LAST" PersistentVolumeClaim rabbitmq-data
expect_gen overlays/article-etcd
has "$LAST" StatefulSet rabbitmq; has "$LAST" StatefulSet rabbitmq-etcd; has "$LAST" Secret erlang.cookie
grep -q "erlang.cookie: $(printf '%s' "$COOKIE" | base64 -w0)" "$LAST" || fail "article-etcd: the Secret does not hold the committed test cookie"
expect_gen argocd-test-apps/etcd-loadbalancer
has "$LAST" StatefulSet rabbitmq; has "$LAST" StatefulSet rabbitmq-etcd
grep -q '^  type: LoadBalancer$' "$LAST" || fail "etcd-loadbalancer: no LoadBalancer Service"
expect_gen apps/rabbitmq -plugin "$PLUGIN"        # the README's Argo CD app, naming the plugin
has "$LAST" StatefulSet rabbitmq
expect_gen bases/rabbitmq -plugin "$PLUGIN" -plugin-env TEAM=platform
cmp -s "$BASE_OUT" "$LAST" || fail "bases/rabbitmq: naming the plugin gives other manifests than auto-detection"

# Warnings. Argo CD itself: argocd-cmp-server's runCommand keeps a successful command's stderr only in its own
# log ("Plugin command successful", field stderr); the cmp ManifestResponse has no field for it, so the
# repo-server's response (and so the Application) never shows it. Checked both ways, so that an Argo CD which
# surfaces it is noticed. bases/rabbitmq has two warnings (the NFS export's permissions, a community plugin).
WARN='rabbitmq_delayed_message_exchange is a community plugin'
grep 'Plugin command successful' "$W/cmp-server.log" | grep -q "stderr=.*$WARN" \
  || fail "the warning is not in the cmp-server's 'Plugin command successful' log entry"
# (the manifests carry the warnings in our annotation, "field: message"; stderr's lines start with [warning])
! grep -q '\[warning\] rabbitmq-krm' "$W"/gen-*.json || fail "the repo-server's response carries stderr now: revisit the README's Argo CD warnings"
log "PASS  Argo CD: a successful generate's stderr only in the sidecar's log (level=info msg=\"Plugin command successful\" stderr=...)"
expect_warnings_annotation
expect_warnings_fail

log "--- generation failures: the repo-server's error carries generate.sh's message"
# a kustomize that ignores --enable-exec: bases/rabbitmq builds to nothing, the partial app to a Namespace only
SIDECAR_PATH="$W/sidecar/noexec:$SIDECAR_OK" start_server "$REPO_ROOT/argocd/plugin.yaml"
expect_gen_fail "empty build (no exec)" "kustomize produced NO objects" bases/rabbitmq -plugin "$PLUGIN"
expect_gen_fail "partial build (no exec; its Secret only), auto-detected" "output has no StatefulSet" overlays/article-etcd
expect_gen_fail "partial build (no exec)" "output has no StatefulSet" argocd-test-apps/partial -plugin "$PLUGIN"
# the control branch: the generator names ../../bin/rabbitmq-krm (relative to the kustomization), which the
# checkout does not have
SIDECAR_PATH="$SIDECAR_OK" start_server "$REPO_ROOT/argocd/plugin.yaml"
expect_gen_fail "control: exec path ../../bin/rabbitmq-krm" \
  "kustomize build --enable-alpha-plugins --enable-exec failed" bases/rabbitmq -revision relative-path
grep -q 'fork/exec ../../bin/rabbitmq-krm: no such file or directory' "$W/gen.out" || fail "relative path: kustomize's reason is missing"
expect_gen_fail "control: exec path ../../bin/rabbitmq-krm" \
  "kustomize build --enable-alpha-plugins --enable-exec failed" overlays/article-nfs -revision relative-path
# the install init container did not run: no function on the sidecar's PATH
SIDECAR_PATH="$W/sidecar/usr-local-bin:/usr/bin:/bin" start_server "$REPO_ROOT/argocd/plugin.yaml"
expect_gen_fail "binary missing" "the rabbitmq-krm binary is not on PATH" overlays/article-nfs -plugin "$PLUGIN"

# What a plugin's generate command gets from Argo CD (what test/consumers used to model): a probe plugin on the
# same cmp-server code prints its uid, directory, the app's file modes and its ARGOCD_* / KUBE_* environment.
log "--- generation: what the plugin command gets (probe plugin, same repo-server and cmp-server code)"
cat > "$W/probe.yaml" <<'EOF'
apiVersion: argoproj.io/v1alpha1
kind: ConfigManagementPlugin
metadata:
  name: probe
spec:
  version: v1
  generate:
    command: [sh, /home/argocd/cmp-server/config/probe.sh]
EOF
cat > "$W/probe.sh" <<'EOF'
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\ndata:\n'
printf '  uid: "%s"\n  pwd: "%s"\n' "$(id -u)" "$(pwd)"
printf '  modes: "%s"\n' "$(stat -c '%n=%a' exec.sh sub sub/file | tr '\n' ' ' | sed 's/ $//')"
printf '  env: |\n'; env | grep -E '^(ARGOCD_|KUBE_)' | sort | sed 's/^/    /'
EOF
SOCK=probe-v1 SIDECAR_PATH="$SIDECAR_OK" start_server "$W/probe.yaml" "$W/probe.sh"
gen argocd-test-apps/probe -plugin probe-v1 -plugin-env TEAM=platform -plugin-env 'CLUSTER=prod eu'
[ "$GEN_RC" = 0 ] || { cat "$W/gen.out" >&2; fail "probe plugin: exit $GEN_RC"; }
P="$W/gen.out"
if [ "$(id -u)" = 0 ]; then
  grep -q "^  uid: \"$ARGOCD_UID\"" "$P" || { cat "$P" >&2; fail "probe: not run as uid $ARGOCD_UID"; }
fi
grep -q '^  modes: exec.sh=644 sub=755 sub/file=644$' "$P" || { cat "$P" >&2; fail "probe: file modes not reset"; }
for e in ARGOCD_APP_NAME=rabbitmq ARGOCD_APP_NAMESPACE=ns-rabbitmq ARGOCD_APP_PROJECT_NAME=default \
         "ARGOCD_APP_REVISION=$REV" "ARGOCD_APP_REVISION_SHORT=${REV:0:7}" "ARGOCD_APP_REVISION_SHORT_8=${REV:0:8}" \
         ARGOCD_APP_SOURCE_PATH=argocd-test-apps/probe "ARGOCD_APP_SOURCE_REPO_URL=$REPO_URL" \
         ARGOCD_APP_SOURCE_TARGET_REVISION=main ARGOCD_ENV_TEAM=platform "ARGOCD_ENV_CLUSTER=prod eu" \
         KUBE_VERSION=1.34.0 KUBE_API_VERSIONS=v1,apps/v1,policy/v1,rbac.authorization.k8s.io/v1; do
  grep -qxF "    $e" "$P" || { cat "$P" >&2; fail "probe: the plugin command lacks $e"; }
done
case "$(sed -n 's/^  pwd: //p' "$P")" in
  "$W/server-tmp/"*/argocd-test-apps/probe) ;;
  *) cat "$P" >&2; fail "probe: not run in the app directory of an unpacked copy under the cmp-server's TMPDIR" ;;
esac
log "PASS  probe: uid $(sed -n 's/^  uid: //p' "$P"), modes $(sed -n 's/^  modes: //p' "$P"), ARGOCD_APP_* / ARGOCD_ENV_* / KUBE_* as the repo-server sets them"
stop_server
[ -z "$(ls -A "$W/plugins")" ] || fail "sockets left behind: $(ls "$W/plugins")"
log "argo-cd $ARGOCD_VERSION generation: all cases as expected"
