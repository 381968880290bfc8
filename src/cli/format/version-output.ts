/**
 * `wharf version`: docker's version template and data shape (cli/command/system/version.go),
 * with a Client section describing wharf (Node.js instead of Go).
 */
import { GO_MARSHAL_JSON, GO_TYPE, parseDockerTemplate, TemplateError } from '../../lib/gotemplate/index.js';
import { formatTable } from '../../lib/tabwriter/tabwriter.js';
import { WHARF_VERSION } from '../../lib/version.js';
import type { SystemVersion } from '../../spec/engine/types.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { withGoFieldAliases } from './inspect-output.js';
import { ansicDate } from './units.js';

const VERSION_TEMPLATE = `{{with .Client -}}
Client:{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}
 Version:\t{{.Version}}
 API version:\t{{.APIVersion}}{{if ne .APIVersion .DefaultAPIVersion}} (downgraded from {{.DefaultAPIVersion}}){{end}}
 Node.js version:\t{{.NodeVersion}}
 OS/Arch:\t{{.Os}}/{{.Arch}}
 Context:\t{{.Context}}
{{- end}}

{{- if .ServerOK}}{{with .Server}}

Server:{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}
 {{- range $component := .Components}}
 {{$component.Name}}:
  {{- if eq $component.Name "Engine" }}
  Version:\t{{.Version}}
  API version:\t{{index .Details "ApiVersion"}} (minimum version {{index .Details "MinAPIVersion"}})
  Go version:\t{{index .Details "GoVersion"}}
  Git commit:\t{{index .Details "GitCommit"}}
  Built:\t{{index .Details "BuildTime"}}
  OS/Arch:\t{{index .Details "Os"}}/{{index .Details "Arch"}}
  Experimental:\t{{index .Details "Experimental"}}
  {{- else }}
  Version:\t{{$component.Version}}
  {{- $detailsOrder := getDetailsOrder $component}}
  {{- range $key := $detailsOrder}}
  {{$key}}:\t{{index $component.Details $key}}
   {{- end}}
  {{- end}}
 {{- end}}
 {{- end}}{{- end}}`;

const GO_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };

/** The Client half of `version` (docker's clientVersion with NodeVersion for GoVersion). */
class ClientVersion {
  readonly [GO_TYPE] = 'system.clientVersion';
  readonly Platform = { [GO_TYPE]: 'struct { Name string }', Name: 'Wharf' };
  readonly Version = WHARF_VERSION;
  readonly NodeVersion = process.version;
  readonly Os = process.platform;
  readonly Arch = GO_ARCH[process.arch] ?? process.arch;
  readonly Context = 'default';
  constructor(
    readonly APIVersion: string,
    readonly DefaultAPIVersion: string,
  ) {}

  [GO_MARSHAL_JSON](): string {
    const { Platform, Version, APIVersion, DefaultAPIVersion, NodeVersion, Os, Arch, Context } = this;
    return JSON.stringify({ Platform: { Name: Platform.Name }, Version, ApiVersion: APIVersion, DefaultAPIVersion, NodeVersion, Os, Arch, Context });
  }
}

/** Docker reformats the engine's RFC 3339 build time and adds an Engine component if missing. */
function adaptServer(sv: SystemVersion): SystemVersion {
  const components = (sv.Components ?? []).map((c) =>
    c.Name === 'Engine' && c.Details && typeof c.Details.BuildTime === 'string'
      ? { ...c, Details: { ...c.Details, BuildTime: ansicDate(c.Details.BuildTime as string) } }
      : c,
  );
  if (!components.some((c) => c.Name === 'Engine')) {
    components.push({
      Name: 'Engine',
      Version: sv.Version ?? '',
      Details: {
        ApiVersion: sv.ApiVersion ?? '',
        MinAPIVersion: sv.MinAPIVersion ?? '',
        GitCommit: sv.GitCommit ?? '',
        GoVersion: sv.GoVersion ?? '',
        Os: sv.Os ?? '',
        Arch: sv.Arch ?? '',
        BuildTime: ansicDate(sv.BuildTime ?? ''),
        Experimental: String(Boolean(sv.Experimental)),
      },
    });
  }
  return withGoFieldAliases({ ...sv, Components: components });
}

const getDetailsOrder = {
  fn: (c: { Details?: Record<string, unknown> }) => Object.keys(c.Details ?? {}).sort(),
  params: ['any' as const],
};

export async function runVersion(ctx: CliContext, format: string | undefined): Promise<void> {
  let tmpl: ReturnType<typeof parseDockerTemplate>;
  try {
    tmpl = parseDockerTemplate(format || VERSION_TEMPLATE, { name: 'version', funcs: { getDetailsOrder } });
  } catch (e) {
    if (e instanceof TemplateError) throw new CliError(`template parsing error: ${e.message}`, { exitCode: 64 });
    throw e;
  }
  const client = ctx.client();
  let server: SystemVersion | undefined;
  let serverError: unknown;
  let apiVersion = client.defaultApiVersion;
  try {
    apiVersion = await client.apiVersion();
    server = adaptServer(await client.system.version());
  } catch (e) {
    serverError = e;
  }
  const data = {
    [GO_TYPE]: 'system.versionInfo',
    Client: new ClientVersion(apiVersion, client.defaultApiVersion),
    Server: server ?? null,
    ServerOK: () => server !== undefined,
    [GO_MARSHAL_JSON]: () => `{"Client":${new ClientVersion(apiVersion, client.defaultApiVersion)[GO_MARSHAL_JSON]()},"Server":${JSON.stringify(server ?? null)}}`,
  };
  const print = (text: string) => ctx.out(formatTable(`${text}\n`, { minwidth: 20, tabwidth: 1, padding: 1, padchar: ' ' }));
  try {
    print(tmpl.execute(data));
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    // Go has written what it had before failing; docker then adds the newline and flushes.
    print(e.partialOutput);
    throw new CliError(e.message, { cause: e });
  }
  if (serverError) throw serverError;
}
