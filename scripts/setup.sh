#!/usr/bin/env bash
# Installs every Debian 12 package Vitrine needs to build, test and run.
# Idempotent and quick when everything is present: apt is only called for
# what is missing. Needs root (or sudo).
set -euo pipefail

PACKAGES=(
  bazel-bootstrap          # Bazel 4.2.3 on OpenJDK 17, with build-essential
  pkg-config
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev
  libabsl-dev librocksdb-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcpp-httplib-dev
  libboost1.74-dev         # Boost.Beast and Asio: the HTTP front (header-only)
  libsodium-dev            # Ed25519: keys, signing, verification
  libp11-kit-dev           # pkcs11.h for log/note/pkcs11 (headers only)
  softhsm2                 # a PKCS#11 token for log/note/pkcs11's tests and the HSM walkthrough
  openssl                  # tests/hsm: a P-256 key put in the token as a key of the wrong type
  libmicrohttpd-dev libevent-dev  # only bench/http_candidates, but //... builds it
  nlohmann-json3-dev       # tests read the JSON test vectors
  clang-14 libclang-rt-14-dev  # --config=asan and the fuzzers
  android-libboringssl-dev     # --config=boringssl builds of the pure cores
  git ca-certificates
  bubblewrap               # optional sandbox of vitrine-rebuilder's recipes
  nginx                    # tests/cache: the shipped cache config, run for real
  chromium                 # tests/explorer: the log explorer in a real headless browser
  apt dpkg                 # tests/apt: a real apt-get runs the hook; dpkg-deb builds .debs
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
# node and npm (tests/explorer) by command, not by package: a node from
# elsewhere (one that bundles npm) conflicts with Debian's npm package.
if ! command -v node > /dev/null; then missing+=(nodejs); fi
if ! command -v npm > /dev/null; then missing+=(npm); fi

# tests/explorer's puppeteer-core and what it needs, exactly as its lockfile
# says (npm ci), again whenever the lockfile changes. It never downloads a
# browser: the test drives Debian's chromium.
npm_ci() {
  local dir
  dir="$(cd "$(dirname "$0")/.." && pwd)/tests/explorer"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
     [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "setup: npm ci in tests/explorer"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  npm_ci
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"

# Installing Debian's nginx starts its default site on port 80. Vitrine's
# tests and benchmarks run nginx instances of their own on loopback ports,
# so the packaged service is stopped and kept from starting at boot.
if [[ " ${missing[*]} " == *" nginx "* ]]; then
  $SUDO systemctl disable --now nginx > /dev/null 2>&1 ||
    $SUDO service nginx stop > /dev/null 2>&1 || true
fi

npm_ci
