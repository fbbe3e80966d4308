import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { NatsOptions } from './options.js';

/** What the client's `connect()` is given, minus the authenticator (built from `creds`). */
export interface ConnectSettings {
  servers: string[];
  name: string;
  user?: string;
  pass?: string;
  token?: string;
  /** The content of the `.creds` file. */
  creds?: Uint8Array;
  tls?: { ca?: string; cert?: string; key?: string };
  timeoutMs: number;
}

const CREDS_MARKER = /-----BEGIN NATS USER JWT-----/;

/** A problem with the backend's own configuration found while connecting (a file that cannot be read). */
export class SettingsError extends Error {
  override name = 'SettingsError';
}

/** Server URLs for logs, errors and health: scheme, host and port only (user info may be a secret). */
export function describeServers(servers: readonly string[]): string {
  return servers.map(withoutCredentials).join(',');
}

export function serverList(options: NatsOptions): string[] {
  return typeof options.servers === 'string' ? [options.servers] : [...options.servers];
}

const USER_INFO = /^((?:[a-z]+:\/\/)?)([^@/]*)@/i;

/** The `user:password` or `token` written into a server URL, if any. The client ignores these, so the backend reads them. */
export function urlCredentials(
  server: string,
): { user: string; pass: string } | { token: string } | undefined {
  const info = USER_INFO.exec(server)?.[2];
  if (info === undefined || info === '') return undefined;
  const colon = info.indexOf(':');
  if (colon === -1) return { token: decodeURIComponent(info) };
  return { user: decodeURIComponent(info.slice(0, colon)), pass: decodeURIComponent(info.slice(colon + 1)) };
}

/** A server URL without its user info. */
export function withoutCredentials(server: string): string {
  return server.replace(USER_INFO, '$1');
}

async function readSetting(what: string, path: string, configDir: string): Promise<string> {
  const full = isAbsolute(path) ? path : resolve(configDir, path);
  try {
    return await readFile(full, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const reason = code === 'ENOENT' ? 'no such file' : typeof code === 'string' ? code : 'unreadable';
    throw new SettingsError(
      `${what}: cannot read "${full}" (${reason}); check the path (relative paths start at the configuration file's folder)`,
    );
  }
}

/** Resolve credentials and TLS files once, at connect time. Errors name the option and the file, never its content. */
export async function connectSettings(options: NatsOptions, configDir: string): Promise<ConnectSettings> {
  const servers = serverList(options);
  const settings: ConnectSettings = {
    servers: servers.map(withoutCredentials),
    name: options.name,
    timeoutMs: Math.round(options.connect_timeout * 1000),
  };
  // Options validation makes sure URLs carry the same credentials, and no others are given.
  const fromUrl = servers.map(urlCredentials).find((found) => found !== undefined);
  if (fromUrl && 'token' in fromUrl) settings.token = fromUrl.token;
  else if (fromUrl) {
    settings.user = fromUrl.user;
    settings.pass = fromUrl.pass;
  }
  if (options.user !== undefined) settings.user = options.user;
  if (options.password !== undefined) settings.pass = options.password;
  if (options.token !== undefined) settings.token = options.token;
  if (options.creds !== undefined) {
    const content = CREDS_MARKER.test(options.creds)
      ? options.creds
      : await readSetting('creds', options.creds, configDir);
    if (!CREDS_MARKER.test(content)) {
      throw new SettingsError(
        'creds: expected a NATS .creds file (with a "BEGIN NATS USER JWT" block), or its content',
      );
    }
    settings.creds = new TextEncoder().encode(content);
  }
  if (options.tls === true) settings.tls = {};
  else if (typeof options.tls === 'object') {
    const tls: { ca?: string; cert?: string; key?: string } = {};
    if (options.tls.ca) tls.ca = await readSetting('tls.ca', options.tls.ca, configDir);
    if (options.tls.cert) tls.cert = await readSetting('tls.cert', options.tls.cert, configDir);
    if (options.tls.key) tls.key = await readSetting('tls.key', options.tls.key, configDir);
    settings.tls = tls;
  }
  return settings;
}
