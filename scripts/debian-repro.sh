#!/usr/bin/env bash
# Checks that `wharf image bootstrap debian:SUITE` is reproducible, the slow way the test suite
# cannot afford: two complete bootstraps from the mirror, one after the other, each as a new user
# runs it (no package cache), then compares the image IDs and the archive bytes. On a mismatch it
# unpacks both layers and shows what differs (content, then mode/owner/size/mtime per path).
#
#   sudo bash scripts/debian-repro.sh [SUITE] [OUTDIR]     # default bookworm, a fresh temp dir
#
# Takes ~3 minutes and ~600 MB in OUTDIR (kept, with both archives, for a look). Needs root and
# the Debian mirror, like the command itself. Set WHARF_DIST=dir to run a compiled CLI instead of
# the sources through tsx. Exit status: 0 same image, 1 different, 2 a bootstrap failed.
set -euo pipefail
cd "$(dirname "$0")/.."
suite="${1:-bookworm}"
out="${2:-$(mktemp -d "${TMPDIR:-/tmp}/wharf-debian-repro-XXXXXX")}"
mkdir -p "$out"
if [ -n "${WHARF_DIST:-}" ]; then wharf=(node "$WHARF_DIST/cmd/wharf.js"); else wharf=(node --import tsx src/cmd/wharf.ts); fi

echo "debootstrap $(dpkg-query -W -f '${Version}' debootstrap 2>/dev/null || echo '?'), suite $suite, output in $out"
for n in 1 2; do
  start=$(date +%s%N)
  if ! "${wharf[@]}" image bootstrap "debian:$suite" -o "$out/run$n.tar" > "$out/run$n.id" 2> "$out/run$n.log"; then
    echo "run $n: bootstrap failed:" >&2; tail -20 "$out/run$n.log" >&2; exit 2
  fi
  ms=$((($(date +%s%N) - start) / 1000000))
  printf 'run %s: %s  %d.%d s  archive sha256:%s\n' "$n" "$(cat "$out/run$n.id")" $((ms / 1000)) $((ms % 1000 / 100)) "$(sha256sum < "$out/run$n.tar" | cut -c1-16)"
  grep -E 'archive:|layer sha256' "$out/run$n.log" | sed 's/^/       /'
done

if cmp -s "$out/run1.tar" "$out/run2.tar"; then
  echo "REPRODUCIBLE: the same image ID and byte-identical archives"
  exit 0
fi

echo "NOT REPRODUCIBLE: showing what differs"
for n in 1 2; do
  mkdir -p "$out/x$n/archive" "$out/x$n/rootfs"
  tar -xf "$out/run$n.tar" -C "$out/x$n/archive"
  tar --numeric-owner -xpf "$out"/x$n/archive/*/layer.tar -C "$out/x$n/rootfs"
  (cd "$out/x$n/rootfs" && find . -printf '%p %M %U:%G %s %T@ %l\n' | LC_ALL=C sort) > "$out/x$n/meta"
done
diff <(cat "$out"/x1/archive/*.json) <(cat "$out"/x2/archive/*.json) || true
diff -rq --no-dereference "$out/x1/rootfs" "$out/x2/rootfs" | grep -v 'special file' || true
diff "$out/x1/meta" "$out/x2/meta" | head -100 || true
exit 1
