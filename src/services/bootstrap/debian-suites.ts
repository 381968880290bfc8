import { invalidArgument } from '../../errdefs/index.js';

/** Debian releases by major version, as Docker Hub tags them (`debian:12` is `debian:bookworm`). */
const RELEASES: ReadonlyArray<[version: string, codename: string]> = [
  ['8', 'jessie'],
  ['9', 'stretch'],
  ['10', 'buster'],
  ['11', 'bullseye'],
  ['12', 'bookworm'],
  ['13', 'trixie'],
  ['14', 'forky'],
  ['15', 'duke'],
];

/** Suite names the archive answers to besides the codenames. */
const ALIASES = ['oldoldstable', 'oldstable', 'stable', 'testing', 'unstable', 'sid'];

/** Every name that is a Debian suite (used to tell Debian's archive apart from other apt sources). */
export const DEBIAN_SUITES: ReadonlySet<string> = new Set([...RELEASES.map(([, c]) => c), ...ALIASES]);

/**
 * The suite to debootstrap for an image tag: a codename (`bookworm`), a version (`12`, `12.11`)
 * or an alias (`stable`, `sid`); `latest`, like Docker Hub's `debian:latest`, is `stable`.
 */
export function debianSuiteForTag(tag: string): string {
  if (tag === 'latest') return 'stable';
  if (DEBIAN_SUITES.has(tag)) return tag;
  const m = /^(\d+)(\.\d+)*$/.exec(tag);
  if (m) {
    const release = RELEASES.find(([v]) => v === m[1]);
    if (release) return release[1];
  }
  const known = RELEASES.map(([v, c]) => `${c} (${v})`).join(', ');
  throw invalidArgument(`unknown Debian suite "${tag}"`, { hint: `use a codename, a version or an alias: ${known}, ${ALIASES.join(', ')}` });
}
