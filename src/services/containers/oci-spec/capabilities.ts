import { invalidArgument } from '../../../errdefs/index.js';
import { DEFAULT_CAPABILITIES } from '../../../core/runtime/default-capabilities.js';

/** Docker's default capability set; one list, in core (the runtime's test bundles use it too). */
export { DEFAULT_CAPABILITIES };

/** Every Linux capability, in kernel number order (CAP_CHOWN = 0 … CAP_CHECKPOINT_RESTORE = 40). */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];


/**
 * Capability numbers of a `/proc/<pid>/status` CapBnd hex mask, as `CAP_*` names in kernel order.
 * Bits above the names we know are ignored.
 */
export function capabilitiesFromMask(hexMask: string): string[] {
  const mask = BigInt(`0x${hexMask.trim()}`);
  return ALL_CAPABILITIES.filter((_, i) => (mask >> BigInt(i)) & 1n);
}

/** `net_admin` / `CAP_NET_ADMIN` / `ALL` → canonical form; InvalidArgument for an unknown name (moby's wording). */
function normalize(names: readonly string[]): string[] {
  return names.map((raw) => {
    let c = raw.toUpperCase();
    if (c === 'ALL') return c;
    if (!c.startsWith('CAP_')) c = `CAP_${c}`;
    if (!ALL_CAPABILITIES.includes(c)) throw invalidArgument(`unknown capability: "${c}"`);
    return c;
  });
}

export interface CapabilityOptions {
  capAdd?: string[] | null;
  capDrop?: string[] | null;
  privileged?: boolean;
  /**
   * What the daemon itself holds (its bounding set). "All capabilities" means all of these:
   * asking runc for one the daemon lacks (here CAP_SYS_RESOURCE) fails the container with
   * "unable to apply caps: operation not permitted", which is what Docker does on such hosts.
   */
  available: readonly string[];
}

/**
 * The container's capability list, as moby's TweakCapabilities computes it: privileged → all;
 * `--cap-add ALL` → all minus the drops; `--cap-drop ALL` → only the adds; else the defaults
 * minus the drops plus the adds (in the given order).
 */
export function resolveCapabilities(o: CapabilityOptions): string[] {
  const all = ALL_CAPABILITIES.filter((c) => o.available.includes(c));
  if (o.privileged) return all;
  const adds = normalize(o.capAdd ?? []);
  const drops = normalize(o.capDrop ?? []);
  if (adds.length === 0 && drops.length === 0) return [...DEFAULT_CAPABILITIES];
  if (adds.includes('ALL')) return all.filter((c) => !drops.includes(c));
  if (drops.includes('ALL')) return adds;
  const caps = DEFAULT_CAPABILITIES.filter((c) => !drops.includes(c));
  for (const c of adds) if (!caps.includes(c)) caps.push(c);
  return caps;
}
