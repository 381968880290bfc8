import { constants, promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Where `name` resolves on PATH (Go's exec.LookPath, which dockerd applies to its runtimes at
 * start-up): the first executable file. A name with a slash is returned as is, and so is a name
 * found nowhere (the spawn then fails with ENOENT, as before). Resolving once spares every
 * runtime invocation the PATH walk: each directory before the right one is a failed execve.
 */
export async function lookPath(name: string, envPath = process.env.PATH ?? ''): Promise<string> {
  if (name.includes('/')) return name;
  for (const dir of envPath.split(':')) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      await fs.access(candidate, constants.X_OK);
      if ((await fs.stat(candidate)).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return name;
}
