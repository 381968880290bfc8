#!/usr/bin/env bash
# Builds wharf-shim (native/shim/*.c) and wharf-proxy (native/proxy/*.c), plain C over libc, with
# the system compiler.
# Usage: scripts/build-shim.sh [OUTPUT]   (default: dist/wharf-shim; the proxy goes beside it as
# wharf-proxy). Why C and not Node: see docs/shim-protocol.md and native/proxy/main.c.
# Warnings are errors so both stay clean.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/dist/wharf-shim}"
proxy="$(dirname "$out")/wharf-proxy"
mkdir -p "$(dirname "$out")"
# Build to temp names and rename: a running shim/proxy keeps its (old) inode, and a concurrent
# reader never sees a half-written binary.
tmp="$out.tmp.$$"
ptmp="$proxy.tmp.$$"
trap 'rm -f "$tmp" "$ptmp"' EXIT
"${CC:-cc}" -O2 -Wall -Wextra -Werror -std=gnu11 -o "$tmp" "$root"/native/shim/*.c -Wl,-Bstatic -lseccomp -Wl,-Bdynamic
"${CC:-cc}" -O2 -Wall -Wextra -Werror -std=gnu11 -o "$ptmp" "$root"/native/proxy/*.c
mv -f "$tmp" "$out"
mv -f "$ptmp" "$proxy"
