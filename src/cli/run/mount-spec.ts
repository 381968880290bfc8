/**
 * `--mount type=…,src=…,dst=…` as the docker CLI's opts.MountOpt parses it, into the API's Mount
 * (fields in Go's marshal order, empty ones left out as `omitempty` does).
 */
import path from 'node:path';
import { ramInBytes } from '../../lib/go-units.js';

interface MountDraft {
  Type: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean; ReadOnlyNonRecursive?: boolean; ReadOnlyForceRecursive?: boolean };
  VolumeOptions?: { NoCopy?: boolean; Labels: Record<string, string>; Subpath?: string; DriverConfig: { Name?: string; Options?: Record<string, string> } };
  ImageOptions?: { Subpath?: string };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

/** Go's strconv.ParseBool. */
function parseBool(v: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw new Error('invalid bool');
}

/** Splits one CSV record (encoding/csv: quoted fields may hold commas). */
function csvFields(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      if (c === '"' && value[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur === '') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function setOnMap(target: Record<string, string>, value: string): void {
  const eq = value.indexOf('=');
  const k = eq < 0 ? value : value.slice(0, eq);
  if (k !== '') target[k] = eq < 0 ? '' : value.slice(eq + 1);
}

function applyField(m: MountDraft, key: string, val: string, field = `${key}=${val}`): void {
  const invalid = () => new Error(`invalid value for ${key}: ${val}`);
  const vol = () => {
    m.VolumeOptions ??= { Labels: {}, DriverConfig: {} };
    return m.VolumeOptions;
  };
  const bind = () => {
    m.BindOptions ??= {};
    return m.BindOptions;
  };
  const tmpfs = () => {
    m.TmpfsOptions ??= {};
    return m.TmpfsOptions;
  };
  const bool = () => {
    try {
      return parseBool(val);
    } catch {
      throw invalid();
    }
  };
  switch (key) {
    case 'type':
      m.Type = val.toLowerCase();
      break;
    case 'source':
    case 'src':
      m.Source = val.startsWith('./') || val === '.' ? path.resolve(val) : val;
      break;
    case 'target':
    case 'dst':
    case 'destination':
      m.Target = val;
      break;
    case 'readonly':
    case 'ro':
      m.ReadOnly = bool();
      break;
    case 'consistency':
      m.Consistency = val.toLowerCase();
      break;
    case 'bind-propagation':
      bind().Propagation = val.toLowerCase();
      break;
    case 'bind-nonrecursive':
      bind().NonRecursive = bool();
      break;
    case 'bind-recursive':
      if (val === 'disabled') bind().NonRecursive = true;
      else if (val === 'writable') bind().ReadOnlyNonRecursive = true;
      else if (val === 'readonly') bind().ReadOnlyForceRecursive = true;
      else if (val !== 'enabled') throw new Error(`invalid value for ${key}: ${val} (must be "enabled", "disabled", "writable", or "readonly")`);
      break;
    case 'volume-subpath':
      vol().Subpath = val;
      break;
    case 'volume-nocopy':
      try {
        vol().NoCopy = parseBool(val);
      } catch {
        throw new Error(`invalid value for volume-nocopy: ${val}`);
      }
      break;
    case 'volume-label':
      setOnMap(vol().Labels, val);
      break;
    case 'volume-driver':
      vol().DriverConfig.Name = val;
      break;
    case 'volume-opt':
      vol().DriverConfig.Options ??= {};
      setOnMap(vol().DriverConfig.Options as Record<string, string>, val);
      break;
    case 'image-subpath':
      m.ImageOptions = { ...m.ImageOptions, Subpath: val };
      break;
    case 'tmpfs-size':
      try {
        tmpfs().SizeBytes = ramInBytes(val);
      } catch {
        throw invalid();
      }
      break;
    case 'tmpfs-mode':
      if (!/^[0-7]+$/.test(val) || Number.parseInt(val, 8) > 0xffffffff) throw invalid();
      tmpfs().Mode = Number.parseInt(val, 8);
      break;
    default:
      throw new Error(`unexpected key '${key}' in '${field}'`);
  }
}

function checkMount(m: MountDraft): void {
  if (!m.Type) throw new Error('type is required');
  if (!m.Target) throw new Error('target is required');
  const mix = (opt: unknown, type: string, prefix: string) => {
    if (opt !== undefined && m.Type !== type) throw new Error(`cannot mix '${prefix}-*' options with mount type '${m.Type}'`);
  };
  mix(m.VolumeOptions, 'volume', 'volume');
  mix(m.ImageOptions, 'image', 'image');
  mix(m.BindOptions, 'bind', 'bind');
  mix(m.TmpfsOptions, 'tmpfs', 'tmpfs');
  const b = m.BindOptions;
  if (b?.ReadOnlyNonRecursive && !m.ReadOnly) throw new Error("option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction");
  if (b?.ReadOnlyForceRecursive) {
    if (!m.ReadOnly) throw new Error("option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction");
    if (b.Propagation !== 'rprivate') throw new Error("option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction");
  }
}

/** Drops empty fields as Go's `omitempty` does, keeping the struct order. */
function wire(m: MountDraft): Record<string, unknown> {
  const out: Record<string, unknown> = { Type: m.Type };
  if (m.Source) out.Source = m.Source;
  if (m.Target) out.Target = m.Target;
  if (m.ReadOnly) out.ReadOnly = true;
  if (m.Consistency) out.Consistency = m.Consistency;
  if (m.BindOptions) {
    const { Propagation, NonRecursive, ReadOnlyNonRecursive, ReadOnlyForceRecursive } = m.BindOptions;
    out.BindOptions = omitEmpty({ Propagation, NonRecursive, ReadOnlyNonRecursive, ReadOnlyForceRecursive });
  }
  if (m.VolumeOptions) {
    const v = m.VolumeOptions;
    const labels = Object.keys(v.Labels).length ? v.Labels : undefined;
    const driver = omitEmpty({ Name: v.DriverConfig.Name, Options: v.DriverConfig.Options && Object.keys(v.DriverConfig.Options).length ? v.DriverConfig.Options : undefined });
    out.VolumeOptions = { ...omitEmpty({ NoCopy: v.NoCopy, Labels: labels, Subpath: v.Subpath }), DriverConfig: driver };
  }
  if (m.ImageOptions) out.ImageOptions = omitEmpty({ ...m.ImageOptions });
  if (m.TmpfsOptions) out.TmpfsOptions = omitEmpty({ SizeBytes: m.TmpfsOptions.SizeBytes, Mode: m.TmpfsOptions.Mode });
  return out;
}

function omitEmpty(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== false && v !== '' && v !== 0));
}

/** Parses one `--mount` value. Throws docker's message on bad input. */
export function parseMountSpec(value: string): Record<string, unknown> {
  const m: MountDraft = { Type: 'volume' };
  for (const field of csvFields(value)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    if (eq < 0) {
      if (key === 'readonly' || key === 'ro') m.ReadOnly = true;
      else if (key === 'volume-nocopy') applyField(m, 'volume-nocopy', 'true');
      else if (key === 'bind-nonrecursive') applyField(m, 'bind-nonrecursive', 'true');
      else throw new Error(`invalid field '${field}' must be a key=value pair`);
      continue;
    }
    applyField(m, key, field.slice(eq + 1), field);
  }
  checkMount(m);
  return wire(m);
}
