#!/usr/bin/env bash
# images.sh - the container images test/cluster runs, built locally from Debian packages (no registry is
# reachable here) and written as docker-archive tarballs that `ctr images import` loads into containerd.
#
#   images.sh build        build every missing tarball (cached), print nothing
#   images.sh list         print the tarball paths (build first)
#
# Tarballs live in $RK_CLUSTER_CACHE/images/<hash>/, where <hash> covers this script: editing the recipe
# rebuilds, nothing stale is reused (pause/CoreDNS are also rebuilt when their binary is newer). Each RabbitMQ series is its own root
# filesystem made by mmdebstrap (never installed into the host), tagged with the official names a config may
# use for that series. Every difference from the official images is listed in README.md.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
. "$HERE/common.sh"

# suite, exact Debian version, official tags. Pinned: sid moves and trixie gets +deb13uN updates.
RABBITMQ_SERIES=${RABBITMQ_SERIES:-4.0 4.3}
series_suite() { case "$1" in 3.10) echo bookworm ;; 4.0) echo trixie ;; 4.3) echo sid ;; *) die "no Debian suite for RabbitMQ $1" ;; esac; }
series_pin() { case "$1" in 3.10) echo 3.10.8-1.1+deb12u1 ;; 4.0) echo 4.0.5-6+deb13u2 ;; 4.3) echo 4.3.6-1 ;; esac; }
series_patch() { case "$1" in 3.10) echo 3.10.8 ;; 4.0) echo 4.0.5 ;; 4.3) echo 4.3.6 ;; esac; }
# the etcd image the rendered etcd StatefulSet names (fn default), filled from trixie's etcd-server
ETCD_IMAGE=${ETCD_IMAGE:-registry.k8s.io/etcd:3.5.21-0}
ETCD_PIN=${ETCD_PIN:-3.5.16-4}

img_dir() {
  local h
  h=$(sha256sum <"$HERE/images.sh" | cut -c1-12)
  echo "$RK_CLUSTER_CACHE/images/$h"
}

# docker_archive <out.tar> <layer.tar> <config-json> <tag>...: one layer, deterministic config (epoch 0)
docker_archive() {
  local out=$1 layer=$2 cfg=$3 w lsha csha tags; shift 3
  w=$(mktemp -d)
  lsha=$(sha256sum "$layer" | cut -d' ' -f1)
  mkdir "$w/$lsha"; ln "$layer" "$w/$lsha/layer.tar" 2>/dev/null || cp "$layer" "$w/$lsha/layer.tar"
  printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"rabbitmq-krm test/cluster/images.sh"}]}' \
    "$cfg" "$lsha" >"$w/config.json"
  csha=$(sha256sum "$w/config.json" | cut -d' ' -f1); mv "$w/config.json" "$w/$csha.json"
  tags=$(printf '"%s",' "$@"); tags=${tags%,}
  printf '[{"Config":"%s.json","RepoTags":[%s],"Layers":["%s/layer.tar"]}]' "$csha" "$tags" "$lsha" >"$w/manifest.json"
  tar -C "$w" -cf "$out.tmp" manifest.json "$csha.json" "$lsha"; mv "$out.tmp" "$out"; rm -rf "$w"
  log "image $* -> $out ($(du -h "$out" | cut -f1))"
}

# dir_layer <dir> <out.tar>: a reproducible layer from a directory (sorted, epoch mtimes, root-owned)
dir_layer() { tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$1" -cf "$2" .; }

busybox_root() { # dir: enough of a userland for the pause/CoreDNS images and debugging
  mkdir -p "$1"/{bin,etc,tmp}; chmod 1777 "$1/tmp"
  cp /bin/busybox "$1/bin/busybox"
  local a; for a in sh cat ls; do ln -sf busybox "$1/bin/$a"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$1/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$1/etc/group"
}

# mmdebstrap into a tarball: minbase, no docs/man/locales; sid's Release file on the mirror may be
# expired (frozen snapshot), hence Check-Valid-Until false. The output name must end in .tar (mmdebstrap
# picks the format from it).
# Downloaded .debs are kept per suite in $RK_CLUSTER_CACHE/debs/<suite> (a rebuild downloads nothing new).
debian_rootfs() { # suite out.tar include customize-hook...
  local suite=$1 out=$2 inc=$3 hooks=() h debs=$RK_CLUSTER_CACHE/debs/$1; shift 3
  for h in "$@"; do hooks+=(--customize-hook="$h"); done
  need mmdebstrap || apt_install mmdebstrap
  mkdir -p "$debs"
  SOURCE_DATE_EPOCH=0 nice -n 10 mmdebstrap --quiet --variant=minbase --include="$inc" \
    --aptopt='Acquire::Check-Valid-Until "false"' \
    --skip=download/empty --setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
    --setup-hook="sync-in $debs /var/cache/apt/archives/" --customize-hook="sync-out /var/cache/apt/archives $debs" \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    "${hooks[@]}" \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/cache/apt/archives/*.deb' \
    "$suite" "$out" "$DEBIAN_MIRROR"
}

# The rootfs changes that make Debian's package look like the official image where our manifests care.
# Runs inside mmdebstrap (as root, "$1" = the rootfs).
RABBITMQ_HOOK='set -e; r=$1
  # uid/gid 999 like the official image (the manifests run as runAsUser/fsGroup 999): Debian allocates a dynamic id
  # sid already gives 999 to another system group/user: move it to 899 first (its files with it)
  o=$(chroot "$r" getent group 999 | cut -d: -f1)
  if [ -n "$o" ] && [ "$o" != rabbitmq ]; then
    test -z "$(chroot "$r" getent group 899)"; find "$r" -xdev -gid 999 -exec chgrp -h 899 {} +; chroot "$r" groupmod -g 899 "$o"; fi
  o=$(chroot "$r" getent passwd 999 | cut -d: -f1)
  if [ -n "$o" ] && [ "$o" != rabbitmq ]; then
    test -z "$(chroot "$r" getent passwd 899)"; find "$r" -xdev -uid 999 -exec chown -h 899 {} +; chroot "$r" usermod -u 899 "$o"; fi
  ou=$(chroot "$r" id -u rabbitmq); og=$(chroot "$r" id -g rabbitmq)
  chroot "$r" groupmod -g 999 rabbitmq; chroot "$r" usermod -u 999 -g 999 rabbitmq
  find "$r" -xdev \( -uid "$ou" -o -gid "$og" \) -exec chown -h 999:999 {} +
  # the package bakes a cookie into the image; the official image has none (ours comes from the Secret)
  rm -f "$r/var/lib/rabbitmq/.erlang.cookie"
  # /opt/rabbitmq like the official image: RABBITMQ_PLUGINS_DIR=/opt/rabbitmq/plugins:... must hold the
  # bundled plugins; /opt/rabbitmq/sbin holds the CLIs
  srv=$(cd "$r/usr/lib/rabbitmq/lib" && ls -d rabbitmq_server-* | head -1)
  ln -sfn "/usr/lib/rabbitmq/lib/$srv" "$r/opt/rabbitmq"
  # (the link is absolute: check its target inside the rootfs, not on the host)
  test -d "$r/usr/lib/rabbitmq/lib/$srv/plugins"; test -x "$r/usr/lib/rabbitmq/bin/rabbitmq-server"
  # the official image ships this drop-in (our manifests mount an emptyDir over conf.d, hiding it)
  mkdir -p "$r/etc/rabbitmq/conf.d"
  printf "loopback_users.guest = false\nlog.console = true\n" >"$r/etc/rabbitmq/conf.d/10-defaults.conf"
  chown -R 999:999 "$r/etc/rabbitmq" "$r/var/lib/rabbitmq" "$r/var/log/rabbitmq"'

rabbitmq_image() { # series out.tar
  local s=$1 out=$2 suite pin v w t0=$SECONDS
  suite=$(series_suite "$s"); pin=$(series_pin "$s"); v=$(series_patch "$s")
  w=$(mktemp -d "$RK_CLUSTER_CACHE/tmp.XXXXXX")
  log "mmdebstrap $suite rabbitmq-server=$pin (RabbitMQ $s; cold ~3 min)"
  debian_rootfs "$suite" "$w/rootfs.tar" "rabbitmq-server=$pin" "$RABBITMQ_HOOK"
  local cfg='{"User":"999:999","Env":["PATH=/opt/rabbitmq/sbin:/usr/lib/rabbitmq/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","HOME=/var/lib/rabbitmq","RABBITMQ_DATA_DIR=/var/lib/rabbitmq","RABBITMQ_HOME=/opt/rabbitmq","LANG=C.UTF-8","LANGUAGE=C.UTF-8","LC_ALL=C.UTF-8"],"Cmd":["rabbitmq-server"],"WorkingDir":"/var/lib/rabbitmq","ExposedPorts":{"4369/tcp":{},"5671/tcp":{},"5672/tcp":{},"15671/tcp":{},"15672/tcp":{},"15691/tcp":{},"15692/tcp":{},"25672/tcp":{}}}'
  local r=docker.io/library/rabbitmq
  docker_archive "$out" "$w/rootfs.tar" "$cfg" "$r:$s" "$r:$s-management" "$r:$v" "$r:$v-management"
  rm -rf "$w"; log "RabbitMQ $s image built in $((SECONDS - t0))s"
}

etcd_image() { # out.tar
  local out=$1 w t0=$SECONDS
  w=$(mktemp -d "$RK_CLUSTER_CACHE/tmp.XXXXXX")
  log "mmdebstrap trixie etcd-server=$ETCD_PIN"
  debian_rootfs trixie "$w/rootfs.tar" "etcd-server=$ETCD_PIN" 'test -x "$1/usr/bin/etcd"'
  docker_archive "$out" "$w/rootfs.tar" \
    '{"User":"65532:65532","Env":["PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"ExposedPorts":{"2379/tcp":{},"2380/tcp":{}}}' "$ETCD_IMAGE"
  rm -rf "$w"; log "etcd image built in $((SECONDS - t0))s"
}

small_images() { # dir: pause (containerd's sandbox image) and CoreDNS, on busybox
  local d=$1 w; w=$(mktemp -d "$RK_CLUSTER_CACHE/tmp.XXXXXX")
  mkdir -p "$w/pause"; cp "$RK_BIN/pause" "$w/pause/pause"; dir_layer "$w/pause" "$w/pause.tar"
  docker_archive "$d/pause.tar" "$w/pause.tar" '{"Entrypoint":["/pause"],"User":"65535:65535"}' "$PAUSE_IMAGE"
  busybox_root "$w/dns"; cp "$RK_BIN/coredns" "$w/dns/coredns"; dir_layer "$w/dns" "$w/dns.tar"
  docker_archive "$d/coredns.tar" "$w/dns.tar" '{"Entrypoint":["/coredns"]}' "$COREDNS_IMAGE"
  rm -rf "$w"
}

do_build() {
  local d s; d=$(img_dir); mkdir -p "$d"
  if [ ! "$d/pause.tar" -nt "$RK_BIN/pause" ] || [ ! "$d/coredns.tar" -nt "$RK_BIN/coredns" ]; then small_images "$d"; fi
  for s in $RABBITMQ_SERIES; do [ -f "$d/rabbitmq-$s.tar" ] || rabbitmq_image "$s" "$d/rabbitmq-$s.tar"; done
  [ -f "$d/etcd.tar" ] || etcd_image "$d/etcd.tar"
}

case "${1:-build}" in
  build) do_build ;;
  list) ls "$(img_dir)"/*.tar ;;
  rabbitmq) mkdir -p "$(img_dir)"; rabbitmq_image "$2" "$(img_dir)/rabbitmq-$2.tar" ;; # debugging: one series
  etcd) mkdir -p "$(img_dir)"; etcd_image "$(img_dir)/etcd.tar" ;;
  *) die "usage: $0 build|list" ;;
esac
