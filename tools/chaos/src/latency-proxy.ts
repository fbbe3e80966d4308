import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of Redis that holds every reply back by a fixed delay and can cut every
 * connection at once. The delay widens the moment between "the XADD ran on Redis" and "the worker
 * knows", so a kill, a pause or a cut often lands inside it: exactly the duplicate windows 1 to 3
 * that idempotent append must close. Replies keep their order (one delay per proxy).
 */
export class LatencyProxy {
  readonly #server: Server;
  readonly #pairs = new Set<{ client: Socket; upstream: Socket }>();
  readonly #delayMs: number;

  private constructor(server: Server, delayMs: number) {
    this.#server = server;
    this.#delayMs = delayMs;
  }

  static start(upstream: { host: string; port: number }, delayMs: number): Promise<LatencyProxy> {
    const server = createServer();
    const proxy = new LatencyProxy(server, delayMs);
    server.on('connection', (client) => proxy.#accept(client, upstream));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(proxy));
    });
  }

  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** Drop every connection now, replies in flight included (a network cut). */
  cutAll(): number {
    const count = this.#pairs.size;
    for (const pair of this.#pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    this.#pairs.clear();
    return count;
  }

  close(): Promise<void> {
    this.cutAll();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket, target: { host: string; port: number }): void {
    const upstream = connect(target.port, target.host);
    const pair = { client, upstream };
    this.#pairs.add(pair);
    const drop = () => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      setTimeout(() => {
        if (!client.destroyed) client.write(chunk);
      }, this.#delayMs);
    });
    // Let replies already held back go out before the client sees the close.
    upstream.on('close', () => setTimeout(drop, this.#delayMs + 1));
    client.on('close', drop);
    client.on('error', drop);
    upstream.on('error', drop);
  }
}
