import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { conflict, errnoCode } from '../errdefs/index.js';
import { atomicWrite } from '../lib/atomic-write.js';

/**
 * Takes the pid file. Refuses when it names a live process (another wharfd on the same paths);
 * a stale one (process gone, e.g. after kill -9) is replaced.
 */
export async function acquirePidfile(file: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  try {
    const pid = Number((await fs.readFile(file, 'utf8')).trim());
    if (pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw conflict(`pid file found, ensure wharfd is not running or delete ${file} (pid ${pid} is alive)`);
    }
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  await atomicWrite(file, `${process.pid}\n`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

/** Removes a leftover socket file, unless a live server still answers on it. */
export async function clearStaleSocket(socketPath: string): Promise<void> {
  try {
    await fs.lstat(socketPath);
  } catch {
    return;
  }
  const inUse = await new Promise<boolean>((resolve) => {
    const s = net.connect(socketPath);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (inUse) throw conflict(`${socketPath} is in use by another daemon`);
  await fs.rm(socketPath, { force: true });
}

/** The engine's stable ID, made once per data root (dockerd shows it in `info`). */
export async function loadEngineId(dataRoot: string): Promise<string> {
  const file = path.join(dataRoot, 'engine-id');
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  const id = randomBytes(18)
    .toString('base64')
    .replace(/[^A-Z0-9]/gi, '')
    .toUpperCase()
    .padEnd(24, 'X')
    .slice(0, 24)
    .match(/.{4}/g)!
    .join(':');
  await atomicWrite(file, `${id}\n`);
  return id;
}
