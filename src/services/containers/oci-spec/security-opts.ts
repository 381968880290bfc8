import { invalidArgument } from '../../../errdefs/index.js';

/** What `--security-opt` entries ask for. */
export interface SecurityOptions {
  noNewPrivileges: boolean;
  /** `unconfined`, a JSON profile (the CLI sends the file's content), or undefined for the default. */
  seccomp?: string;
  apparmor?: string;
  /** SELinux label options (`label=…`), kept for the caller; not applied on this host. */
  labels: string[];
}

function parseBool(key: string, v: string, opt: string): boolean {
  if (/^(1|t|true)$/i.test(v)) return true;
  if (/^(0|f|false)$/i.test(v)) return false;
  throw invalidArgument(`invalid --security-opt 2: "${opt}"`, { hint: `${key} expects a boolean` });
}

/**
 * Parses HostConfig.SecurityOpt the way moby parseSecurityOpt does: `no-new-privileges[=bool]`,
 * `seccomp=unconfined|<json>`, `apparmor=…`, `label=…`/`label:…`; `key:value` is the legacy
 * separator. Unknown keys are refused with Docker's wording.
 */
export function parseSecurityOpts(opts: readonly string[] | undefined): SecurityOptions {
  const out: SecurityOptions = { noNewPrivileges: false, labels: [] };
  for (const opt of opts ?? []) {
    if (opt === 'no-new-privileges') {
      out.noNewPrivileges = true;
      continue;
    }
    if (opt === 'disable') {
      out.labels.push('disable');
      continue;
    }
    let sep = opt.indexOf('=');
    // The legacy `key:value` form, unless the value is JSON (seccomp profiles contain colons).
    const colon = opt.indexOf(':');
    if (sep < 0 || (colon >= 0 && colon < sep && !opt.startsWith('seccomp='))) sep = colon;
    if (sep < 0) throw invalidArgument(`invalid --security-opt 1: "${opt}"`);
    const key = opt.slice(0, sep);
    const value = opt.slice(sep + 1);
    switch (key) {
      case 'label':
        out.labels.push(value);
        break;
      case 'apparmor':
        out.apparmor = value;
        break;
      case 'seccomp':
        out.seccomp = value;
        break;
      case 'no-new-privileges':
        out.noNewPrivileges = parseBool(key, value, opt);
        break;
      default:
        throw invalidArgument(`invalid --security-opt 2: "${opt}"`);
    }
  }
  return out;
}
