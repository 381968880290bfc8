#!/usr/bin/env bash
# Installs everything Wharf needs on a fresh Debian 12 machine, idempotently, then builds.
# apt: the OCI runtimes, libseccomp-dev (wharf-shim links it for native execs), iptables, busybox-static (base images), tini (--init), and the real peers
# that the tests and benchmarks compare against (docker.io, skopeo, docker-registry, hyperfine, wrk).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(runc crun libseccomp-dev iptables busybox-static attr tini debootstrap docker.io skopeo docker-registry hyperfine wrk apache2-utils openssl)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# docker.io's package may start its own dockerd through init scripts; we never use a shared one.

# `npm ci`: exactly the locked versions. Biome comes as its Linux x64 binary package
# (@biomejs/cli-linux-x64), not the @biomejs/biome wrapper: the wrapper's optional packages for
# other platforms are not served by the npm registry reachable here, so they cannot be in the lock
# file, and `npm ci` refuses a lock that lacks them. Every machine of ours is Debian x86_64.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
