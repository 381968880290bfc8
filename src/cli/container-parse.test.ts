/**
 * The value parsers behind the container commands, checked against what the docker CLI and its
 * libraries (go-units, go-connections/nat, api/types/time, moby/term) produce for the same input.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { getRebaseName, prepareArchiveCopy, resolveLocalPath, splitCpArg, splitPathDirEntry } from './containers/copy-paths.js';
import { displayablePorts } from './containers/displayable-ports.js';
import { parseGoDuration } from './containers/go-duration.js';
import { naturalCompare } from './containers/natural-less.js';
import { getTimestamp } from './containers/timestamps.js';
import { canonicalIP, validateExtraHost, validateLabel } from './run/flag-validators.js';
import { ramInBytes } from '../lib/go-units.js';
import { goParseInt, memSwapBytes, nanoCpus, parseUlimit } from './run/go-parse.js';
import { dedupeEnv, parseKeyValueFile } from './run/kv-files.js';
import { parseMountSpec } from './run/mount-spec.js';
import { parsePorts, parsePortSpec } from './run/port-specs.js';
import { DetachMatcher, parseDetachKeys } from '../lib/detach-keys.js';

describe('container flag values', () => {
  it('parses sizes as go-units RAMInBytes', () => {
    assert.equal(ramInBytes('512m'), 512 * 1024 ** 2);
    assert.equal(ramInBytes('1.5g'), 1.5 * 1024 ** 3);
    assert.equal(ramInBytes('10 KiB'), 10240);
    assert.equal(ramInBytes('64'), 64);
    assert.equal(ramInBytes('2b'), 2);
    assert.throws(() => ramInBytes('x'), /^Error: invalid size: 'x'$/);
    assert.throws(() => ramInBytes('1q'), /^Error: invalid suffix: 'q'$/);
    assert.throws(() => ramInBytes('1kbb'), /^Error: invalid suffix: 'kbb'$/);
    assert.throws(() => ramInBytes('-5'), /^Error: invalid size: '-5'$/);
    assert.throws(() => ramInBytes('1.2.3'), /strconv.ParseFloat: parsing "1.2.3": invalid syntax/);
    assert.equal(memSwapBytes('-1'), -1);
  });

  it('parses CPUs as rationals and integers as Go does', () => {
    assert.equal(nanoCpus('1.5'), 1_500_000_000);
    assert.equal(nanoCpus('3/2'), 1_500_000_000);
    assert.equal(nanoCpus('2e-1'), 200_000_000);
    assert.throws(() => nanoCpus('1e-10'), /value is too precise/);
    assert.throws(() => nanoCpus('abc'), /failed to parse abc as a rational number/);
    assert.equal(goParseInt('0x10'), 16);
    assert.equal(goParseInt('010'), 8);
    assert.equal(goParseInt('-7'), -7);
    assert.throws(() => goParseInt('x'), /^Error: strconv.ParseInt: parsing "x": invalid syntax$/);
    assert.throws(() => goParseInt('99999999999', 0, 32), /value out of range/);
  });

  it('parses ulimits as go-units ParseUlimit', () => {
    assert.deepEqual(parseUlimit('nofile=1024:2048'), { Name: 'nofile', Hard: 2048, Soft: 1024 });
    assert.deepEqual(parseUlimit('nproc=50'), { Name: 'nproc', Hard: 50, Soft: 50 });
    assert.deepEqual(parseUlimit('core=-1:-1'), { Name: 'core', Hard: -1, Soft: -1 });
    assert.throws(() => parseUlimit('nofile'), /invalid ulimit argument: nofile/);
    assert.throws(() => parseUlimit('foo=1'), /invalid ulimit type: foo/);
    assert.throws(() => parseUlimit('nofile=2:1'), /soft limit must be less than or equal to hard limit: 2 > 1/);
  });

  it('parses port specs as go-connections/nat', () => {
    assert.deepEqual(parsePortSpec('127.0.0.1:8080:80/udp'), [{ port: '80/udp', binding: { HostIp: '127.0.0.1', HostPort: '8080' } }]);
    assert.deepEqual(parsePortSpec('[::1]::53'), [{ port: '53/tcp', binding: { HostIp: '::1', HostPort: '' } }]);
    assert.deepEqual(
      parsePortSpec('9000-9001:80-81').map((p) => `${p.port}=${p.binding.HostPort}`),
      ['80/tcp=9000', '81/tcp=9001'],
    );
    assert.deepEqual(parsePortSpec('8000-8010:80'), [{ port: '80/tcp', binding: { HostIp: '', HostPort: '8000-8010' } }]);
    assert.throws(() => parsePortSpec('99999:80'), /^Error: invalid hostPort: 99999$/);
    assert.throws(() => parsePortSpec('abc'), /^Error: invalid containerPort: abc$/);
    assert.throws(() => parsePortSpec('80/foo'), /invalid proto: foo/);
    assert.throws(() => parsePortSpec('1.2.3:80:80'), /invalid IP address: 1.2.3/);
    const p = parsePorts(['published=8080,target=80,protocol=udp'], ['7000-7001/udp']);
    assert.deepEqual([...p.exposed], ['80/udp', '7000/udp', '7001/udp']);
  });

  it('parses --mount as docker opts.MountOpt', () => {
    assert.deepEqual(parseMountSpec('type=bind,src=/x,dst=/y,ro,bind-propagation=rshared'), {
      Type: 'bind',
      Source: '/x',
      Target: '/y',
      ReadOnly: true,
      BindOptions: { Propagation: 'rshared' },
    });
    assert.deepEqual(parseMountSpec('target=/v,volume-nocopy'), { Type: 'volume', Target: '/v', VolumeOptions: { NoCopy: true, DriverConfig: {} } });
    assert.deepEqual(parseMountSpec('type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1777'), { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1777 } });
    assert.throws(() => parseMountSpec('type=foo'), /^Error: target is required$/);
    assert.throws(() => parseMountSpec('foo'), /invalid field 'foo' must be a key=value pair/);
    assert.throws(() => parseMountSpec('type=bind,dst=/y,volume-nocopy'), /cannot mix 'volume-\*' options with mount type 'bind'/);
  });

  it('validates hosts, labels and IPs as docker', () => {
    assert.equal(validateExtraHost('b=[::1]'), 'b:::1');
    assert.equal(validateExtraHost('gw:host-gateway'), 'gw:host-gateway');
    assert.throws(() => validateExtraHost('foo'), /bad format for add-host: "foo"/);
    assert.equal(validateLabel('a'), 'a');
    assert.throws(() => validateLabel('=x'), /invalid label '=x': empty name/);
    // docker trims the key's left only: ' k =v' names `k ` in its refusal, '  k=v' passes.
    assert.throws(() => validateLabel(' k =v'), /^Error: label 'k ' contains whitespaces$/);
    assert.equal(validateLabel('  k=v'), '  k=v');
    assert.equal(canonicalIP('0:0:0:0:0:0:0:1'), '::1');
    assert.equal(canonicalIP('::ffff:1.2.3.4'), '1.2.3.4');
    assert.deepEqual(dedupeEnv(['A=1', 'B', 'A=2']), ['A=2', 'B']);
  });

  it('reads env files as docker', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'wharf-kv-'));
    try {
      const f = path.join(dir, 'env');
      await writeFile(f, '\uFEFF# c\n\n  A=1 \nBARE\nMISSING\n');
      assert.deepEqual(parseKeyValueFile(f, (k) => (k === 'BARE' ? 'v' : undefined)), ['A=1 ', 'BARE=v', 'MISSING']);
      assert.deepEqual(parseKeyValueFile(f), ['A=1 ']);
      await writeFile(f, 'A B=1\n');
      assert.throws(() => parseKeyValueFile(f), /poorly formatted environment: variable 'A B' contains whitespaces/);
      assert.throws(() => parseKeyValueFile(path.join(dir, 'none')), /^Error: open .*\/none: no such file or directory$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('times, keys and display helpers', () => {
  it('parses durations and timestamps as Go and docker do', () => {
    assert.equal(parseGoDuration('1h30m'), 5400e9);
    assert.equal(parseGoDuration('-1.5s'), -1.5e9);
    assert.throws(() => parseGoDuration('x'), /time: invalid duration "x"/);
    assert.throws(() => parseGoDuration('1'), /time: missing unit in duration "1"/);
    const now = Date.UTC(2026, 0, 2, 3, 4, 5, 600);
    assert.equal(getTimestamp('10m', now), String(Math.floor(now / 1000) - 600));
    assert.equal(getTimestamp('2020-01-02T03:04:05Z', now), '1577934245.000000000');
    assert.equal(getTimestamp('2020-01-02T03:04:05.5+01:00', now), '1577930645.500000000');
    assert.equal(getTimestamp('1700000000.5', now), '1700000000.5');
    assert.throws(() => getTimestamp('x', now), /failed to parse value as time or duration: "x"/);
    assert.throws(() => getTimestamp('2020-13-01', now), /parsing time "2020-13-01": month out of range/);
  });

  it('parses detach keys and matches them across chunks', () => {
    assert.deepEqual([...parseDetachKeys('ctrl-p,ctrl-q')], [16, 17]);
    assert.deepEqual([...parseDetachKeys('a,ctrl-@,DEL')], [97, 0, 127]);
    assert.throws(() => parseDetachKeys('ctrl-xx'), /Unknown character: 'ctrl-xx'/);
    const m = new DetachMatcher(Buffer.from([16, 17]));
    assert.deepEqual(m.push(Buffer.from('ab\x10')), { forward: Buffer.from('ab'), detached: false });
    assert.deepEqual(m.push(Buffer.from('c')), { forward: Buffer.from('\x10c'), detached: false });
    m.push(Buffer.from('\x10'));
    assert.deepEqual(m.push(Buffer.from('\x11rest')), { forward: Buffer.alloc(0), detached: true });
  });

  it('sorts and groups like docker port and ps', () => {
    assert.deepEqual(['80/tcp -> 0.0.0.0:9', '8080/tcp -> x', '443/tcp -> y'].sort(naturalCompare), ['80/tcp -> 0.0.0.0:9', '443/tcp -> y', '8080/tcp -> x']);
    const ports = [
      { PrivatePort: 9001, Type: 'tcp' },
      { PrivatePort: 9000, Type: 'tcp' },
      { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
      { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
      { PrivatePort: 53, Type: 'udp' },
    ];
    assert.equal(displayablePorts(ports), '53/udp, 9000-9001/tcp, 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp');
  });

  it('applies docker cp path rules', () => {
    assert.deepEqual(splitCpArg('c:/etc'), { container: 'c', path: '/etc' });
    assert.deepEqual(splitCpArg('./a:b'), { container: '', path: './a:b' });
    assert.deepEqual(splitCpArg('/a:b'), { container: '', path: '/a:b' });
    assert.deepEqual(splitPathDirEntry('/a/b/.'), ['/a/b', '.']);
    assert.deepEqual(splitPathDirEntry('/a/b/'), ['/a', 'b']);
    assert.ok(resolveLocalPath('x/').endsWith('/x/'));
    assert.ok(resolveLocalPath('x/.').endsWith('/x/.'));
    assert.deepEqual(getRebaseName('/a/link/', '/a/target'), ['/a/target/', 'link']);
    const file = { path: '/s/f', exists: true, isDir: false };
    const dirSrc = { path: '/s/d', exists: true, isDir: true };
    assert.deepEqual(prepareArchiveCopy(file, { path: '/d', exists: true, isDir: true }), { dstDir: '/d' });
    assert.deepEqual(prepareArchiveCopy(file, { path: '/d/new', exists: false, isDir: false }), { dstDir: '/d', rename: ['f', 'new'] });
    assert.deepEqual(prepareArchiveCopy(dirSrc, { path: '/d/new', exists: false, isDir: false }), { dstDir: '/d', rename: ['d', 'new'] });
    assert.throws(() => prepareArchiveCopy(dirSrc, { path: '/d/file', exists: true, isDir: false }), /cannot copy directory/);
    assert.throws(() => prepareArchiveCopy(file, { path: '/d/new/', exists: false, isDir: false }), /no such directory/);
  });
});
