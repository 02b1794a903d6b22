#!/usr/bin/env bash
# Installs the prerequisites of the real-RabbitMQ e2e suite (test/rabbitmq):
#   rabbitmq-server (Debian 12: 3.10.8 on Erlang/OTP 25, includes erlc via erlang-base) and
#   etcd-server (3.4.x, for discovery.mode etcd).
# Idempotent: does nothing when both are present. Never starts a service: Debian's package would
# try to start rabbitmq-server via invoke-rc.d; we install with a policy-rc.d that denies it
# (the one already present in container images is kept).
set -euo pipefail

need=()
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || need+=(rabbitmq-server)
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
command -v erlc >/dev/null 2>&1 || need+=(erlang-base)
if [ ${#need[@]} -eq 0 ]; then
  echo "install.sh: rabbitmq-server $(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null), etcd $(dpkg-query -W -f='${Version}' etcd-server 2>/dev/null): already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install.sh: need root (or sudo) to apt-get install ${need[*]}" >&2; exit 1; }
  SUDO=sudo
fi

# Deny service starts during the install (no systemd / no broker on the default ports).
created_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
  created_policy=1
fi
cleanup() { if [ -n "$created_policy" ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
echo "install.sh: apt-get update; apt-get install ${need[*]}"
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${need[@]}"
echo "install.sh: rabbitmq-server $(dpkg-query -W -f='${Version}' rabbitmq-server), etcd-server $(dpkg-query -W -f='${Version}' etcd-server)"
