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
export { type ContainerPathStat, ContainerArchiveApi, decodePathStat, GO_MODE_DIR, GO_MODE_SYMLINK } from './container-archive-api.js';
export * from './containers-api.js';
export { EventsApi, type EventsOptions, type RawEvent, readEvents } from './events-api.js';
export { ExecApi } from './exec-api.js';
export { ImagePullApi, type ImagePullOptions } from './image-pull-api.js';
export { type AuthResponse, DistributionApi, type ImagePushOptions, type ImageSearchResult } from './distribution-api.js';
