import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from './worker.js';

export interface MetricsServerOptions {
  worker: Worker;
  port: number;
  /** Interface to bind; loopback unless the operator says otherwise. @default '127.0.0.1' */
  host?: string | undefined;
}

export interface MetricsServer {
  /** The bound port (useful with port 0). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * `/healthz` (200 while the worker runs, 503 otherwise, with each backend's state) and `/metrics`
 * (Prometheus text). Serves counts and states only: no event ids, payloads or configuration.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { worker } = options;
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      response.end(request.method === 'HEAD' ? undefined : worker.metrics.prometheus());
      return;
    }
    if (path === '/healthz') {
      const backends = Object.fromEntries(
        Object.entries(worker.backendStatus()).map(([name, status]) => [name, status.up ? 'up' : 'down']),
      );
      const ok = worker.state === 'running';
      response.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      response.end(
        request.method === 'HEAD'
          ? undefined
          : JSON.stringify({ status: ok ? 'ok' : worker.state, backends }),
      );
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /healthz or /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
