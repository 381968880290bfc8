import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ramInBytes } from '../../lib/go-units.js';
import { hasMountOptions, mountArgs, validateLocalOptions } from './local-options.js';

describe('local driver options', () => {
  it('accepts what dockerd accepts', () => {
    validateLocalOptions(null);
    validateLocalOptions({});
    validateLocalOptions({ type: 'tmpfs', device: 'tmpfs', o: 'size=1m' });
    validateLocalOptions({ type: 'none', device: '/srv', o: 'bind' });
    validateLocalOptions({ size: '0' });
  });

  it("refuses with dockerd's messages", () => {
    const msg = (o: Record<string, string>) => {
      try {
        validateLocalOptions(o);
        return 'accepted';
      } catch (e) {
        return (e as Error).message;
      }
    };
    assert.equal(msg({ foo: 'bar' }), 'invalid option: "foo"');
    assert.equal(msg({ type: 'tmpfs' }), 'missing required option: "device"');
    assert.equal(msg({ device: 'tmpfs' }), 'missing required option: "type"');
    assert.equal(msg({ o: 'size=1m' }), 'missing required option: "device"');
    assert.equal(msg({ size: '10m' }), 'quota size requested but no quota support');
    assert.equal(msg({ size: 'lots' }), "invalid size: 'lots'");
  });

  it('parses sizes as go-units RAMInBytes', () => {
    assert.equal(ramInBytes('512'), 512);
    assert.equal(ramInBytes('1k'), 1024);
    assert.equal(ramInBytes('1.5m'), 1.5 * 1024 * 1024);
    assert.equal(ramInBytes('2GiB'), 2 * 1024 ** 3);
  });

  it('builds mount(8) arguments', () => {
    assert.deepEqual(mountArgs({ type: 'tmpfs', device: 'tmpfs', o: 'size=1m' }, '/v/_data'), ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', '/v/_data']);
    assert.deepEqual(mountArgs({ type: 'none', device: '/srv', o: 'bind' }, '/v/_data'), ['-t', 'none', '-o', 'bind', '/srv', '/v/_data']);
    assert.equal(hasMountOptions({ o: 'x' }), false);
    assert.equal(hasMountOptions({ type: 'nfs', device: ':/x' }), true);
    assert.equal(hasMountOptions(null), false);
  });
});
