#!/usr/bin/env bash
# The main job on a fresh machine: set up, start wharfd on its default socket (unless one runs),
# make the busybox base image locally, list it and run a container from it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/bin:$PATH"
SOCK=/run/wharf/wharf.sock
if ! wharf -H "unix://$SOCK" version >/dev/null 2>&1; then
  mkdir -p /var/log/wharf
  nohup ./bin/wharfd >>/var/log/wharf/wharfd.log 2>&1 &
  for _ in $(seq 1 100); do wharf -H "unix://$SOCK" version >/dev/null 2>&1 && break; sleep 0.1; done
fi
wharf image bootstrap busybox
wharf images
wharf run --rm busybox echo "hello from a wharf container"
