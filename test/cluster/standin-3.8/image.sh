#!/usr/bin/env bash
# standin-3.8/image.sh - a stand-in for the official rabbitmq:3.8 images: the 3.10.8 image of
# ../images.sh (Debian has no 3.8) plus a second layer with docker-entrypoint.sh (the 3.8
# entrypoint's behaviour that matters under a read-only root, see that file) as the entrypoint,
# tagged rabbitmq:3.8.34-management and friends. What it proves: the rendered 3.8 pod boots through
# that entrypoint. What it cannot prove: 3.8-only broker behaviour (the broker is 3.10.8).
#
#   standin-3.8/image.sh build   build the tarball when missing (needs the 3.10 image), self-test the entrypoint
#   standin-3.8/image.sh list    print its path
# Cached next to the other images, keyed by this directory's files and the 3.10 tarball.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../common.sh
. "$HERE/../common.sh"
TAGS=(rabbitmq:3.8 rabbitmq:3.8-management rabbitmq:3.8.34 rabbitmq:3.8.34-management)

base_tar() { echo "$(bash "$HERE/../images.sh" list | grep '/rabbitmq-3.10.tar$')"; }
out_tar() {
  local h
  h=$(cat "$HERE/image.sh" "$HERE/docker-entrypoint.sh" <(basename "$(dirname "$(base_tar)")") | sha256sum | cut -c1-12)
  echo "$RK_CLUSTER_CACHE/images/standin-3.8-$h/rabbitmq-3.8-standin.tar"
}

# self_test: the stand-in exits 1 as uid 999 when rabbitmq.conf is missing under a read-only
# /etc/rabbitmq, and runs the command when it is there (the negative control of the 3.8 case).
self_test() {
  local d rc=0
  d=$(mktemp -d); mkdir -p "$d/missing" "$d/present"; touch "$d/present/rabbitmq.conf"
  chmod 555 "$d/missing" "$d/present"; chmod 755 "$d"
  RABBITMQ_CONFIG_FILE="$d/missing/rabbitmq" setpriv --reuid=999 --regid=999 --clear-groups \
    bash "$HERE/docker-entrypoint.sh" rabbitmq-server 2>/dev/null || rc=$?
  [ "$rc" = 1 ] || { rm -rf "$d"; die "stand-in entrypoint: exit $rc without rabbitmq.conf on a read-only root, want 1"; }
  RABBITMQ_CONFIG_FILE="$d/present/rabbitmq" setpriv --reuid=999 --regid=999 --clear-groups \
    bash "$HERE/docker-entrypoint.sh" rabbitmq-server-stand-in-check 2>/dev/null && rc=0 || rc=$?
  rm -rf "$d"
  # the command does not exist: exec fails with 127, which shows the script got as far as exec
  [ "$rc" = 127 ] || die "stand-in entrypoint: exit $rc with rabbitmq.conf present, want the command's (127)"
}

build() {
  local out base w cfg lsha csha bsha
  out=$(out_tar); [ -f "$out" ] && return 0
  base=$(base_tar); [ -f "$base" ] || die "the 3.10 image is missing: RABBITMQ_SERIES='3.10' bash images.sh build"
  self_test
  w=$(mktemp -d); mkdir -p "$w/layer/usr/local/bin"
  tar -xf "$base" -C "$w" manifest.json
  bsha=$(sed 's/.*"Layers":\["\([0-9a-f]*\)\/layer.tar"\].*/\1/' "$w/manifest.json")
  tar -xf "$base" -C "$w" "$bsha/layer.tar"
  install -m 0755 "$HERE/docker-entrypoint.sh" "$w/layer/usr/local/bin/docker-entrypoint.sh"
  mkdir -p "$w/l2"; tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$w/layer" -cf "$w/l2/layer.tar" .
  lsha=$(sha256sum "$w/l2/layer.tar" | cut -d' ' -f1); mv "$w/l2" "$w/$lsha"
  cfg=$(tar -xOf "$base" "$(sed 's/.*"Config":"\([^"]*\)".*/\1/' "$w/manifest.json")" |
    sed -e 's/"config":{/"config":{"Entrypoint":["docker-entrypoint.sh"],/' \
      -e "s/\"diff_ids\":\[\"sha256:$bsha\"\]/\"diff_ids\":[\"sha256:$bsha\",\"sha256:$lsha\"]/")
  csha=$(printf '%s' "$cfg" | sha256sum | cut -d' ' -f1); printf '%s' "$cfg" >"$w/$csha.json"
  printf '[{"Config":"%s.json","RepoTags":[%s],"Layers":["%s/layer.tar","%s/layer.tar"]}]' "$csha" \
    "$(printf '"docker.io/library/%s",' "${TAGS[@]}" | sed 's/,$//')" "$bsha" "$lsha" >"$w/manifest.json"
  mkdir -p "$(dirname "$out")"
  tar -C "$w" -cf "$out.tmp" manifest.json "$csha.json" "$bsha" "$lsha"; mv "$out.tmp" "$out"; rm -rf "$w"
  log "image ${TAGS[*]} (3.10.8 + the 3.8 entrypoint stand-in) -> $out"
}

case "${1:-build}" in
  build) build ;;
  list) out_tar ;;
  *) die "usage: $0 build|list" ;;
esac
