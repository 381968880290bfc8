import { API_VERSION, compareApiVersions, MIN_API_VERSION } from '../spec/engine/api-version.js';

export type VersionResult =
  | { ok: true; version: string; path: string }
  | { ok: false; status: number; body: string; contentType: string };

/**
 * Splits `/v1.NN/rest` into version and path and checks the version's range, answering exactly as
 * dockerd does: too new → 400 JSON, too old → 400 text/plain. An unversioned path is served at
 * our own version. This is the API-version adaptation layer's entry; per-version response
 * differences also live in this file.
 */
export function negotiate(rawPath: string): VersionResult {
  const m = /^\/v(\d+\.\d+)(\/.*)$/.exec(rawPath);
  if (!m) return { ok: true, version: API_VERSION, path: rawPath };
  const version = m[1]!;
  if (compareApiVersions(version, API_VERSION) > 0) {
    return {
      ok: false,
      status: 400,
      contentType: 'application/json',
      body: `${JSON.stringify({ message: `client version ${version} is too new. Maximum supported API version is ${API_VERSION}` })}\n`,
    };
  }
  if (compareApiVersions(version, MIN_API_VERSION) < 0) {
    return {
      ok: false,
      status: 400,
      contentType: 'text/plain; charset=utf-8',
      body: `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version\n`,
    };
  }
  return { ok: true, version, path: m[2]! };
}

/**
 * Content type of a hijacked attach/exec stream: 1.42+ distinguishes multiplexed from raw; 1.41
 * and older always say raw-stream.
 */
export function streamContentType(apiVersion: string, tty: boolean): string {
  if (compareApiVersions(apiVersion, '1.42') >= 0 && !tty) return 'application/vnd.docker.multiplexed-stream';
  return 'application/vnd.docker.raw-stream';
}

/**
 * Content type of a `GET /containers/{id}/logs` body: none before 1.42 (dockerd 20.10 sends no
 * Content-Type there), then raw-stream for a tty and multiplexed-stream otherwise.
 */
export function logsContentType(apiVersion: string, tty: boolean): string | undefined {
  if (compareApiVersions(apiVersion, '1.42') < 0) return undefined;
  return tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream';
}
