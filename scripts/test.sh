#!/usr/bin/env bash
# The whole test suite: setup, type-check, lint, build, then every *.test.ts under src/ and test/
# through node's test runner (its closing summary is what CI reads).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${WHARF_SKIP_SETUP:-}" = 1 ] || bash scripts/setup.sh
echo "== typecheck"; npx --no-install tsc -p tsconfig.json --noEmit
echo "== lint"; npm run --silent lint
echo "== tests"
mapfile -t files < <(find src test -name '*.test.ts' | sort)
# Tests run the compiled entry points (what ships); the test files themselves go through tsx.
export WHARF_USE_DIST=1
exec node --import tsx --test --test-concurrency="${WHARF_TEST_CONCURRENCY:-2}" "${files[@]}"
