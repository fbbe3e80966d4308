import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidArgumentError } from '@dispatch/core';
import { createDashboard } from './dashboard.js';
import { toNodeHandler } from './node-adapter.js';
import { type DashboardOptions, hasAuth, resolveOptions } from './options.js';

export interface ServeDashboardOptions extends DashboardOptions {
  /** Port to listen on; 0 picks a free one. @default 8465 */
  port?: number | undefined;
  /** Interface to bind. @default '127.0.0.1' */
  host?: string | undefined;
  /** Serve on a non-loopback host without `authorize`, `basicAuth` or `bearerToken`. @default false */
  insecure?: boolean | undefined;
}

export interface RunningDashboard {
  /** `http://host:port` plus the base path, with a trailing slash. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 8465;

/** Whether `host` only answers this machine. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/**
 * Serve the dashboard on its own HTTP server (what `dispatch dashboard` runs). Refuses a host other
 * machines can reach unless some authentication is configured or `insecure` says otherwise.
 */
export async function serveDashboard(options: ServeDashboardOptions): Promise<RunningDashboard> {
  const { port = DEFAULT_PORT, host = '127.0.0.1', insecure = false, ...dashboardOptions } = options;
  if (!isLoopback(host) && !hasAuth(resolveOptions(dashboardOptions)) && !insecure) {
    throw new InvalidArgumentError(
      `refusing to serve the dashboard on ${host} without authentication: anyone who reaches it could ` +
        'requeue or fail events. Set DISPATCH_DASHBOARD_TOKEN, or DISPATCH_DASHBOARD_USER and ' +
        'DISPATCH_DASHBOARD_PASSWORD (or authorize/basicAuth/bearerToken in code), bind 127.0.0.1, or pass --insecure.',
    );
  }
  const dashboard = createDashboard(dashboardOptions);
  const server = createServer(toNodeHandler(dashboard));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${bound}${dashboard.options.basePath}/`,
    port: bound,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
