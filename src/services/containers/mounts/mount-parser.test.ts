/**
 * The mount parser against what dockerd 20.10 answers for the same input (recorded from a
 * private real dockerd: status and message of `POST /containers/create`, and inspect's Mounts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WharfError } from '../../../errdefs/index.js';
import type { Mount } from '../../../spec/engine/types.js';
import { mountConfigProblem, parseBind, parseMountSpec, parseVolumesFrom, tmpfsData, validateTmpfsDestination, validMountMode } from './mount-parser.js';
import { needsSlavePropagation } from './register-mounts.js';

function failure(fn: () => unknown): { kind: string; message: string } {
  try {
    fn();
  } catch (err) {
    const e = err as WharfError;
    return { kind: e.kind, message: e.message };
  }
  assert.fail('expected a failure');
}

describe('parseBind (-v)', () => {
  it('parses binds, named and anonymous volumes as dockerd does', () => {
    const bind = parseBind('/h:/a:ro');
    assert.deepEqual([bind.type, bind.source, bind.destination, bind.mode, bind.rw, bind.propagation], ['bind', '/h', '/a', 'ro', false, 'rprivate']);
    const shared = parseBind('/h/:/d/:rw,z,rshared');
    assert.deepEqual([shared.source, shared.destination, shared.mode, shared.rw, shared.propagation], ['/h', '/d', 'rw,z,rshared', true, 'rshared']);
    const named = parseBind('nv:/y:ro');
    assert.deepEqual([named.type, named.name, named.rw, named.copyData, named.spec.Source], ['volume', 'nv', false, true, 'nv']);
    const nocopy = parseBind('nv:/y:nocopy');
    assert.equal(nocopy.copyData, false);
    const anon = parseBind('/c');
    assert.deepEqual([anon.type, anon.name, anon.spec.Source], ['volume', '', undefined]);
    // A relative source is a volume name: the volume service refuses `./rel` with its own text.
    assert.equal(parseBind('./rel:/x').name, './rel');
  });

  it("refuses bad specs with dockerd's messages (500: moby returns them unwrapped)", () => {
    const cases: Array<[string, string]> = [
      ['/tmp:rel', `invalid volume specification: '/tmp:rel': invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute`],
      ['/tmp:/x:bogus', 'invalid mode: bogus'],
      ['/tmp:/x:ro,rw', 'invalid mode: ro,rw'],
      ['nv9:/x:z,Z', 'invalid mode: z,Z'],
      ['/tmp:/', `invalid volume specification: '/tmp:/': invalid mount config for type "bind": invalid specification: destination can't be '/'`],
      ['nv9:/x:rshared', `invalid volume specification: 'nv9:/x:rshared': invalid mount config for type "volume": field BindOptions must not be specified`],
      [':/x', `invalid volume specification: ':/x'`],
      ['a:b:c:d', `invalid volume specification: 'a:b:c:d'`],
      ['/x:rw', `invalid volume specification: '/x:rw'`],
      ['/tmp:/x:nocopy', `invalid volume specification: '/tmp:/x:nocopy': invalid mount config for type "bind": field VolumeOptions must not be specified`],
    ];
    for (const [raw, message] of cases) assert.deepEqual(failure(() => parseBind(raw)), { kind: 'Internal', message }, raw);
  });

  it('accepts one mode of each family', () => {
    assert.ok(validMountMode('ro,Z,rslave,nocopy,cached'));
    assert.ok(!validMountMode('ro,ro'));
    assert.ok(!validMountMode('shared,rshared'));
  });
});

describe('--mount specs', () => {
  const exists = (p: string) => p === '/tmp';
  const problem = (m: Mount) => mountConfigProblem(m, exists);
  it("reports dockerd's validation messages", () => {
    const cases: Array<[Mount, string | undefined]> = [
      [{ Type: 'bind', Source: 'rel', Target: '/x' }, `invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute`],
      [{ Type: 'bind', Source: '/nonexist', Target: '/x' }, 'invalid mount config for type "bind": bind source path does not exist: /nonexist'],
      [{ Type: 'bind', Source: '/tmp', Target: 'rel' }, `invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute`],
      [{ Type: 'bind', Target: '/x' }, 'invalid mount config for type "bind": field Source must not be empty'],
      [{ Type: 'bind', Source: '/tmp', Target: '/' }, `invalid mount config for type "bind": invalid specification: destination can't be '/'`],
      [{ Type: 'tmpfs', Source: 'x', Target: '/x' }, 'invalid mount config for type "tmpfs": field Source must not be specified'],
      [{ Type: 'bogus' as Mount['Type'], Target: '/x' }, 'invalid mount config for type "bogus": mount type unknown'],
      [{ Type: 'bind', Source: '/tmp', Target: '/x', VolumeOptions: {} }, 'invalid mount config for type "bind": field VolumeOptions must not be specified'],
      [{ Type: 'volume', Target: '/x', BindOptions: {} }, 'invalid mount config for type "volume": field BindOptions must not be specified'],
      [{ Type: 'tmpfs', Target: '/x', BindOptions: {} }, 'invalid mount config for type "tmpfs": field BindOptions must not be specified'],
      [
        { Type: 'bind', Source: '/tmp', Target: '/x', BindOptions: { Propagation: 'bogus' as 'rprivate' } },
        'invalid mount config for type "bind": invalid propagation mode: bogus',
      ],
      [{ Type: 'volume', Target: '/x', ReadOnly: true }, 'invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes'],
      [{ Type: 'tmpfs', Target: '/x', ReadOnly: true }, undefined],
      [{ Type: 'bind', Source: '/tmp', Target: '/x' }, undefined],
    ];
    for (const [m, want] of cases) assert.equal(problem(m), want, JSON.stringify(m));
  });

  it('makes mount points as moby parseMountSpec', () => {
    const b = parseMountSpec({ Type: 'bind', Source: '/h', Target: '/z2', ReadOnly: true, BindOptions: { NonRecursive: true } });
    assert.deepEqual([b.rw, b.propagation, b.mode, b.skipMountpointCreation], [false, 'rprivate', '', true]);
    const v = parseMountSpec({ Type: 'volume', Source: 'nv2', Target: '/e', ReadOnly: true, VolumeOptions: { NoCopy: true } });
    assert.deepEqual([v.name, v.copyData, v.rw], ['nv2', false, false]);
    assert.equal(failure(() => parseMountSpec({ Type: 'bind', Source: 'rel', Target: '/x' })).kind, 'InvalidArgument');
  });

  it('checks --tmpfs destinations as moby ValidateTmpfsMountDestination', () => {
    assert.deepEqual(failure(() => validateTmpfsDestination('rel')), { kind: 'InvalidArgument', message: "invalid mount path: 'rel' mount path must be absolute" });
    assert.deepEqual(failure(() => validateTmpfsDestination('/')), { kind: 'InvalidArgument', message: "invalid specification: destination can't be '/'" });
    validateTmpfsDestination('/run');
  });

  it('writes tmpfs options as moby ConvertTmpfsOptions', () => {
    assert.equal(tmpfsData({ TmpfsOptions: { SizeBytes: 1048576 } }), 'size=1m');
    assert.equal(tmpfsData({ ReadOnly: true, TmpfsOptions: { Mode: 0o1770, SizeBytes: 3 * 1024 ** 3 } }), 'ro,mode=1770,size=3g');
    assert.equal(tmpfsData({ TmpfsOptions: { SizeBytes: 1000 } }), 'size=1000');
  });
});

describe('--volumes-from and the data root', () => {
  it('parses container[:mode]', () => {
    assert.deepEqual(parseVolumesFrom('c1'), ['c1', 'rw']);
    assert.deepEqual(parseVolumesFrom('c1:ro'), ['c1', 'ro']);
    assert.deepEqual(failure(() => parseVolumesFrom('c1:bogus')), { kind: 'InvalidArgument', message: 'invalid mode: bogus' });
    assert.deepEqual(failure(() => parseVolumesFrom('c1:rshared')), { kind: 'InvalidArgument', message: 'invalid mode: rshared' });
    assert.deepEqual(failure(() => parseVolumesFrom('c1:nocopy')), { kind: 'InvalidArgument', message: 'invalid mode: nocopy' });
  });

  it('makes binds around the data root rslave, and refuses private ones there', () => {
    const root = '/var/lib/wharf';
    assert.equal(needsSlavePropagation({ Type: 'bind', Source: '/var' }, root), true);
    assert.equal(needsSlavePropagation({ Type: 'bind', Source: '/var/lib/wharf/volumes' }, root), true);
    assert.equal(needsSlavePropagation({ Type: 'bind', Source: '/srv' }, root), false);
    assert.equal(needsSlavePropagation({ Type: 'bind', Source: '/var', BindOptions: { Propagation: 'rshared' } }, root), false);
    assert.equal(
      failure(() => needsSlavePropagation({ Type: 'bind', Source: '/var', BindOptions: { Propagation: 'rprivate' } }, root)).message,
      'invalid mount config: must use either propagation mode "rslave" or "rshared" when mount source is within the daemon root, daemon root: "/var/lib/wharf", bind mount source: "/var", propagation: "rprivate"',
    );
  });
});
