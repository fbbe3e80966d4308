import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readiness } from './readiness.js';
import type { Worker } from './worker.js';

export interface MetricsServerOptions {
  worker: Worker;
  /** The store's and backends' health for `/readyz`; without it `/readyz` answers from the worker's own view. */
  readiness?: (() => Promise<Readiness>) | undefined;
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
 * `/livez` (200 while the worker runs: restart the process only when this fails), `/readyz` (503
 * with the reason while the store or a backend is down), `/healthz` (the same as `/livez`, with
 * each backend's state) and `/metrics` (Prometheus text). Serves counts and states only: no event
 * ids, payloads or configuration.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { worker } = options;
  const backendStates = () =>
    Object.fromEntries(
      Object.entries(worker.backendStatus()).map(([name, status]) => [name, status.up ? 'up' : 'down']),
    );
  const readiness =
    options.readiness ??
    (async (): Promise<Readiness> => {
      const backends = Object.fromEntries(
        Object.entries(worker.backendStatus()).map(([name, status]) => [
          name,
          status.up ? { ok: true } : { ok: false, reason: 'paused by the worker after it was unavailable' },
        ]),
      );
      return { ready: Object.values(backends).every((state) => state.ok), store: { ok: true }, backends };
    });
  const json = (response: ServerResponse, head: boolean, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(head ? undefined : JSON.stringify(body));
  };
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const head = request.method === 'HEAD';
    if (request.method !== 'GET' && !head) {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      response.end(head ? undefined : worker.metrics.prometheus());
      return;
    }
    if (path === '/livez' || path === '/healthz') {
      const ok = worker.state === 'running';
      const body = {
        status: ok ? 'ok' : worker.state,
        ...(path === '/healthz' ? { backends: backendStates() } : {}),
      };
      json(response, head, ok ? 200 : 503, body);
      return;
    }
    if (path === '/readyz') {
      if (worker.state !== 'running') {
        json(response, head, 503, { status: worker.state, reason: `the worker is ${worker.state}` });
        return;
      }
      readiness().then(
        ({ ready, store, backends }) =>
          json(response, head, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', store, backends }),
        (error: unknown) =>
          json(response, head, 503, { status: 'not ready', reason: String((error as Error)?.message) }),
      );
      return;
    }
    response
      .writeHead(404, { 'content-type': 'text/plain' })
      .end('not found: try /livez, /readyz, /healthz or /metrics\n');
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
