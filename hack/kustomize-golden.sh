#!/usr/bin/env bash
# Builds with the real standalone kustomize (exec mode, the binary from `make build`):
#  1. every kustomization under bases/ and overlays/, and every overlay component applied
#     alone to the base config, compared with testdata/kustomize/<name>.yaml;
#  2. every discovery component x every exposure component, checked for what each selects.
# --update rewrites the golden files.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
update=false
[ "${1:-}" = "--update" ] && update=true
kustomize=$(bash hack/install-kustomize.sh)
built_fn_on_path
# The article-etcd overlay reads a cookie file that is never committed; tests use a fixed one.
cookie=overlays/article-etcd/erlang.cookie
[ -f "$cookie" ] || printf 'test-cookie-not-secret-0123456789abcdef\n' >"$cookie"
mkdir -p testdata/kustomize
passed=0 failed=0
hosts=out/kustomize-hosts
rm -rf "$hosts"; mkdir -p "$hosts"
trap 'rm -rf "$hosts" out/kh-*' EXIT

# host NAME COMPONENT...: a kustomization at depth 2 (like overlays/*), whose config is the
# base plus the components
# (overlays/COMPONENT, or /PATH from the repository root).
# The base is the article's RabbitMQ 3.8.34, where dns discovery races (no lock): dns units
# are checked on 4.2 (testdata/kustomize-components/rabbitmq-4.2), and refused on the base.
on42=/testdata/kustomize-components/rabbitmq-4.2
host() {
  local dir="out/kh-$1"; shift
  mkdir -p "$dir/config"
  printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\ngenerators:\n- config\n' >"$dir/kustomization.yaml"
  { printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- ../../../generators\ncomponents:\n'
    for c in "$@"; do
      case "$c" in /*) printf -- '- ../../..%s\n' "$c" ;; *) printf -- '- ../../../overlays/%s\n' "$c" ;; esac
    done; } >"$dir/config/kustomization.yaml"
  echo "$dir"
}

# build DIR OUT: kustomize build; an output without a StatefulSet means the generator was dropped.
build() {
  if ! "$kustomize" build --enable-alpha-plugins --enable-exec "$1" >"$2" 2>"$2.err"; then
    log "FAIL $1: kustomize build failed: $(cat "$2.err")"; return 1
  fi
  grep -q '^kind: StatefulSet' "$2" || { log "FAIL $1: no StatefulSet in the output (generator dropped?)"; return 1; }
}

golden() { # golden DIR NAME
  local out="$hosts/$2.yaml" want="testdata/kustomize/$2.yaml"
  build "$1" "$out" || { failed=$((failed+1)); return; }
  $update && cp "$out" "$want"
  if [ -f "$want" ] && cmp -s "$out" "$want"; then
    passed=$((passed+1)); log "ok   $2"
  else
    log "FAIL $2: output differs from $want (run make golden after an intended change)"
    diff -u "$want" "$out" 2>&1 | head -40 >&2 || true
    failed=$((failed+1))
  fi
}

for k in $(find bases overlays -name kustomization.yaml | sort); do
  dir=$(dirname "$k")
  case "$dir" in */config) continue;; esac   # generator configs, built by their parent
  if grep -q '^kind: Component' "$k"; then
    name=$(echo "$dir" | tr / _)
    extra=(); [ "$dir" = overlays/discovery/dns ] && extra=("$on42")
    golden "$(host "$name" "${dir#overlays/}" "${extra[@]}")" "$name"
  else
    golden "$dir" "$(echo "$dir" | tr / _)"
  fi
done

# Every discovery x every exposure composes, and each selects what it says.
declare -A backend=([k8s]=rabbit_peer_discovery_k8s [etcd]=rabbit_peer_discovery_etcd
  [etcd-external]=rabbit_peer_discovery_etcd [classic]=rabbit_peer_discovery_classic_config [dns]=rabbit_peer_discovery_dns)
declare -A exposure=([clusterip]='type: ClusterIP' [nodeport]='type: NodePort' [loadbalancer]='type: LoadBalancer' [ingress]='kind: Ingress')
for d in "${!backend[@]}"; do
  for e in "${!exposure[@]}"; do
    name="combo-$d-$e"; out="$hosts/$name.yaml"
    extra=(); [ "$d" = dns ] && extra=("$on42")
    if build "$(host "$name" "discovery/$d" "exposure/$e" "${extra[@]}")" "$out" \
      && grep -q "peer_discovery_backend = ${backend[$d]}" "$out" && grep -q "${exposure[$e]}" "$out"; then
      passed=$((passed+1))
    else
      log "FAIL $name: does not select ${backend[$d]} and '${exposure[$e]}'"; failed=$((failed+1))
    fi
  done
done
log "combinations of discovery x exposure built and checked"

# What a kustomize user sees of the function's verdicts: kustomize prints a function's stderr
# and drops its results. An error fails the build with the field named; a warning is printed
# and the build goes on.
refused="$hosts/dns-on-3.8.out"
if "$kustomize" build --enable-alpha-plugins --enable-exec "$(host dns-on-3.8 discovery/dns)" >"$refused" 2>"$refused.err"; then
  log "FAIL dns discovery on RabbitMQ 3.8.34 was rendered; it must be refused"; failed=$((failed+1))
elif ! grep -q '^\[error\] .* spec.discovery.mode: dns discovery can form separate clusters on RabbitMQ 3.8.34' "$refused.err" || [ -s "$refused" ]; then
  log "FAIL dns on 3.8.34: want the error on stderr and no output, got: $(cat "$refused.err")"; failed=$((failed+1))
else
  passed=$((passed+1)); log "ok   dns on 3.8.34 refused with the field named"
fi
if grep -q '^\[warning\] .* spec.plugins\[0\]: rabbitmq_delayed_message_exchange is a community plugin' "$hosts/bases_rabbitmq.yaml.err"; then
  passed=$((passed+1)); log "ok   warnings reach kustomize's stderr"
else
  log "FAIL the base's community-plugin warning is not on kustomize's stderr: $(cat "$hosts/bases_rabbitmq.yaml.err")"; failed=$((failed+1))
fi
echo "kustomize: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
