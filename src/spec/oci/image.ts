/**
 * OCI image-spec v1 types (descriptor, manifest, index, image layout, image config), written from
 * /work/shared/specs/oci-image. Field names are the JSON names; optional fields are optional.
 * The image config carries Docker's extra fields (container_config, docker_version, …) because
 * Docker-built images have them and `docker image inspect` shows them.
 */
import type { Digest } from '../../lib/digest.js';

export interface Platform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
}

/** A content descriptor: what a blob is, where it is, how big it is. */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  data?: string;
  platform?: Platform;
  artifactType?: string;
}

export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface Index {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** `oci-layout` file content. */
export interface ImageLayout {
  imageLayoutVersion: string;
}

export const OCI_LAYOUT_VERSION = '1.0.0';

/** Annotation keys used by image layouts. */
export const Annotation = {
  refName: 'org.opencontainers.image.ref.name',
  /** containerd's full image name in an index.json written by Docker. */
  imageName: 'io.containerd.image.name',
} as const;

/** Docker's health check (in `config.Healthcheck`). */
export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/**
 * The runtime configuration inside an image config. OCI defines User … StopSignal; Docker images
 * carry its whole container.Config here (Hostname, Image, OnBuild, …), kept verbatim.
 */
export interface ImageRunConfig {
  Hostname?: string;
  Domainname?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ExposedPorts?: Record<string, Record<string, never>> | null;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Healthcheck?: HealthConfig;
  ArgsEscaped?: boolean;
  Image?: string;
  Volumes?: Record<string, Record<string, never>> | null;
  WorkingDir?: string;
  Entrypoint?: string[] | null;
  NetworkDisabled?: boolean;
  MacAddress?: string;
  OnBuild?: string[] | null;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  StopTimeout?: number;
  Shell?: string[];
}

export interface RootFS {
  type: 'layers' | string;
  diff_ids: Digest[];
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The image config (`application/vnd.oci.image.config.v1+json` / Docker's image JSON). */
export interface ImageConfigFile {
  created?: string;
  author?: string;
  architecture: string;
  variant?: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  config?: ImageRunConfig | null;
  rootfs: RootFS;
  history?: HistoryEntry[];
  // Docker's legacy (v1) fields, present in images Docker built or imported.
  id?: string;
  parent?: string;
  comment?: string;
  container?: string;
  container_config?: ImageRunConfig;
  docker_version?: string;
  Size?: number;
}
