/**
 * Reconciliation at daemon start, after the containers are restored: sandboxes of containers
 * that are no longer running (stopped while the daemon was down, or left by a crash mid-start)
 * are torn down; those of running containers are adopted (addresses claimed again, userland
 * proxies listening again on their ports); namespaces and veths no record accounts for are
 * swept; the firewall is rebuilt from what is left, which removes every stale rule.
 */
import { randomBytes } from 'node:crypto';
import type { SandboxRecord } from '../../core/network/network.js';
import { isLive, type NetworkState } from './network-state.js';
import { teardownSandbox } from './sandbox-ops.js';

async function adopt(state: NetworkState, sb: SandboxRecord): Promise<void> {
  for (const ep of sb.endpoints) {
    if (!state.pools.get(ep.networkId)?.claim(ep.ip)) state.log.warn('restored endpoint address not claimable', { id: sb.containerId, ip: ep.ip });
  }
  state.sandboxes.set(sb.containerId, sb);
  const proxies = [];
  for (const m of sb.ports) {
    try {
      proxies.push(await state.deps.startProxy({ proto: m.proto, hostIp: m.hostIp, hostPort: m.hostPort, containerIp: m.containerIp, containerPort: m.containerPort }));
    } catch (err) {
      // Someone took the port while the daemon was down: DNAT still serves other hosts.
      state.log.warn('cannot listen again on a published port', { id: sb.containerId, port: m.hostPort, err });
    }
  }
  state.proxies.set(sb.containerId, proxies);
}

/** See the module comment. */
export async function restoreSandboxes(state: NetworkState): Promise<void> {
  const records = await state.deps.sandboxes.list();
  const dead = records.filter((sb) => !isLive(state.directory.find(sb.containerId)));
  const live = records.filter((sb) => !dead.includes(sb));
  // The dead first: their addresses are released before anyone claims them again.
  for (const sb of dead) await teardownSandbox(state, sb).catch((err) => state.log.warn('removing a stale sandbox failed', { id: sb.containerId, err }));
  await state.settled();
  for (const sb of live) await adopt(state, sb);
  // Containers of the other modes have nothing on the host: only their in-memory ids come back.
  for (const rec of state.directory.list()) {
    const mode = rec.hostConfig.NetworkMode || 'default';
    if (!isLive(rec) || state.sandboxes.has(rec.id)) continue;
    const m = mode === 'host' || mode === 'none' ? mode : mode.startsWith('container:') ? 'container' : undefined;
    if (!m) continue;
    const sb: SandboxRecord = { containerId: rec.id, id: randomBytes(32).toString('hex'), mode: m, endpoints: [], ports: [] };
    if (m === 'container') {
      const target = state.directory.find(mode.slice('container:'.length));
      if (target) sb.joinedTo = target.id;
    }
    state.sandboxes.set(rec.id, sb);
  }
  const kept = [...state.sandboxes.values()];
  await state.deps.driver.sweep({
    netnsNames: new Set(kept.flatMap((sb) => (sb.netnsName ? [sb.netnsName] : []))),
    hostIfs: new Set(kept.flatMap((sb) => sb.endpoints.map((e) => e.hostIf))),
    bridges: [...state.networks.values()].flatMap((n) => (n.bridge ? [n.bridge.name] : [])),
  });
  await state.applyFirewall();
}
