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
# The generator config names the binary without a path (as generators/rabbitmq.yaml does):
#   config.kubernetes.io/function: |
#     exec:
#       path: rabbitmq-krm
# kustomize then finds it on PATH (the sidecar puts it there); a relative path is resolved against the
# kustomization's directory in the checkout, where no binary is (and file modes are reset anyway).
#
# Warnings. Argo CD shows a failed command's stderr in the Application's ComparisonError, but keeps a
# successful one's only in the sidecar's log (argo-cd v3.3 cmpserver/plugin runCommand). So the function
# also writes them into the manifests (annotation rabbitmq-krm.dev/warnings on the StatefulSet, in every
# consumer), and the Application may ask for warnings to fail the generate instead:
#   spec.source.plugin.env: [{name: RABBITMQ_KRM_WARNINGS, value: fail}]   (Argo CD passes ARGOCD_ENV_...)
# allow (the default) returns the manifests; fail returns an error listing them (no manifests: Argo CD
# keeps the last synced state and syncs nothing).
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

warnings="${ARGOCD_ENV_RABBITMQ_KRM_WARNINGS:-allow}"
case $warnings in
  allow|fail) ;;
  *) fail "RABBITMQ_KRM_WARNINGS (spec.source.plugin.env; ARGOCD_ENV_RABBITMQ_KRM_WARNINGS here) is '$warnings': use allow (the default: warnings go into the rabbitmq-krm.dev/warnings annotation) or fail (warnings fail the generate)" ;;
esac

out="$(mktemp "${TMPDIR:-/tmp}/rabbitmq-krm.XXXXXX")"
err="$(mktemp "${TMPDIR:-/tmp}/rabbitmq-krm.XXXXXX")"
trap 'rm -f "$out" "$err"' EXIT INT TERM
if ! "$kustomize" build --enable-alpha-plugins --enable-exec . >"$out" 2>"$err"; then
  cat "$err" >&2
  fail "kustomize build --enable-alpha-plugins --enable-exec failed (see the messages above)"
fi
# The function's warning lines ([warning] <apiVersion>/RabbitMQCluster/...: ...); kustomize passes its stderr on.
if [ "$warnings" = fail ] && grep -q '^\[warning\] rabbitmq-krm\.dev/' "$err"; then
  fail "the config has warnings and the Application sets RABBITMQ_KRM_WARNINGS=fail; fix them, or set it to allow to deploy anyway:
$(grep '^\[warning\] rabbitmq-krm\.dev/' "$err")"
fi
cat "$err" >&2   # the sidecar's log keeps a successful run's stderr

if ! grep -q '^kind:' "$out"; then
  fail "kustomize produced NO objects. Refusing to return an empty manifest set: with auto-prune Argo CD would delete everything this app owns. Check that the RabbitMQCluster is listed under 'generators:' and carries the config.kubernetes.io/function annotation with exec: {path: rabbitmq-krm}."
fi
if ! grep -q '^kind:[[:space:]]*StatefulSet[[:space:]]*$' "$out"; then
  fail "kustomize output has no StatefulSet, so the rabbitmq-krm generator did not run. Refusing to return a partial manifest set: with auto-prune Argo CD would delete the running RabbitMQ cluster. Check the generator's config.kubernetes.io/function annotation (exec: {path: rabbitmq-krm}) and that kustomize supports --enable-exec."
fi
cat "$out"
