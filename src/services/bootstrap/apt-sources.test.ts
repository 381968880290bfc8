import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isKind } from '../../errdefs/index.js';
import { debianMirror, parseDeb822Sources, parseOneLineSources, readAptSources } from './apt-sources.js';
import { debianSuiteForTag } from './debian-suites.js';

/** This machine's /etc/apt/sources.list.d/debian.sources, as Debian's docker image ships it. */
const DEB822 = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
# http://snapshot.debian.org/archive/debian-security/20250520T000000Z
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

describe('apt sources parsing', () => {
  it('parses deb822 stanzas, skipping comment lines', () => {
    const s = parseDeb822Sources(DEB822);
    assert.equal(s.length, 2);
    assert.deepEqual(s[0]!.uris, ['http://deb.debian.org/debian']);
    assert.deepEqual(s[0]!.suites, ['bookworm', 'bookworm-updates']);
    assert.deepEqual(s[1]!.suites, ['bookworm-security']);
  });

  it('parses deb822 continuation lines, case-insensitive fields and Enabled: no', () => {
    const s = parseDeb822Sources(`types: deb deb-src\nuris: http://a.example/debian\n  http://b.example/debian\nsuites: trixie\ncomponents: main contrib\n\nTypes: deb\nEnabled: no\nURIs: http://off.example/debian\nSuites: sid\nComponents: main\n`);
    assert.equal(s.length, 1);
    assert.deepEqual(s[0]!.types, ['deb', 'deb-src']);
    assert.deepEqual(s[0]!.uris, ['http://a.example/debian', 'http://b.example/debian']);
  });

  it('parses one-line entries with options and comments', () => {
    const s = parseOneLineSources(`# comment\ndeb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian/ bookworm main contrib # trailing\n\ndeb-src http://x/debian bookworm main\ndeb broken\n`);
    assert.equal(s.length, 2);
    assert.deepEqual(s[0], { types: ['deb'], uris: ['http://mirror.example/debian/'], suites: ['bookworm'], components: ['main', 'contrib'], file: 'sources.list' });
    assert.deepEqual(s[1]!.types, ['deb-src']);
  });

  it('picks the main Debian archive, not security, not a third-party repo', () => {
    const sources = [
      ...parseOneLineSources('deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main\n'),
      ...parseDeb822Sources('Types: deb\nURIs: https://deb.nodesource.com/node_20.x\nSuites: nodistro\nComponents: main\n'),
      ...parseDeb822Sources(DEB822).reverse(),
    ];
    assert.equal(debianMirror(sources), 'http://deb.debian.org/debian');
    assert.equal(debianMirror(parseOneLineSources('deb http://ftp.fr.debian.org/debian/ stable main\n')), 'http://ftp.fr.debian.org/debian');
  });

  it('fails clearly when no Debian archive is configured', () => {
    assert.throws(
      () => debianMirror(parseOneLineSources('deb http://deb.debian.org/debian-security bookworm-security main\ndeb-src http://deb.debian.org/debian bookworm main\n')),
      (e) => isKind(e, 'Unavailable') && /--mirror/.test((e as { hint?: string }).hint ?? ''),
    );
  });
});

describe('readAptSources', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-apt-'));
    await fs.mkdir(path.join(dir, 'sources.list.d'));
    await fs.writeFile(path.join(dir, 'sources.list.d/debian.sources'), DEB822);
    // apt ignores names that do not end in .list/.sources: so must we.
    await fs.writeFile(path.join(dir, 'sources.list.d/other.list.disabled-by-farm'), 'deb http://wrong.example/debian bookworm main\n');
    await fs.writeFile(path.join(dir, 'sources.list.d/a.list'), 'deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main\n');
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reads sources.list.d in apt order and finds the mirror', async () => {
    const sources = await readAptSources(dir);
    assert.deepEqual(
      sources.map((s) => path.basename(s.file)),
      ['a.list', 'debian.sources', 'debian.sources'],
    );
    assert.equal(debianMirror(sources), 'http://deb.debian.org/debian');
  });

  it('prefers sources.list when it names an archive', async () => {
    await fs.writeFile(path.join(dir, 'sources.list'), 'deb http://local.example/debian bookworm main\n');
    assert.equal(debianMirror(await readAptSources(dir)), 'http://local.example/debian');
    await fs.rm(path.join(dir, 'sources.list'));
  });

  it('finds this machine’s mirror', async () => {
    assert.match(debianMirror(await readAptSources()), /^https?:\/\//);
  });
});

describe('Debian suites by tag', () => {
  it('maps versions, codenames and aliases', () => {
    assert.equal(debianSuiteForTag('bookworm'), 'bookworm');
    assert.equal(debianSuiteForTag('12'), 'bookworm');
    assert.equal(debianSuiteForTag('12.11'), 'bookworm');
    assert.equal(debianSuiteForTag('11'), 'bullseye');
    assert.equal(debianSuiteForTag('13'), 'trixie');
    assert.equal(debianSuiteForTag('latest'), 'stable');
    assert.equal(debianSuiteForTag('sid'), 'sid');
  });

  it('refuses unknown tags with the list of known ones', () => {
    assert.throws(() => debianSuiteForTag('99'), (e) => isKind(e, 'InvalidArgument') && /bookworm \(12\)/.test((e as { hint?: string }).hint ?? ''));
    assert.throws(() => debianSuiteForTag('bookworm-slim'), /unknown Debian suite "bookworm-slim"/);
  });
});
