#!/bin/bash
# Stand-in for the official rabbitmq:3.8 images' docker-entrypoint.sh (docker-library/rabbitmq,
# 3.8/ubuntu, last image 3.8.34), reduced to the behaviour that decides whether a pod boots under
# a read-only root filesystem as a non-root user (our manifests run as uid 999, so the script's
# root-only branch - chown, gosu - never runs). Written from the documented facts, not copied:
#   - the config base is ${RABBITMQ_CONFIG_FILE:-/etc/rabbitmq/rabbitmq}; when neither
#     "$base.conf" nor "$base.config" exists and the command is rabbitmq-server, the script writes a
#     fresh "$base.conf" (starting with `loopback_users.guest = false`), via `touch` under `set -e`;
#   - deprecated RABBITMQ_* env vars (default user/pass, SSL files, vm_memory_high_watermark) make
#     it write config too; our manifests set none of them, and this stand-in refuses them;
#   - then it execs the command.
# So on a read-only root, a pod without /etc/rabbitmq/rabbitmq.conf exits 1 before the broker starts.
set -eu
base="${RABBITMQ_CONFIG_FILE:-/etc/rabbitmq/rabbitmq}"
base="${base%.conf}"
for deprecated in RABBITMQ_DEFAULT_USER RABBITMQ_DEFAULT_PASS RABBITMQ_DEFAULT_VHOST \
  RABBITMQ_SSL_CERTFILE RABBITMQ_SSL_KEYFILE RABBITMQ_SSL_CACERTFILE RABBITMQ_VM_MEMORY_HIGH_WATERMARK; do
  if [ -n "${!deprecated:-}" ]; then
    echo "stand-in entrypoint: $deprecated is set; the official script's handling of it is not modelled" >&2
    exit 2
  fi
done
if [ "${1:-}" = rabbitmq-server ] && [ ! -f "$base.conf" ] && [ ! -f "$base.config" ]; then
  touch "$base.conf"
  echo "loopback_users.guest = false" >>"$base.conf"
fi
exec "$@"
