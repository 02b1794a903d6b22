#!/bin/sh
# rabbitmq-krm: Argo CD Config Management Plugin generate command.
#
# Argo CD runs it in the application directory (a copy of the repository with file modes reset), as a
# non-root user, and treats whatever it prints on stdout as the desired state. Two failure modes must be
# loud here, because with auto-prune an empty or partial manifest set deletes the running cluster:
#   * kustomize silently drops exec-mode generators unless it gets --enable-exec (exit 0, empty output);
#   * a generator that produced nothing (or a kustomize too old to run it) leaves only the plain resources.
# So this always passes --enable-alpha-plugins --enable-exec, and refuses output without a StatefulSet.
#
# The generator config in the repository must name the binary without a path:
#   config.kubernetes.io/function: |
#     exec:
#       path: rabbitmq-krm
# kustomize then finds it on PATH (the sidecar puts it there); a repository-relative path would point into
# the repository, where no binary is (and where file modes are reset anyway).
set -eu

app="${ARGOCD_APP_NAME:-<unknown app>}"
fail() {
  echo "rabbitmq-krm plugin: app $app (path ${ARGOCD_APP_SOURCE_PATH:-.}): $*" >&2
  exit 1
}

kustomize="${RABBITMQ_KRM_KUSTOMIZE:-kustomize}"
command -v "$kustomize" >/dev/null 2>&1 || fail "'$kustomize' is not on PATH ($PATH)"
command -v rabbitmq-krm >/dev/null 2>&1 || fail "the rabbitmq-krm binary is not on PATH ($PATH); is the sidecar's install init container missing?"
[ -f kustomization.yaml ] || [ -f kustomization.yml ] || [ -f Kustomization ] \
  || fail "no kustomization.yaml in $(pwd)"

out="$(mktemp "${TMPDIR:-/tmp}/rabbitmq-krm.XXXXXX")"
trap 'rm -f "$out"' EXIT INT TERM
"$kustomize" build --enable-alpha-plugins --enable-exec . >"$out" \
  || fail "kustomize build --enable-alpha-plugins --enable-exec failed (see the messages above)"

if ! grep -q '^kind:' "$out"; then
  fail "kustomize produced NO objects. Refusing to return an empty manifest set: with auto-prune Argo CD would delete everything this app owns. Check that the RabbitMQCluster is listed under 'generators:' and carries the config.kubernetes.io/function annotation with exec: {path: rabbitmq-krm}."
fi
if ! grep -q '^kind:[[:space:]]*StatefulSet[[:space:]]*$' "$out"; then
  fail "kustomize output has no StatefulSet, so the rabbitmq-krm generator did not run. Refusing to return a partial manifest set: with auto-prune Argo CD would delete the running RabbitMQ cluster. Check the generator's config.kubernetes.io/function annotation (exec: {path: rabbitmq-krm}) and that kustomize supports --enable-exec."
fi
cat "$out"
