/**
 * `wharf registry serve` (an OCI distribution registry, its own process) and `wharf registry gc`
 * (delete blobs no manifest references, safe while the registry runs).
 */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { defineCommand, managementCommand } from '../command-kit.js';

interface ServeFlags {
  addr: string;
  root: string;
  htpasswd?: string;
  realm?: string;
  tlsCert?: string;
  tlsKey?: string;
  tokenRealm?: string;
  tokenService?: string;
  tokenIssuer?: string;
  tokenKey?: string;
  tokenAcl?: string;
  insecure?: boolean;
}

interface GcFlags {
  root: string;
  grace: string;
  uploadMaxAge: string;
  deleteUntagged?: boolean;
  dryRun?: boolean;
}

const DEFAULT_ROOT = '/var/lib/wharf-registry';

/** Go-style durations: `90s`, `30m`, `1h`, `1h30m`, `500ms`, `0`. */
export function parseDuration(s: string): number {
  if (s === '0') return 0;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  const rest = s.replace(/(\d+(?:\.\d+)?)(ms|s|m|h)/g, (_, n: string, u: string) => {
    total += Number(n) * unit[u]!;
    return '';
  });
  if (rest !== '' || s === '') throw new CliError(`invalid duration "${s}": use e.g. 30s, 10m, 1h`, { exitCode: 125 });
  return total;
}

function tokenOptions(f: ServeFlags) {
  const given = [f.tokenRealm, f.tokenService, f.tokenIssuer, f.tokenKey].filter((v) => v !== undefined).length;
  if (given === 0) {
    if (f.tokenAcl) throw new CliError('--token-acl needs the --token-* flags', { exitCode: 125 });
    return undefined;
  }
  if (given < 4) throw new CliError('token auth needs all of --token-realm, --token-service, --token-issuer and --token-key', { exitCode: 125 });
  return { realm: f.tokenRealm!, service: f.tokenService!, issuer: f.tokenIssuer!, keyFile: f.tokenKey!, aclFile: f.tokenAcl };
}

async function serve(ctx: CliContext, f: ServeFlags): Promise<void> {
  if ((f.tlsCert === undefined) !== (f.tlsKey === undefined)) throw new CliError('--tls-cert and --tls-key go together', { exitCode: 125 });
  const { startRegistryServer } = await import('../../registry/registry-server.js');
  const registry = await startRegistryServer({
    addr: f.addr,
    root: f.root,
    htpasswd: f.htpasswd,
    realm: f.realm,
    tls: f.tlsCert ? { cert: f.tlsCert, key: f.tlsKey! } : undefined,
    token: tokenOptions(f),
    insecure: f.insecure,
  });
  ctx.err(`time="${new Date().toISOString()}" level=info msg="listening" url="${registry.url}" root=${JSON.stringify(f.root)}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void registry.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

async function gc(ctx: CliContext, f: GcFlags): Promise<void> {
  const { collectGarbage } = await import('../../registry/gc/collect-garbage.js');
  const report = await collectGarbage({
    root: f.root,
    graceMs: parseDuration(f.grace),
    uploadMaxAgeMs: parseDuration(f.uploadMaxAge),
    deleteUntagged: f.deleteUntagged,
    dryRun: f.dryRun,
  });
  const verb = f.dryRun ? 'would delete' : 'deleted';
  for (const m of report.manifestsDeleted) ctx.out(`manifest ${verb}: ${m.repository}@${m.digest}\n`);
  for (const d of report.blobsDeleted) ctx.out(`blob ${verb}: ${d}\n`);
  ctx.out(
    `${report.blobsMarked} blobs marked, ${report.blobsDeleted.length} blobs ${verb} (${report.bytesFreed} bytes), ` +
      `${report.manifestsDeleted.length} manifests ${verb}, ${report.linksRemoved} stale links and ${report.uploadsPurged} abandoned uploads removed\n`,
  );
}

export function register(program: Command, ctx: CliContext): void {
  const group = managementCommand(program, 'registry', 'Run a private image registry (OCI distribution)');
  defineCommand<ServeFlags>(
    group,
    { name: 'serve', usage: '[OPTIONS]', description: 'Serve an OCI distribution registry', args: { none: true } },
    (_args, f) => serve(ctx, f),
  )
    .option('--addr <host:port>', 'Address to listen on', '127.0.0.1:5000')
    .option('--root <dir>', 'Storage directory', DEFAULT_ROOT)
    .option('--htpasswd <file>', 'htpasswd file of bcrypt entries: require Basic auth (or the token endpoint accounts)')
    .option('--realm <string>', 'Realm of the Basic auth challenge', 'wharf registry')
    .option('--tls-cert <file>', 'TLS certificate (PEM)')
    .option('--tls-key <file>', 'TLS private key (PEM)')
    .option('--token-realm <url>', 'Bearer token auth: URL of the token endpoint (this registry serves /token when --token-key is a private key)')
    .option('--token-service <string>', 'Bearer token auth: the service name (token audience)')
    .option('--token-issuer <string>', 'Bearer token auth: the token issuer')
    .option('--token-key <file>', 'Bearer token auth: PEM private key (issue and verify) or public key/certificate (verify only)')
    .option('--token-acl <file>', 'Bearer token auth: JSON ACL [{"account","name","actions"}] (default: users may do everything)')
    .option('--insecure', 'Allow plain HTTP on a non-loopback address');
  defineCommand<GcFlags>(
    group,
    { name: 'gc', usage: '[OPTIONS]', description: 'Delete blobs no manifest references (safe while the registry serves)', args: { none: true } },
    (_args, f) => gc(ctx, f),
  )
    .option('--root <dir>', 'Storage directory', DEFAULT_ROOT)
    .option('--grace <duration>', 'Keep unreferenced blobs younger than this (layers pushed ahead of their manifest)', '1h')
    .option('--upload-max-age <duration>', 'Remove upload sessions untouched this long', '24h')
    .option('--delete-untagged', 'Also delete manifests no tag reaches')
    .option('--dry-run', 'Report, delete nothing');
}
