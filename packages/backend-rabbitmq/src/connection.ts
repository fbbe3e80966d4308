import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '@dispatch/core';
import type { RabbitmqOptions } from './options.js';

/** Node `tls.connect` options, with the PEM files already read. */
export interface TlsSettings {
  ca?: Buffer[];
  cert?: Buffer;
  key?: Buffer;
  passphrase?: string;
  servername?: string;
  rejectUnauthorized: boolean;
}

/** Everything amqplib needs to connect, resolved once from the options. */
export interface ConnectionSettings {
  protocol: 'amqp' | 'amqps';
  host: string;
  port: number;
  vhost: string;
  username: string;
  password: string;
  /** Seconds; 0 turns heartbeats off. */
  heartbeat: number;
  connectTimeoutMs: number;
  /** `false` for plain TCP. */
  tls: false | TlsSettings;
}

function readPem(path: string, option: string, configDir: string): Buffer {
  const file = resolve(configDir, path);
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new ConfigError([
      {
        path: `OPTIONS.${option}`,
        message: `cannot read the PEM file "${file}" (${typeof code === 'string' ? code : (error as Error).message}); paths resolve against the configuration file's folder`,
      },
    ]);
  }
}

function tlsSettings(options: RabbitmqOptions, configDir: string): TlsSettings {
  if (typeof options.tls !== 'object') return { rejectUnauthorized: true };
  const files = options.tls;
  const settings: TlsSettings = { rejectUnauthorized: files.reject_unauthorized };
  if (files.ca !== undefined) {
    const paths = Array.isArray(files.ca) ? files.ca : [files.ca];
    settings.ca = paths.map((path) => readPem(path, 'tls.ca', configDir));
  }
  if (files.cert !== undefined) settings.cert = readPem(files.cert, 'tls.cert', configDir);
  if (files.key !== undefined) settings.key = readPem(files.key, 'tls.key', configDir);
  if (files.passphrase !== undefined) settings.passphrase = files.passphrase;
  if (files.servername !== undefined) settings.servername = files.servername;
  return settings;
}

/** Resolve host, port, vhost, credentials and TLS, reading `url` when given, and the PEM files. */
export function connectionSettings(options: RabbitmqOptions, configDir: string): ConnectionSettings {
  let { host, vhost, username, password } = options;
  let port = options.port;
  let secure = options.tls !== false;
  if (options.url !== undefined) {
    const url = new URL(options.url);
    host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (url.port) port = Number(url.port);
    const path = url.pathname.replace(/^\//, '');
    // As amqplib reads it: no path (or an empty one) is the default vhost "/".
    vhost = path ? decodeURIComponent(path) : '/';
    if (url.username || url.password) {
      username = decodeURIComponent(url.username);
      password = decodeURIComponent(url.password);
    }
    if (url.protocol === 'amqps:') secure = true;
  }
  return {
    protocol: secure ? 'amqps' : 'amqp',
    host,
    port: port ?? (secure ? 5671 : 5672),
    vhost,
    username,
    password,
    heartbeat: options.heartbeat,
    connectTimeoutMs: Math.round(options.connect_timeout * 1000),
    tls: secure ? tlsSettings(options, configDir) : false,
  };
}

/** Where the backend connects, for logs, errors and health: never credentials. */
export function describeTarget(settings: ConnectionSettings): string {
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  return `${settings.protocol}://${host}:${settings.port}/${encodeURIComponent(settings.vhost)}`;
}
