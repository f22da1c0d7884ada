#!/usr/bin/env bash
# Installs the Debian packages bench/http_bench and bench/http_candidates
# need beyond scripts/setup.sh (wrk, the load generator; nginx-light, the
# static-file baseline; libmicrohttpd-dev and libevent-dev, the HTTP servers
# issue 12 compared with the Boost.Beast front; libwolfssl-dev, the other
# Ed25519 library bench/ed25519_libraries compares), when missing. nginx is only run by the bench, from a generated config on a
# loopback port; the package's own service is not needed.
#   scripts/setup_bench.sh
set -euo pipefail
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[ -x /usr/sbin/nginx ] || missing+=(nginx-light)
pkg-config --exists libmicrohttpd 2>/dev/null || missing+=(libmicrohttpd-dev)
pkg-config --exists libevent 2>/dev/null || missing+=(libevent-dev)
pkg-config --exists wolfssl 2>/dev/null || missing+=(libwolfssl-dev)
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup_bench: wrk, nginx, libmicrohttpd-dev, libevent-dev and libwolfssl-dev present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update
# policy-rc.d-less containers: keep the package from starting its service.
DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $sudo apt-get install -y --no-install-recommends "${missing[@]}"
echo "setup_bench: installed ${missing[*]}"
