/**
 * `wharf login` as the docker CLI runs it: credentials from flags, `--password-stdin` or
 * prompts (a terminal is required to prompt), `POST /auth`, then the credentials — or the
 * identity token the registry handed out — stored in config.json under the server address.
 */
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import type { Credentials } from './config-file.js';
import { CredentialStore } from './credential-store.js';
import { INDEX_SERVER } from './registry-auth.js';

export interface LoginOptions {
  username?: string;
  password?: string;
  passwordStdin?: boolean;
}

const UNENCRYPTED_WARNING = (file: string) =>
  `\nWARNING! Your credentials are stored unencrypted in '${file}'.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n`;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let s = '';
  for await (const c of stream) s += c.toString();
  return s;
}

/** Reads one line from the terminal; with `hidden` the typed characters are not echoed. */
async function promptLine(ctx: CliContext, question: string, hidden: boolean): Promise<string> {
  const stdin = ctx.io.stdin as NodeJS.ReadStream;
  ctx.out(question);
  const raw = hidden && typeof stdin.setRawMode === 'function';
  if (raw) stdin.setRawMode(true);
  try {
    return await new Promise<string>((resolve) => {
      let buf = '';
      const onData = (d: Buffer) => {
        for (const ch of d.toString()) {
          if (ch === '\r' || ch === '\n') return done();
          if (ch === '\u0003') return done();
          if (ch === '\u007f') buf = buf.slice(0, -1);
          else buf += ch;
        }
      };
      const done = () => {
        stdin.off('data', onData);
        stdin.pause();
        resolve(buf);
      };
      stdin.on('data', onData);
      stdin.resume();
    });
  } finally {
    if (raw) {
      stdin.setRawMode(false);
      ctx.out('\n');
    }
  }
}

/** docker's PromptUserForCredentials. */
async function credentials(ctx: CliContext, opts: LoginOptions): Promise<{ username: string; password: string }> {
  let username = opts.username?.trim() ?? '';
  let password = opts.password ?? '';
  if (password === '' || username === '') {
    if (!ctx.stdinIsTTY) throw new CliError('Error: Cannot perform an interactive login from a non TTY device');
    if (username === '') username = (await promptLine(ctx, 'Username: ', false)).trim();
    if (username === '') throw new CliError('Error: Non-null Username Required');
    if (password === '') password = await promptLine(ctx, 'Password: ', true);
    if (password === '') throw new CliError('Error: Password Required');
  }
  return { username, password };
}

/** Runs the login against `server` (default Docker Hub) and stores the result. */
export async function runLogin(ctx: CliContext, server: string | undefined, opts: LoginOptions): Promise<void> {
  if (opts.password !== undefined && opts.passwordStdin) throw new CliError('--password and --password-stdin are mutually exclusive');
  if (opts.passwordStdin) {
    if (!opts.username) throw new CliError('Must provide --username with --password-stdin');
    opts.password = (await readAll(ctx.io.stdin)).replace(/\n$/, '').replace(/\r$/, '');
  } else if (opts.password) {
    ctx.err('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
  }
  const serveraddress = server && server !== 'docker.io' ? server : INDEX_SERVER;
  const { username, password } = await credentials(ctx, opts);
  const res = await ctx.client().distribution.login({ username, password, serveraddress });
  const store = await CredentialStore.load(ctx.io.env);
  const creds: Credentials = res.IdentityToken ? { username, identitytoken: res.IdentityToken } : { username, password };
  await store.store(serveraddress, creds);
  if (!store.helperFor(serveraddress)) ctx.err(UNENCRYPTED_WARNING(store.path));
  if (res.Status) ctx.out(`${res.Status}\n`);
}

/** `wharf logout [SERVER]`: forgets the credentials in every form docker may have stored them. */
export async function runLogout(ctx: CliContext, server: string | undefined): Promise<void> {
  const { convertToHostname } = await import('./config-file.js');
  const isDefault = !server;
  const address = server ?? INDEX_SERVER;
  const hostname = isDefault ? address : convertToHostname(address);
  const keys = isDefault ? [address] : [address, hostname, `http://${hostname}`, `https://${hostname}`];
  ctx.out(`Removing login credentials for ${hostname}\n`);
  const store = await CredentialStore.load(ctx.io.env);
  const errors: string[] = [];
  for (const k of new Set(keys)) {
    try {
      await store.erase(k);
    } catch (e) {
      errors.push(`${k}: ${(e as Error).message}`);
    }
  }
  if (errors.length === new Set(keys).size) ctx.err(`WARNING: could not erase credentials:\n${errors.join('\n')}\n`);
}
