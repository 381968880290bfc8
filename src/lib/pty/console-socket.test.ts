import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeBusyboxRootfs, minimalSpec, writeBundleConfig } from '../../core/runtime/busybox-bundle.js';
import { waitForStatus } from '../../core/runtime/testsuite.js';
import { isKind } from '../../errdefs/index.js';
import { bindFreeControllersToV1, removeCgroupPath } from '../../plugins/runtime/cgroups.js';
import { createOciRuntimeCli } from '../../plugins/runtime/oci-runtime-cli.js';
import { listenConsoleSocket } from './console-socket.js';
import type { PtyMaster } from './pty-master.js';

await bindFreeControllersToV1();

/** Collects a pty's output and waits for a pattern to appear in it. */
function transcript(pty: PtyMaster) {
  let text = '';
  pty.stream.on('data', (b: Buffer) => {
    text += b.toString('utf8');
  });
  return {
    get text() {
      return text;
    },
    async waitFor(re: RegExp, ms = 5000): Promise<RegExpExecArray> {
      const until = Date.now() + ms;
      for (;;) {
        const m = re.exec(text);
        if (m) return m;
        if (Date.now() > until) assert.fail(`no ${re} in terminal output ${JSON.stringify(text)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

for (const binary of ['runc', 'crun']) {
  describe(`pty over --console-socket (${binary})`, () => {
    let tmp: string;
    const cgroup = `/wharf-pty-${randomBytes(4).toString('hex')}`;
    const id = `pty-${randomBytes(3).toString('hex')}`;
    before(async () => {
      tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-pty-'));
    });
    after(async () => {
      await removeCgroupPath(`${cgroup}/${id}`);
      await fs.rm(tmp, { recursive: true, force: true });
    });

    it('gives the container a terminal: tty, echo, resize, hangup at exit', async () => {
      const rt = createOciRuntimeCli({ binary, root: path.join(tmp, 'state') });
      await makeBusyboxRootfs(path.join(tmp, 'rootfs'));
      await writeBundleConfig(tmp, minimalSpec(['sh'], { terminal: true, cgroupsPath: `${cgroup}/${id}`, env: ['TERM=xterm', 'PS1=$ '] }));
      const sock = await listenConsoleSocket(path.join(tmp, 'console.sock'));
      try {
        const received = sock.receive();
        await rt.create(id, tmp, { pidFile: path.join(tmp, 'pid'), consoleSocket: sock.path });
        const pty = await received;
        await assert.rejects(pty.resize(0, 80), (e) => isKind(e, 'InvalidArgument'));
        await pty.resize(33, 111);
        const out = transcript(pty);
        await rt.start(id);
        pty.stream.write('tty; stty size\n');
        await out.waitFor(/\/dev\/pts\/0\r\n33 111\r\n/);
        // The line discipline echoes input back: the typed command shows up in the output.
        pty.stream.write('echo "got:$((6*7))"\n');
        await out.waitFor(/echo "got:\$\(\(6\*7\)\)"\r\n(?:.*\r\n)?got:42\r\n/);
        await pty.resize(44, 122);
        pty.stream.write('stty size\n');
        await out.waitFor(/44 122\r\n/);
        const hungUp = new Promise((resolve) => pty.stream.once('close', resolve));
        pty.stream.write('exit 0\n');
        await waitForStatus(rt, id, 'stopped');
        await hungUp;
        pty.close();
        await rt.delete(id);
      } finally {
        await rt.delete(id, { force: true }).catch(() => undefined);
        await sock.close();
      }
      await assert.rejects(fs.access(path.join(tmp, 'console.sock')));
    });

    it('times out when no runtime connects', async () => {
      const sock = await listenConsoleSocket(path.join(tmp, 'idle.sock'));
      await assert.rejects(sock.receive(50), /no console received/);
      await sock.close();
    });
  });
}
