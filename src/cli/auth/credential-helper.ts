/**
 * docker-credential-helpers protocol (`credsStore` / `credHelpers` in config.json): the helper
 * `docker-credential-<name>` is run with `get`, `store` or `erase` and talks JSON on stdio —
 * `get`: server URL in, `{"ServerURL","Username","Secret"}` out (Username `<token>` means the
 * Secret is an identity token); `store`: that object in; `erase`: server URL in.
 */
import { spawn } from 'node:child_process';
import type { Credentials } from './config-file.js';

const NOT_FOUND = 'credentials not found in native keychain';

function runHelper(name: string, action: string, input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(`docker-credential-${name}`, [action], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    child.on('error', (e) => reject(new Error(`error getting credentials - err: ${e.message}, out: \`${out.trim()}\``)));
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error((out || err).trim() || `docker-credential-${name} ${action} exited with ${code}`));
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

/** `get`: undefined when the helper has nothing for `server`. */
export async function helperGet(name: string, server: string): Promise<Credentials | undefined> {
  let out: string;
  try {
    out = await runHelper(name, 'get', server);
  } catch (e) {
    if ((e as Error).message.includes(NOT_FOUND)) return undefined;
    throw e;
  }
  const doc = JSON.parse(out) as { Username?: string; Secret?: string };
  if (doc.Username === '<token>') return { identitytoken: doc.Secret };
  return { username: doc.Username, password: doc.Secret };
}

export async function helperStore(name: string, server: string, c: Credentials): Promise<void> {
  const doc = c.identitytoken ? { ServerURL: server, Username: '<token>', Secret: c.identitytoken } : { ServerURL: server, Username: c.username ?? '', Secret: c.password ?? '' };
  await runHelper(name, 'store', JSON.stringify(doc));
}

export async function helperErase(name: string, server: string): Promise<void> {
  try {
    await runHelper(name, 'erase', server);
  } catch (e) {
    if (!(e as Error).message.includes(NOT_FOUND)) throw e;
  }
}
