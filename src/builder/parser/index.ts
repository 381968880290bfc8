/** Public surface of the Dockerfile parser library (see README.md). */
export type * from './ast.js';
export { DockerfileParseError, dockerdParseMessage, type ParseErrorScope } from './errors.js';
export { chompHeredocContent } from './heredoc.js';
export { type ParseOptions, parseDockerfile } from './parse-dockerfile.js';
export { EXPANDED_INSTRUCTIONS, expand, expandHeredoc, expandWords, type LexOptions, type LexResult, lex, type ShellEnv } from './shell-lex.js';
