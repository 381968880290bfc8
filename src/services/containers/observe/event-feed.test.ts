import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEventBus } from '../../../core/events/events.js';
import type { EventMessage } from '../../../spec/engine/types.js';
import { type EventFilters, EventFeed, eventMatches } from './event-feed.js';

const S = 1_000_000_000n;

function bus(start = 1000n * S) {
  let t = start;
  const b = createEventBus({ now: () => t });
  return {
    b,
    at(sec: bigint) {
      t = sec * S;
    },
  };
}

const f = (o: Record<string, string[]>): EventFilters => new Map(Object.entries(o));

describe('EventFeed', () => {
  it('sends the history between since and until, then ends when until is past', async () => {
    const { b, at } = bus();
    at(1000n);
    b.publish('container', 'create', { ID: 'c1', Attributes: { name: 'one', image: 'busybox' } });
    at(1010n);
    b.publish('container', 'start', { ID: 'c1', Attributes: { name: 'one', image: 'busybox' } });
    at(1020n);
    b.publish('container', 'die', { ID: 'c1', Attributes: { name: 'one', image: 'busybox' } });
    const got: string[] = [];
    const feed = new EventFeed(b, () => 2000n * S);
    await feed.stream({ since: 1005n * S, until: 1015n * S, filters: new Map() }, (e) => got.push(e.Action!), new AbortController().signal);
    assert.deepEqual(got, ['start']);
  });

  it('without since or until sends only live events, until the client leaves', async () => {
    const { b } = bus();
    b.publish('container', 'old', { ID: 'c1' });
    const got: string[] = [];
    const ac = new AbortController();
    const done = new EventFeed(b).stream({ filters: f({ type: ['container'] }) }, (e) => {
      got.push(e.Action!);
      if (got.length === 2) ac.abort();
    }, ac.signal);
    b.publish('image', 'tag', { ID: 'sha256:x', Attributes: { name: 'x:1' } });
    b.publish('container', 'create', { ID: 'c2' });
    b.publish('container', 'start', { ID: 'c2' });
    await done;
    assert.deepEqual(got, ['create', 'start']);
    assert.equal(b.listenerCount(), 0, 'unsubscribed');
  });

  it('streams live events until a future until, then ends by itself', async () => {
    const { b } = bus(BigInt(Date.now()) * 1_000_000n);
    const got: string[] = [];
    const until = BigInt(Date.now() + 300) * 1_000_000n;
    const done = new EventFeed(b).stream({ until, filters: new Map() }, (e) => got.push(e.Action!), new AbortController().signal);
    b.publish('container', 'live', { ID: 'c' });
    const t0 = Date.now();
    await done;
    assert.ok(Date.now() - t0 >= 200, 'waited for until');
    assert.deepEqual(got, ['live']);
  });
});

describe('eventMatches (dockerd daemon/events/filter.go)', () => {
  const ev = (type: string, action: string, id: string, attrs: Record<string, string>): EventMessage =>
    ({ Type: type, Action: action, Actor: { ID: id, Attributes: attrs }, scope: 'local', time: 1, timeNano: 1 }) as EventMessage;
  const ctr = ev('container', 'start', '8beae795cbb4', { name: 'spy-ev', image: 'busybox:latest', 'com.x': 'y' });
  const img = ev('image', 'tag', 'sha256:d75c', { name: 'busybox:latest' });
  const net = ev('network', 'connect', '28a4bac2', { name: 'bridge', container: '8beae795cbb4', type: 'bridge' });

  it('matches containers by name or id prefix and drops other actors', () => {
    assert.ok(eventMatches(f({ container: ['spy-ev'] }), ctr));
    assert.ok(eventMatches(f({ container: ['8beae7'] }), ctr));
    assert.ok(eventMatches(f({ container: ['spy'] }), ctr), 'a prefix of the name');
    assert.ok(!eventMatches(f({ container: ['spy-ev'] }), img));
    assert.ok(!eventMatches(f({ container: ['spy-ev'] }), net));
  });

  it('matches images by id, name, or name without tag, for image and container events', () => {
    assert.ok(eventMatches(f({ image: ['busybox'] }), ctr));
    assert.ok(eventMatches(f({ image: ['busybox'] }), img));
    assert.ok(eventMatches(f({ image: ['sha256:d75c'] }), img));
    assert.ok(!eventMatches(f({ image: ['busy'] }), img), 'exact, not a prefix');
  });

  it('filters by type, event (fuzzy for exec_*), label and scope', () => {
    assert.ok(eventMatches(f({ type: ['container'], event: ['start'] }), ctr));
    assert.ok(!eventMatches(f({ type: ['image'] }), ctr));
    assert.ok(!eventMatches(f({ event: ['stop'] }), ctr));
    const exec = ev('container', 'exec_start: sh -c x', 'c', {});
    assert.ok(eventMatches(f({ event: ['exec_start'] }), exec));
    assert.ok(eventMatches(f({ label: ['com.x'] }), ctr));
    assert.ok(eventMatches(f({ label: ['com.x=y'] }), ctr));
    assert.ok(!eventMatches(f({ label: ['com.x=z'] }), ctr));
    assert.ok(!eventMatches(f({ scope: ['swarm'] }), ctr));
    assert.ok(eventMatches(f({ network: ['bridge'] }), net));
  });
});
