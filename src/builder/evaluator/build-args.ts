/**
 * Build arguments with dockerd's classic-builder semantics (builder/dockerfile/buildargs.go):
 * which `--build-arg`s are visible where, which reach RUN's environment and its cache key, and
 * which were never consumed.
 */

/** Proxy args usable without an ARG line; they reach RUN but stay out of its cache key and history. */
export const BUILTIN_ARGS: ReadonlySet<string> = new Set([
  'HTTP_PROXY',
  'http_proxy',
  'HTTPS_PROXY',
  'https_proxy',
  'FTP_PROXY',
  'ftp_proxy',
  'NO_PROXY',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
]);

/** `--build-arg` values as the API sends them: `null` for a name given without a value. */
export type BuildArgOptions = Readonly<Record<string, string | null>>;

/**
 * The args of one stage (plus the meta args declared before the first FROM, shared by all).
 * Invariant: `allowed` holds the stage's ARG declarations (value = the declared default or
 * undefined); `referenced` every name ever declared, for the unused-args warning.
 */
export class BuildArgs {
  private allowed = new Map<string, string | undefined>();
  private readonly meta: Map<string, string | undefined>;
  private readonly referenced: Set<string>;

  constructor(
    private readonly options: BuildArgOptions,
    shared?: { meta: Map<string, string | undefined>; referenced: Set<string> },
  ) {
    this.meta = shared?.meta ?? new Map();
    this.referenced = shared?.referenced ?? new Set();
  }

  /** A copy for a new stage: the meta args and references shared, the stage's own ARGs empty. */
  forStage(): BuildArgs {
    return new BuildArgs(this.options, { meta: this.meta, referenced: this.referenced });
  }

  /** ARG before the first FROM (consumes a --build-arg of that name, as Docker's processMetaArg). */
  addMetaArg(name: string, value: string | undefined): void {
    this.meta.set(name, value);
    this.referenced.add(name);
  }

  /** ARG in a stage (also marks the name as consumed). */
  addArg(name: string, value: string | undefined): void {
    this.allowed.set(name, value);
    this.referenced.add(name);
  }

  /** A meta value predefined by the builder (TARGETPLATFORM…): visible to FROM and `ARG NAME`, never "consumed". */
  predefine(name: string, value: string): void {
    if (!this.meta.has(name)) this.meta.set(name, value);
  }

  private value(name: string, declared: string | undefined): string | undefined {
    const given = this.options[name];
    if (given !== undefined && given !== null) return given;
    if (declared === undefined) return this.meta.get(name) ?? undefined;
    return declared;
  }

  private resolve(source: ReadonlyMap<string, string | undefined>): Map<string, string> {
    const out = new Map<string, string>();
    for (const name of [...source.keys(), ...BUILTIN_ARGS]) {
      if (!source.has(name) && !BUILTIN_ARGS.has(name)) continue;
      const v = this.value(name, source.get(name));
      if (v !== undefined) out.set(name, v);
    }
    return out;
  }

  /** Values of the stage's ARGs (and given proxy args), for expansion and RUN. */
  allAllowed(): Map<string, string> {
    return this.resolve(this.allowed);
  }

  /** Values of the meta args, for FROM lines. */
  allMeta(): Map<string, string> {
    return this.resolve(this.meta);
  }

  /** `KEY=value` of the allowed args whose key the config env does not set (sorted: Go's map order is random). */
  filterAllowed(env: readonly string[]): string[] {
    const keys = new Set(env.map((e) => e.split('=')[0]));
    return [...this.allAllowed()]
      .filter(([k]) => !keys.has(k))
      .map(([k, v]) => `${k}=${v}`)
      .sort();
  }

  /** A builtin proxy arg stays out of RUN's cache key unless the Dockerfile declared it. */
  isReferencedOrNotBuiltin(name: string): boolean {
    return this.allowed.has(name) || !BUILTIN_ARGS.has(name);
  }

  /** Names given with --build-arg that no ARG declared (builtins excepted), sorted. */
  unused(): string[] {
    return Object.keys(this.options)
      .filter((k) => !this.referenced.has(k) && !BUILTIN_ARGS.has(k))
      .sort();
  }
}
