/** Public surface of the build-context library. */
export { type ChecksumOptions, checksumSources, type SourcesChecksum } from './checksum-sources.js';
export { keepBuildFiles, type ParentMatches, PatternMatcher, readDockerignore } from './dockerignore.js';
export { containsWildcards, goClean, goMatch } from './go-path.js';
export { cloneGitContext, type GitRemote, isGitURL, parseGitURL } from './git-context.js';
export { type BuildContext, contextFromDir, contextPath, type OpenContextOptions, openBuildContext } from './open-context.js';
export { openRemoteContext, type RemoteContextOptions } from './remote-context.js';
export { type PackedContext, type PackOptions, packContext } from './pack-context.js';
export { type ResolvedSource, resolveSources, type SourceOptions } from './resolve-sources.js';
export { contextFromReader, isArchive } from './stdin-context.js';
