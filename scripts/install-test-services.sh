#!/usr/bin/env bash
# Debian packages the e2e suite needs: PostgreSQL (make ui's database), Redis (front
# doors sharing state) and Chromium (the admin UI screenshot). Installs them when run as root (CI); otherwise prints the
# apt command and leaves the system alone (the tests that need them then skip).
set -euo pipefail
need=()
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
command -v redis-server >/dev/null || need+=(redis-server)
command -v chromium >/dev/null || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "missing ${need[*]}: run  sudo apt-get install -y ${need[*]}" >&2
	exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
