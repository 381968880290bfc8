/** The Engine API client: see engine-client.ts. */
export { type ApiCaller, type CallOptions, filtersParam, pathName } from './api-caller.js';
export { DaemonError, daemonErrorFromBody, statusKind } from './daemon-error.js';
export { DEFAULT_HOST, type DaemonHost, parseDaemonHost, resolveDaemonHost } from './daemon-host.js';
export { CLIENT_API_VERSION, EngineClient, type EngineClientOptions, type PingResult } from './engine-client.js';
export { encodeQuery, type HijackedConnection, type Query, readBody } from './http-transport.js';
export { type ImageImportOptions, type ImageListOptions, ImagesApi } from './images-api.js';
export { consumeJSONMessages, JSONMessageError, messageError, readJSONMessages } from './json-messages.js';
export { demuxStream, encodeFrame, FrameDemuxer, type FrameSink, STDERR, STDIN, STDOUT, SYSTEMERR } from './stdcopy.js';
export { ObjectsApi, type RawObject, SystemApi } from './system-api.js';
