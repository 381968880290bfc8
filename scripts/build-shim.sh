#!/usr/bin/env bash
# Builds wharf-shim (native/shim/*.c, plain C over libc) with the system compiler.
# Usage: scripts/build-shim.sh [OUTPUT]   (default: dist/wharf-shim)
# Why C and not Node: see docs/shim-protocol.md. Warnings are errors so the shim stays clean.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/dist/wharf-shim}"
mkdir -p "$(dirname "$out")"
# Build to a temp name and rename: a running shim keeps its (old) inode, and a concurrent
# reader never sees a half-written binary.
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
"${CC:-cc}" -O2 -Wall -Wextra -Werror -std=gnu11 -o "$tmp" "$root"/native/shim/*.c
mv -f "$tmp" "$out"
