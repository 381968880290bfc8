/**
 * Where the CLI keeps registry credentials, resolved as the docker CLI's GetCredentialsStore:
 * a per-registry helper (`credHelpers`), else the default helper (`credsStore`), else the plain
 * `auths` map of config.json.
 */
import { type ConfigFile, type Credentials, decodeStoredAuth, encodeStoredAuth, findAuth, loadConfigFile, saveConfigFile } from './config-file.js';
import { helperErase, helperGet, helperStore } from './credential-helper.js';

export class CredentialStore {
  private constructor(private readonly cfg: ConfigFile) {}

  static async load(env: NodeJS.ProcessEnv): Promise<CredentialStore> {
    return new CredentialStore(await loadConfigFile(env));
  }

  /** The config file's path (for the "stored unencrypted" warning). */
  get path(): string {
    return this.cfg.path;
  }

  /** The helper that holds `key`'s credentials, if any. */
  helperFor(key: string): string | undefined {
    return this.cfg.doc.credHelpers?.[key] || this.cfg.doc.credsStore || undefined;
  }

  /** Stored credentials of `key` (a registry host, or Docker Hub's URL); empty when none. */
  async get(key: string): Promise<Credentials> {
    const helper = this.helperFor(key);
    if (helper) return (await helperGet(helper, key)) ?? {};
    const entry = findAuth(this.cfg, key);
    return entry ? decodeStoredAuth(entry) : {};
  }

  /**
   * Every stored credential by registry key (docker/cli GetAllCredentials): the `auths` entries
   * and the registries of `credHelpers` (an entry without credentials is there too, empty).
   */
  async all(): Promise<Map<string, Credentials>> {
    const keys = new Set([...Object.keys(this.cfg.doc.auths ?? {}), ...Object.keys(this.cfg.doc.credHelpers ?? {})]);
    const out = new Map<string, Credentials>();
    for (const key of [...keys].sort()) {
      out.set(key, await this.get(key).catch(() => ({}) as Credentials));
    }
    return out;
  }

  async store(key: string, c: Credentials): Promise<void> {
    const helper = this.helperFor(key);
    const auths = (this.cfg.doc.auths ??= {});
    if (helper) {
      await helperStore(helper, key, c);
      // docker lists registries with helper-held secrets as empty entries.
      auths[key] = {};
    } else {
      auths[key] = encodeStoredAuth(c);
    }
    await saveConfigFile(this.cfg);
  }

  /** Removes `key`'s credentials; true when there were some. */
  async erase(key: string): Promise<boolean> {
    const helper = this.helperFor(key);
    if (helper) await helperErase(helper, key);
    const auths = this.cfg.doc.auths;
    if (!auths || !(key in auths)) return Boolean(helper);
    delete auths[key];
    await saveConfigFile(this.cfg);
    return true;
  }
}
