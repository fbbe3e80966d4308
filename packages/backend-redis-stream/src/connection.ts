import type { RedisStreamOptions } from './options.js';

export interface NodeEndpoint {
  host: string;
  port: number;
}

/** Everything a client library needs to connect, resolved once from the options. */
export interface ConnectionSettings {
  mode: 'standalone' | 'cluster' | 'sentinel';
  host: string;
  port: number;
  db: number;
  username: string | undefined;
  password: string | undefined;
  /** `false`, or options for `tls.connect` (`{}` for plain TLS). */
  tls: false | Record<string, unknown>;
  clusterNodes: NodeEndpoint[];
  sentinels: NodeEndpoint[];
  sentinelName: string;
  sentinelPassword: string | undefined;
  connectTimeoutMs: number;
  /** undefined: no limit. */
  commandTimeoutMs: number | undefined;
}

function endpoint(value: string | NodeEndpoint): NodeEndpoint {
  if (typeof value !== 'string') return value;
  const colon = value.lastIndexOf(':');
  const host = value.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(value.slice(colon + 1)) };
}

/** Resolve host/port/db/credentials/TLS, reading `url` when given. */
export function connectionSettings(options: RedisStreamOptions): ConnectionSettings {
  let { host, port, db, username, password } = options;
  let tls: false | Record<string, unknown> =
    options.tls === true ? {} : options.tls === false ? false : options.tls;
  if (options.url) {
    const url = new URL(options.url);
    host = url.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost';
    port = url.port ? Number(url.port) : 6379;
    const path = url.pathname.replace(/^\//, '');
    db = path ? Number(path) : 0;
    if (url.username) username = decodeURIComponent(url.username);
    if (url.password) password = decodeURIComponent(url.password);
    if (url.protocol === 'rediss:' && tls === false) tls = {};
  }
  const mode = options.cluster_nodes ? 'cluster' : options.sentinels ? 'sentinel' : 'standalone';
  return {
    mode,
    host,
    port,
    db: Number.isInteger(db) ? db : 0,
    username,
    password,
    tls,
    clusterNodes: (options.cluster_nodes ?? []).map(endpoint),
    sentinels: (options.sentinels ?? []).map(endpoint),
    sentinelName: options.sentinel_name,
    sentinelPassword: options.sentinel_password,
    connectTimeoutMs: Math.round(options.connect_timeout * 1000),
    commandTimeoutMs: options.socket_timeout === null ? undefined : Math.round(options.socket_timeout * 1000),
  };
}

/** Where the client connects, for logs and errors: never credentials. */
export function describeTarget(settings: ConnectionSettings): string {
  const scheme = settings.tls ? 'rediss' : 'redis';
  if (settings.mode === 'cluster') {
    return `cluster ${settings.clusterNodes.map((node) => `${node.host}:${node.port}`).join(',')}`;
  }
  if (settings.mode === 'sentinel') {
    return `sentinel "${settings.sentinelName}" via ${settings.sentinels.map((node) => `${node.host}:${node.port}`).join(',')}`;
  }
  return `${scheme}://${settings.host}:${settings.port}/${settings.db}`;
}
