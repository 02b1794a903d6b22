#!/usr/bin/env bash
# End-to-end tests of rabbitmq-krm through its real consumers (project issue 4):
#   image      the production Dockerfile: offline lint, offline build, size, runs as nobody
#   kustomize  container mode == exec mode, byte for byte (the README example)
#   kpt        fn eval --exec / --image, Kptfile pipeline with fn render (exec and image) run twice,
#              multi-cluster package without functionConfig, invalid config error format
#   cross      kustomize, kpt and `rabbitmq-krm render` give the same objects (bookkeeping annotations aside)
#   argocd     the sidecar component over a stand-in repo-server and the install init container's
#              install-binary; discovery and generation run through Argo CD's own repo-server and cmp-server
#              code in test/argocd (make test-argocd)
#   readme     every README block marked `<!-- consumers-test: NAME -->` is executed by the tests above
#
# Usage: test/consumers/run.sh [GROUP...]       (default: all groups)
# Env:   RABBITMQ_KRM_BIN    function binary (default bin/rabbitmq-krm; `make build` first)
#        RABBITMQ_KRM_IMAGE  image tag (default: the one the README uses)
#        KEEP_CONTAINER_RUNTIME=1  leave the private dockerd running afterwards
#        KEEP_WORKDIR=1      keep the scratch directory
#        ALLOW_NO_INSTALL_BINARY=1  tolerate a function without the `install-binary DIR` command (Argo CD init container)
set -euo pipefail
source "$(dirname "$0")/../../hack/lib.sh"

HERE="$REPO_ROOT/test/consumers"
BIN="$(realpath "${RABBITMQ_KRM_BIN:-$REPO_ROOT/bin/rabbitmq-krm}")"
IMAGE="${RABBITMQ_KRM_IMAGE:-ghcr.io/rabbitmq-krm/rabbitmq-krm:v0.2.0}"
ARGOCD_UID=999   # the uid Argo CD's images and the sidecar run as
[ -x "$BIN" ] || die "$BIN is missing: run 'make build' first"
GROUPS_TO_RUN="${*:-image kustomize kpt cross argocd}"
want() { case " $GROUPS_TO_RUN " in *" $1 "*) return 0 ;; esac; return 1; }

W="$(mktemp -d "${TMPDIR:-/tmp}/rabbitmq-krm-consumers.XXXXXX")"
chmod 0755 "$W"   # the Argo CD test runs as uid 999 inside it
TIMINGS="$W/timings"
STARTED_RUNTIME=""
cleanup() {
  local rc=$?
  if [ -n "$STARTED_RUNTIME" ] && [ -z "${KEEP_CONTAINER_RUNTIME:-}" ]; then
    bash "$REPO_ROOT/hack/container-runtime.sh" stop || true
  fi
  keep_or_remove_scratch "$W" $rc
  exit $rc
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------- helpers
now() { date +%s.%N; }
T0=""
step() { T0=$(now); log "--- $*"; }
pass() { local d; d=$(awk -v a="$T0" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}'); printf 'PASS %-58s %6ss\n' "$1" "$d" | tee -a "$TIMINGS" >&2; }
fail() { log "FAIL: $*"; exit 1; }
# count_kind KIND FILE: number of documents of that kind in a YAML stream or ResourceList
count_kind() { grep -cE "^[[:space:]-]*kind:[[:space:]]*$1[[:space:]]*\$" "$2" || true; }
same() { # same A B WHAT: byte-for-byte comparison with a readable diff on failure
  cmp -s "$1" "$2" || { diff -u "$1" "$2" | head -n 60 >&2; fail "$3: $1 and $2 differ"; }
}
norm() { "$TOOLS/krmnorm" "$@"; }
# quiet CMD...: stdout passes through, stderr is shown only when CMD fails (and then the test fails)
quiet() { "$@" 2>"$W/quiet.err" || { cat "$W/quiet.err" >&2; fail "command failed: $*"; }; }

# readme_block NAME: the fenced block after the marker `<!-- consumers-test: NAME -->` in the README
# (README.md once the lead has merged the sections, else test/consumers/README-consumers.md).
README="$REPO_ROOT/README.md"
grep -q 'consumers-test:' "$README" 2>/dev/null || README="$HERE/README-consumers.md"
readme_block() {
  awk -v name="$1" '
    $0 ~ "<!-- consumers-test: " name " -->" { found=1; next }
    found && /^```/ { if (inblock) exit; inblock=1; next }
    inblock { print }' "$README"
}
# run_readme NAME DIR: runs the README example NAME in DIR with bash -euo pipefail
run_readme() {
  local block; block="$(readme_block "$1")"
  [ -n "$block" ] || fail "README example '$1' not found in $README"
  mkdir -p "$2"
  ( cd "$2" && bash -euo pipefail -c "$block" )
}

# ------------------------------------------------------------------------------------------------ tools
step "tools"
KUSTOMIZE="$(bash "$REPO_ROOT/hack/install-kustomize.sh")"
KPT="$(bash "$REPO_ROOT/hack/install-kpt.sh")"
TOOLS="$CACHE_DIR/consumers-tools"
( cd "$HERE/tools" && go build -o "$TOOLS/" ./... ) || die "building test/consumers/tools failed"
# What the README examples find on PATH: kustomize, kpt and rabbitmq-krm, nothing else of ours.
PATHBIN="$W/path"
mkdir -p "$PATHBIN"
ln -s "$KUSTOMIZE" "$PATHBIN/kustomize"
ln -s "$KPT" "$PATHBIN/kpt"
ln -s "$BIN" "$PATHBIN/rabbitmq-krm"
export PATH="$PATHBIN:$PATH"
log "kustomize $("$KUSTOMIZE" version), kpt $("$KPT" version), function $BIN"
pass "tools ready"

if want image || want kustomize || want kpt || want argocd; then
  step "container runtime"
  bash "$REPO_ROOT/hack/container-runtime.sh" status || STARTED_RUNTIME=1
  bash "$REPO_ROOT/hack/container-runtime.sh" start
  eval "$(bash "$REPO_ROOT/hack/container-runtime.sh" env)"
  pass "container runtime (private dockerd)"
fi

# A ResourceList with one config, for direct runs.
cat > "$W/cluster.yaml" <<'EOF'
apiVersion: rabbitmq-krm.dev/v1alpha1
kind: RabbitMQCluster
metadata:
  name: rabbitmq
  namespace: ns-rabbitmq
spec:
  replicas: 3
EOF
{ printf 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n'
  sed 's/^/  /' "$W/cluster.yaml"; } > "$W/rl.yaml"

# ================================================================================================ image
if want image || want kustomize || want kpt || want argocd; then
  step "Dockerfile lint (BuildKit parser + linter, offline)"
  "$TOOLS/dflint" "$REPO_ROOT/Dockerfile" >&2
  pass "image: Dockerfile lint"

  step "image build"
  if [ "$BIN" = "$REPO_ROOT/bin/rabbitmq-krm" ]; then
    ctx="$REPO_ROOT"
  else  # a stand-in binary: same Dockerfile, a staged context
    ctx="$W/image-context"
    mkdir -p "$ctx/bin" "$ctx/hack/image"
    cp "$REPO_ROOT/Dockerfile" "$REPO_ROOT/.dockerignore" "$ctx/"
    cp -r "$REPO_ROOT/hack/image/etc" "$ctx/hack/image/"
    cp "$BIN" "$ctx/bin/rabbitmq-krm"
  fi
  version=$("$BIN" version --short)
  case "$version" in dev | "") fail "the binary carries no stamped version ('$version'): build it with make build" ;; esac
  docker build --network none -q --build-arg VERSION="$version" -t "$IMAGE" "$ctx" >/dev/null
  pass "image: docker build (BuildKit, offline)"
  label=$(docker image inspect "$IMAGE" --format '{{index .Config.Labels "org.opencontainers.image.version"}}')
  [ "$label" = "$version" ] || fail "image label org.opencontainers.image.version is '$label', the binary says '$version'"
  src=$(docker image inspect "$IMAGE" --format '{{index .Config.Labels "org.opencontainers.image.source"}}')
  [ -n "$src" ] || fail "image has no org.opencontainers.image.source label"
  size=$(docker image inspect "$IMAGE" --format '{{.Size}}')
  binsize=$(stat -c %s "$BIN")
  user=$(docker image inspect "$IMAGE" --format '{{.Config.User}}')
  entry=$(docker image inspect "$IMAGE" --format '{{json .Config.Entrypoint}}')
  printf 'INFO image %s: %s bytes (%.1f MiB); binary %s bytes; user %s; entrypoint %s\n' \
    "$IMAGE" "$size" "$(awk -v s="$size" 'BEGIN{print s/1048576}')" "$binsize" "$user" "$entry" | tee -a "$TIMINGS" >&2
  [ "$user" = "65534:65534" ] || fail "image user is '$user'"
  [ "$entry" = '["/usr/local/bin/rabbitmq-krm"]' ] || fail "image entrypoint is $entry"
  [ $((size - binsize)) -lt 4096 ] || fail "image carries $((size - binsize)) bytes besides the binary"

  step "image runs as kustomize/kpt run it"
  # kustomize's exact flags; also the image default user and a numeric uid (kustomize --as-current-user)
  for u in "--user nobody" "" "--user 12345:12345"; do
    # shellcheck disable=SC2086
    docker run --rm -i -a STDIN -a STDOUT -a STDERR --network none $u --security-opt=no-new-privileges \
      -e LOG_TO_STDERR=true -e STRUCTURED_RESULTS=true "$IMAGE" < "$W/rl.yaml" > "$W/docker-run.out"
    [ "$(count_kind StatefulSet "$W/docker-run.out")" = 1 ] || fail "docker run $u: no StatefulSet in the output"
  done
  "$BIN" < "$W/rl.yaml" > "$W/exec-run.out"
  same "$W/exec-run.out" "$W/docker-run.out" "ResourceList from the binary vs the image"
  pass "image: docker run --user nobody/default/numeric == binary"
fi

# ============================================================================================ kustomize
if want kustomize; then
  step "kustomize container mode (README example)"
  run_readme kustomize-container "$W/kc" > "$W/kustomize-container.yaml"
  [ "$(count_kind StatefulSet "$W/kustomize-container.yaml")" = 1 ] || fail "container mode: no StatefulSet"
  pass "kustomize: container mode (README example)"

  step "kustomize exec mode, same config"
  mkdir -p "$W/ke"
  cp "$W/kc/my-rabbitmq/kustomization.yaml" "$W/ke/"
  awk '/container:/ { print "      exec:"; getline; print "        path: rabbitmq-krm"; next } { print }' \
    "$W/kc/my-rabbitmq/rabbitmq.yaml" > "$W/ke/rabbitmq.yaml"
  grep -q 'path: rabbitmq-krm' "$W/ke/rabbitmq.yaml" || fail "could not derive the exec-mode generator"
  "$KUSTOMIZE" build --enable-alpha-plugins --enable-exec "$W/ke" > "$W/kustomize-exec.yaml"
  same "$W/kustomize-exec.yaml" "$W/kustomize-container.yaml" "kustomize exec vs container mode"
  # The hazard the Argo CD plugin guards against: without --enable-exec, kustomize exits 0 with nothing.
  "$KUSTOMIZE" build --enable-alpha-plugins "$W/ke" > "$W/kustomize-noexec.yaml"
  [ "$(count_kind StatefulSet "$W/kustomize-noexec.yaml")" = 0 ] || fail "kustomize ran exec without --enable-exec?"
  pass "kustomize: exec mode == container mode, byte for byte"
fi

# ================================================================================================== kpt
if want kpt; then
  # Kptfile exec: paths are resolved against kpt's working directory, so tests run kpt from $W.
  cd "$W"

  step "kpt fn render, image pipeline, two clusters, no functionConfig (README example)"
  run_readme kpt-render "$W/kr-image" > "$W/kpt-render-readme.out" 2>&1 || { cat "$W/kpt-render-readme.out" >&2; fail "README kpt example"; }
  P="$W/kr-image/platform"
  for name in orders billing; do
    grep -rlqE "^kind: StatefulSet" "$P" || fail "no StatefulSet rendered"
    grep -rlq "^  name: $name\$" --include='*.yaml' "$P" || fail "cluster $name not rendered"
  done
  pass "kpt: fn render image pipeline twice (README example)"

  step "kpt fn render: exec pipeline gives the same package as the image pipeline"
  mkdir -p "$W/kr-exec"
  cp -r "$W/kr-image/platform" "$W/kr-exec/"
  P2="$W/kr-exec/platform"
  # start from the configs only, then render with the exec mutator
  find "$P2" -name '*.yaml' ! -path "$P2/clusters/*" -delete
  find "$P2" -mindepth 1 -type d -empty -delete
  sed -i "s#- image: .*#- exec: $BIN#" "$P2/Kptfile"
  quiet "$KPT" fn render "$P2" --allow-exec >/dev/null
  diff -r -x Kptfile "$P" "$P2" >&2 || fail "kpt render: exec and image pipelines placed different files"
  cp -r "$P2" "$W/kr-exec/first"
  quiet "$KPT" fn render "$P2" --allow-exec >/dev/null
  diff -r "$W/kr-exec/first" "$P2" >&2 || fail "kpt render (exec): the second render changed the package"
  pass "kpt: fn render exec == image, second render no diff"

  step "kpt render: placement and idempotency of the package"
  # every generated object exactly once in the package, configs untouched, Kptfile untouched
  for f in "$P"/clusters/*.yaml; do
    [ "$(grep -c '^kind:' "$f")" = 1 ] || fail "$f: generated objects were written into the config file"
  done
  dups=$(cat $(find "$P" -name '*.yaml' ! -name Kptfile) | "$TOOLS/krmnorm" | \
    awk '/^kind:/{k=$2} /^  name:/{n=$2} /^  namespace:/{ns=$2} /^---/{print k"/"ns"/"n; k=n=ns=""} END{print k"/"ns"/"n}' | sort | uniq -d)
  [ -z "$dups" ] || fail "objects written twice into the package: $dups"
  log "package layout after kpt fn render:"; (cd "$P" && find . -type f | sort | sed 's/^/    /' >&2)
  pass "kpt: every object once, configs untouched"

  step "kpt fn eval in place, twice, with --fn-config"
  mkdir -p "$W/ke-pkg"
  printf 'apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: ke-pkg\n' > "$W/ke-pkg/Kptfile"
  cp "$W/cluster.yaml" "$W/ke-fnconfig.yaml"
  quiet "$KPT" fn eval "$W/ke-pkg" --exec "$BIN" --fn-config "$W/ke-fnconfig.yaml" >/dev/null
  cp -r "$W/ke-pkg" "$W/ke-pkg.first"
  quiet "$KPT" fn eval "$W/ke-pkg" --exec "$BIN" --fn-config "$W/ke-fnconfig.yaml" >/dev/null
  diff -r "$W/ke-pkg.first" "$W/ke-pkg" >&2 || fail "kpt fn eval: the second run changed the package"
  [ "$(find "$W/ke-pkg" -name '*.yaml' -exec cat {} + | count_kind StatefulSet /dev/stdin)" = 1 ] \
    || fail "kpt fn eval --fn-config: expected 1 StatefulSet in the package"
  pass "kpt: fn eval --exec --fn-config in place twice, no diff"

  step "kpt fn render: spec.erlangCookie.generate creates the Secret once and keeps it"
  mkdir -p "$W/gen-pkg"
  printf 'apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: gen-pkg\npipeline:\n  mutators:\n  - exec: %s\n    configPath: rabbitmq.yaml\n' "$BIN" > "$W/gen-pkg/Kptfile"
  printf 'apiVersion: rabbitmq-krm.dev/v1alpha1\nkind: RabbitMQCluster\nmetadata:\n  name: gen\n  namespace: mq\n  annotations:\n    config.kubernetes.io/local-config: "true"\nspec:\n  erlangCookie: {generate: true}\n' > "$W/gen-pkg/rabbitmq.yaml"
  quiet "$KPT" fn render "$W/gen-pkg" --allow-exec >/dev/null
  [ -s "$W/gen-pkg/gen/secret_gen-erlang-cookie.yaml" ] || fail "kpt fn render: no generated cookie Secret in the package"
  cp -r "$W/gen-pkg" "$W/gen-pkg.first"
  quiet "$KPT" fn render "$W/gen-pkg" --allow-exec >/dev/null
  diff -r "$W/gen-pkg.first" "$W/gen-pkg" >&2 || fail "kpt fn render: the second render changed the package (cookie re-randomized?)"
  pass "kpt: cookie Secret generated once, the second render keeps it"

  step "kpt fn render: the previous render is visible (a scale-down is refused, then acknowledged)"
  mkdir -p "$W/d2-pkg"
  printf 'apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: d2-pkg\npipeline:\n  mutators:\n  - exec: %s\n' "$BIN" > "$W/d2-pkg/Kptfile"
  printf 'apiVersion: rabbitmq-krm.dev/v1alpha1\nkind: RabbitMQCluster\nmetadata:\n  name: d2\n  namespace: mq\n  annotations:\n    config.kubernetes.io/local-config: "true"\nspec:\n  replicas: 5\n' > "$W/d2-pkg/rabbitmq.yaml"
  quiet "$KPT" fn render "$W/d2-pkg" --allow-exec >/dev/null
  sed -i 's/^  replicas: 5$/  replicas: 3/' "$W/d2-pkg/rabbitmq.yaml"
  cp -r "$W/d2-pkg" "$W/d2-pkg.before"
  set +e; "$KPT" fn render "$W/d2-pkg" --allow-exec > "$W/d2.out" 2>&1; rc=$?; set -e
  [ "$rc" -ne 0 ] || fail "kpt fn render accepted 5 -> 3 replicas without scaleDownFrom"
  grep -q 'spec.replicas: the cluster runs 5 nodes' "$W/d2.out" || { cat "$W/d2.out" >&2; fail "kpt fn render: no scale-down error"; }
  diff -r "$W/d2-pkg.before" "$W/d2-pkg" >&2 || fail "kpt fn render changed the package despite the refused scale-down"
  printf '  scaleDownFrom: 5\n' >> "$W/d2-pkg/rabbitmq.yaml"
  quiet "$KPT" fn render "$W/d2-pkg" --allow-exec >/dev/null
  grep -q '^  replicas: 3$' "$W/d2-pkg/d2/statefulset_d2.yaml" || fail "kpt fn render: the acknowledged scale-down was not rendered"
  "$KPT" fn render "$W/d2-pkg" --allow-exec > "$W/d2.out" 2>&1 || { cat "$W/d2.out" >&2; fail "kpt fn render after the scale-down"; }
  grep -q 'remove scaleDownFrom' "$W/d2.out" || { cat "$W/d2.out" >&2; fail "kpt fn render: no reminder to remove scaleDownFrom"; }
  pass "kpt: scale-down refused, acknowledged with scaleDownFrom, reminder once applied"

  step "kpt: invalid config"
  mkdir -p "$W/bad"
  printf 'apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: bad\npipeline:\n  mutators:\n  - exec: %s\n' "$BIN" > "$W/bad/Kptfile"
  cat > "$W/bad/broken.yaml" <<'EOF'
apiVersion: rabbitmq-krm.dev/v1alpha1
kind: RabbitMQCluster
metadata:
  name: broken
  annotations:
    config.kubernetes.io/local-config: "true"
spec:
  exposure:
    type: NodePort
    nodePorts:
      amqp: 99999
EOF
  cp -r "$W/bad" "$W/bad.before"
  re='^[[:space:]]*\[error\] rabbitmq-krm\.dev/v1alpha1/RabbitMQCluster/broken spec\.exposure\.nodePorts\.amqp: .*99999'
  for mode in render-exec render-image eval-exec; do
    case $mode in
      render-exec)  set +e; "$KPT" fn render "$W/bad" --allow-exec > "$W/bad.out" 2>&1; rc=$?; set -e ;;
      render-image) sed "s#- exec: .*#- image: $IMAGE#" "$W/bad.before/Kptfile" > "$W/bad/Kptfile"
                    set +e; "$KPT" fn render "$W/bad" --image-pull-policy never > "$W/bad.out" 2>&1; rc=$?; set -e
                    cp "$W/bad.before/Kptfile" "$W/bad/Kptfile" ;;
      eval-exec)    set +e; "$KPT" fn eval "$W/bad" --exec "$BIN" > "$W/bad.out" 2>&1; rc=$?; set -e ;;
    esac
    [ "$rc" -ne 0 ] || fail "kpt $mode accepted an invalid config"
    grep -qE "$re" "$W/bad.out" || { cat "$W/bad.out" >&2; fail "kpt $mode: no '[error] rabbitmq-krm.dev/v1alpha1/RabbitMQCluster/broken spec.exposure.nodePorts.amqp: ...' line"; }
    diff -r "$W/bad.before" "$W/bad" >&2 || fail "kpt $mode changed the package despite the error"
  done
  log "kpt prints: $(grep -m1 -E "$re" "$W/bad.out" | sed 's/^[[:space:]]*//')"
  pass "kpt: invalid config -> [error] <GVK>/<name> <field>: <msg>, package unchanged"
  step "kpt fn eval --exec vs --image (README example), no functionConfig (kpt passes an empty ConfigMap)"
  quiet run_readme kpt-eval-exec "$W/kr-image" > "$W/kpt-eval-readme.yaml"
  [ "$(count_kind StatefulSet "$W/kpt-eval-readme.yaml")" = 2 ] || fail "kpt fn eval --exec: expected 2 StatefulSets"
  quiet "$KPT" fn eval "$P" --exec "$BIN" -o stdout > "$W/eval-exec.yaml"
  quiet "$KPT" fn eval "$P" --image "$IMAGE" --image-pull-policy never -o stdout > "$W/eval-image.yaml"
  same "$W/eval-exec.yaml" "$W/eval-image.yaml" "kpt fn eval --exec vs --image"
  pass "kpt: fn eval --exec == --image, byte for byte"

  cd "$REPO_ROOT"
fi

# ================================================================================================ cross
if want cross; then
  step "kustomize, kpt and rabbitmq-krm render give the same objects"
  mkdir -p "$W/cross/pkg" "$W/cross/kust"
  printf 'apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\n' > "$W/cross/pkg/Kptfile"
  printf 'generators:\n- rabbitmq.yaml\n' > "$W/cross/kust/kustomization.yaml"
  awk '{ print } /^  namespace:/ { print "  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: rabbitmq-krm" }' \
    "$W/cluster.yaml" > "$W/cross/kust/rabbitmq.yaml"
  "$KUSTOMIZE" build --enable-alpha-plugins --enable-exec "$W/cross/kust" | norm -sort -sort-keys > "$W/cross/kustomize.yaml"
  quiet "$KPT" fn eval "$W/cross/pkg" --exec "$BIN" --fn-config "$W/cluster.yaml" -o unwrap | norm -sort -sort-keys -skip-kinds Kptfile,RabbitMQCluster > "$W/cross/kpt.yaml"
  "$BIN" render "$W/cluster.yaml" | norm -sort -sort-keys > "$W/cross/render.yaml"
  [ "$(count_kind StatefulSet "$W/cross/render.yaml")" = 1 ] || fail "rabbitmq-krm render: no StatefulSet"
  same "$W/cross/kustomize.yaml" "$W/cross/kpt.yaml" "kustomize vs kpt objects"
  same "$W/cross/kustomize.yaml" "$W/cross/render.yaml" "kustomize vs rabbitmq-krm render objects"
  pass "cross: kustomize == kpt == render (bookkeeping annotations aside)"
fi

# =============================================================================================== argocd
# Running the plugin (discovery and generation, uid 999, modes reset, ARGOCD_* env, empty/partial output) is
# tested with Argo CD's own repo-server and cmp-server code in test/argocd (make test-argocd). Here: the
# install (component) and the init container's copy of the function out of the image.
if want argocd; then
  step "Argo CD: sidecar component over a stand-in argocd-repo-server"
  mkdir -p "$W/argo-install"
  cp "$HERE/fixtures/argocd-repo-server-standin.yaml" "$W/argo-install/"
  # the README/example-install kustomization, with Argo CD's install.yaml replaced by the stand-in
  sed -e "s#^- https://raw.githubusercontent.com/argoproj/argo-cd/.*#- argocd-repo-server-standin.yaml#" \
      -e "s#^- \.\.\$#- $(realpath --relative-to="$W/argo-install" "$REPO_ROOT/argocd")#" \
      "$REPO_ROOT/argocd/example-install/kustomization.yaml" \
      > "$W/argo-install/kustomization.yaml"
  "$KUSTOMIZE" build "$W/argo-install" > "$W/argo-install.yaml"
  "$TOOLS/sidecarcheck" "$W/argo-install.yaml" >&2
  pass "argocd: component renders the sidecar onto the repo-server"

  step "Argo CD: the install init container copies the function out of the image (uid $ARGOCD_UID)"
  S="$W/sidecar"
  mkdir -p "$S/rabbitmq-krm/bin"
  chown "$ARGOCD_UID:$ARGOCD_UID" "$S/rabbitmq-krm/bin"
  # argocd/repo-server-patch.yaml depends on it: the function image has no cp, the binary copies itself
  if docker image inspect "$IMAGE" >/dev/null 2>&1 && \
     docker run --rm --network none --user "$ARGOCD_UID" -v "$S/rabbitmq-krm/bin:/rabbitmq-krm/bin" \
       "$IMAGE" install-binary /rabbitmq-krm/bin >/dev/null 2>"$W/install-binary.err" && \
     [ -x "$S/rabbitmq-krm/bin/rabbitmq-krm" ]; then
    [ "$(setpriv --reuid="$ARGOCD_UID" --regid="$ARGOCD_UID" --clear-groups "$S/rabbitmq-krm/bin/rabbitmq-krm" version --short)" \
      = "$("$BIN" version --short)" ] || fail "the installed binary does not run as uid $ARGOCD_UID or is another version"
    pass "argocd: install-binary copied a runnable function out of $IMAGE"
  else
    [ -n "${ALLOW_NO_INSTALL_BINARY:-}" ] || fail "'docker run $IMAGE install-binary DIR' failed: $(head -c 300 "$W/install-binary.err" 2>/dev/null)"
    log "WARNING: install-binary failed; ALLOW_NO_INSTALL_BINARY is set"
  fi
fi

log "all consumer tests passed"
cat "$TIMINGS" >&2
