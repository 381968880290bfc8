/**
 * Named Engine API wire types, picked from the generated api.gen.ts (swagger v1.41). Handlers and
 * the client use these names; never hand-write a wire shape that the swagger defines.
 */
import type { components, operations } from './api.gen.js';

type S = components['schemas'];

export type SystemVersion = S['SystemVersion'];
export type SystemInfo = S['SystemInfo'];
export type ErrorResponse = S['ErrorResponse'];
export type ImageSummary = S['ImageSummary'];
export type ImageInspect = S['ImageInspect'];
export type ImageConfig = S['ImageConfig'];
export type HistoryResponseItem = S['ImageHistoryResponseItem'];
export type ImageDeleteResponseItem = S['ImageDeleteResponseItem'];
export type ContainerConfig = S['ContainerConfig'];
export type HostConfig = S['HostConfig'];
export type ContainerSummary = S['ContainerSummary'];
export type ContainerState = S['ContainerState'];
export type Mount = S['Mount'];
export type MountPoint = S['MountPoint'];
export type GraphDriverData = S['GraphDriverData'];
export type IdResponse = S['IdResponse'];
export type ProgressDetail = S['ProgressDetail'];
export type BuildInfo = S['BuildInfo'];
export type EventMessage = S['EventMessage'];
export type Network = S['Network'];
export type Volume = S['Volume'];
export type AuthConfig = S['AuthConfig'];
export type ContainerWaitResponse = S['ContainerWaitResponse'];
export type PortBinding = S['PortBinding'];
export type EndpointSettings = S['EndpointSettings'];
export type NetworkingConfig = S['NetworkingConfig'];

/** A line of Docker's JSON-message progress stream (pull, push, load, import, build). */
export interface JSONMessage {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number } | Record<string, never>;
  progress?: string;
  stream?: string;
  aux?: unknown;
  error?: string;
  errorDetail?: { code?: number; message: string };
}


type JsonBody<T> = T extends { content: { 'application/json': infer B } } ? B : never;

/** `POST /containers/create` body. */
export type ContainerCreateRequest = JsonBody<operations['ContainerCreate']['requestBody']>;
/** `POST /containers/{id}/update`: resources and a restart policy. */
export type ContainerUpdateRequest = JsonBody<operations['ContainerUpdate']['requestBody']>;
/** `GET /containers/{id}/json` response. */
export type ContainerInspectResponse = JsonBody<operations['ContainerInspect']['responses'][200]>;
/** `POST /exec/{id}/start`-side: `GET /exec/{id}/json` response. */
export type ExecInspectResponse = JsonBody<operations['ExecInspect']['responses'][200]>;
/** `POST /containers/{id}/exec` body. */
export type ExecConfig = JsonBody<NonNullable<operations['ContainerExec']['requestBody']>>;
/** `GET /containers/{id}/top` response. */
export type ContainerTopResponse = JsonBody<operations['ContainerTop']['responses'][200]>;
/** `GET /containers/{id}/changes` response. */
export type ContainerChangeItem = JsonBody<operations['ContainerChanges']['responses'][200]>[number];
/** `GET /system/df` response. */
export type SystemDataUsageResponse = JsonBody<operations['SystemDataUsage']['responses'][200]>;
/** `POST /images/prune` response. */
export type ImagePruneResponse = JsonBody<operations['ImagePrune']['responses'][200]>;
/** `POST /containers/create` 201 response. */
export type ContainerCreateResponse = JsonBody<operations['ContainerCreate']['responses'][201]>;
/** A port of a container as ps lists it (`ContainerSummary.Ports[]`). */
export type Port = S['Port'];
/** `POST /volumes/create` body. */
export type VolumeCreateOptions = S['VolumeCreateOptions'];
/** `GET /volumes` response. */
export type VolumeListResponse = S['VolumeListResponse'];
/** `POST /volumes/prune` response. */
export type VolumePruneResponse = JsonBody<operations['VolumePrune']['responses'][200]>;
