// The flags of a private real dockerd (Debian's docker.io) for the benchmarks and the tests: its
// own socket, data root, exec root and pid file under `dir`, no bridge, no iptables, overlay2, so
// it never touches the host's networking or a developer's daemon. Shared by bench/lib/daemons.mjs
// and test/helpers/real-dockerd.ts (types in dockerd-args.d.mts).
import path from 'node:path';

/** dockerd's argv for a daemon living in `dir` and answering on `socketPath`. */
export function privateDockerdArgs(dir, socketPath) {
  return [
    '--host',
    `unix://${socketPath}`,
    '--data-root',
    path.join(dir, 'root'),
    '--exec-root',
    path.join(dir, 'exec'),
    '--pidfile',
    path.join(dir, 'pid'),
    '--bridge',
    'none',
    '--iptables=false',
    '--ip-masq=false',
    '--storage-driver',
    'overlay2',
  ];
}
