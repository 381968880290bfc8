/**
 * Applies the engine's rules (firewall-rules.ts) with `iptables` (nf_tables backend here):
 * jumps checked with `-C` and inserted once, the chains' contents replaced in one
 * `iptables-restore --noflush` transaction per change. Applies are serialised: each one writes
 * the newest desired state, so a burst of changes coalesces into few restores.
 */
import { internal } from '../../errdefs/index.js';
import { runCommand } from '../../lib/exec-file.js';
import type { FirewallState } from '../../core/network/network.js';
import { type ChainNames, chainNames, jumps, removalInput, restoreInput } from './firewall-rules.js';

export class IptablesFirewall {
  readonly chains: ChainNames;
  private jumpsInstalled = false;
  /** The latest desired state not yet applied, and the apply in flight. */
  private pending?: FirewallState;
  private running?: Promise<void>;
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];

  constructor(tag: string) {
    this.chains = chainNames(tag);
  }

  /** Replaces our rules by `state`; resolves once a restore containing it has been applied. */
  apply(state: FirewallState): Promise<void> {
    this.pending = state;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.running ??= this.drain();
    return done;
  }

  private async drain(): Promise<void> {
    while (this.pending) {
      const state = this.pending;
      const waiters = this.waiters;
      this.pending = undefined;
      this.waiters = [];
      try {
        await this.restore(restoreInput(this.chains, state));
        // The chains exist now: jumps to them can be inserted.
        if (!this.jumpsInstalled) await this.installJumps();
        for (const w of waiters) w.resolve();
      } catch (err) {
        for (const w of waiters) w.reject(err);
      }
    }
    this.running = undefined;
  }

  private async restore(input: string): Promise<void> {
    const r = await runCommand('iptables-restore', ['-w', '--noflush'], { input, check: false });
    if (r.code !== 0) throw internal(`iptables-restore failed: ${r.stderr.trim()}`);
  }

  /** Inserts each jump first in its built-in chain unless present (`-C`), so other engines' DROPs come after ours. */
  private async installJumps(): Promise<void> {
    for (const j of jumps(this.chains)) {
      const check = await runCommand('iptables', ['-w', '-t', j.table, '-C', j.chain, ...j.rule], { check: false });
      if (check.code === 0) continue;
      await runCommand('iptables', ['-w', '-t', j.table, '-I', j.chain, '1', ...j.rule]);
    }
    this.jumpsInstalled = true;
  }

  /** Deletes the jumps (every copy) and our chains. Idempotent. */
  async remove(): Promise<void> {
    await this.running;
    for (const j of jumps(this.chains)) {
      for (let i = 0; i < 8; i++) {
        const del = await runCommand('iptables', ['-w', '-t', j.table, '-D', j.chain, ...j.rule], { check: false });
        if (del.code !== 0) break;
      }
    }
    this.jumpsInstalled = false;
    const probes = [
      ['filter', this.chains.forward],
      ['nat', this.chains.dnat],
      ['raw', this.chains.raw],
    ] as const;
    for (const [table, chain] of probes) {
      if ((await runCommand('iptables', ['-w', '-t', table, '-S', chain], { check: false })).code === 0) {
        await this.restore(removalInput(this.chains));
        return;
      }
    }
  }
}
