import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { isKind } from '../errdefs/index.js';
import { parseAddr, startRegistryServer } from './registry-server.js';
import { startTestRegistry } from './testkit.js';

test('parseAddr: host:port, [v6]:port, :port', () => {
  assert.deepEqual(parseAddr('127.0.0.1:5000'), { host: '127.0.0.1', port: 5000 });
  assert.deepEqual(parseAddr('[::1]:5000'), { host: '::1', port: 5000 });
  assert.deepEqual(parseAddr(':5000'), { host: '0.0.0.0', port: 5000 });
  assert.throws(() => parseAddr('5000'), (e) => isKind(e, 'InvalidArgument'));
});

test('plain HTTP off loopback is refused unless --insecure, and says so', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-regsrv-'));
  try {
    await assert.rejects(startRegistryServer({ addr: '0.0.0.0:0', root }), (e: Error) => isKind(e, 'InvalidArgument') && /--insecure/.test(e.message) && /--tls-cert/.test(e.message));
    await assert.rejects(startRegistryServer({ addr: '10.1.2.3:0', root }), /refusing to serve plain HTTP on 10\.1\.2\.3/);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('TLS from certificate files', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-regtls-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  // A self-signed certificate for 127.0.0.1 (openssl comes with ca-certificates on Debian).
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  const reg = await startTestRegistry({ tls: { cert, key } });
  try {
    assert.match(reg.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = await fs.readFile(cert);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      https.get(`${reg.url}/v2/`, { ca }, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on('error', reject);
    });
    assert.equal(status, 200);
    await assert.rejects(fetch(`${reg.url.replace('https', 'http')}/v2/`));
  } finally {
    await reg.destroy();
    await fs.rm(dir, { recursive: true, force: true });
  }
});
