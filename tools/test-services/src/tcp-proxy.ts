import { createConnection, createServer, type Server, type Socket } from 'node:net';

type Mode = 'forward' | 'blackhole' | 'refuse';

export interface TcpProxyOptions {
  /** Hold every reply from the target back by this long (in order): widens in-flight windows. */
  replyDelayMs?: number | undefined;
}

/**
 * A TCP proxy on a spare loopback port in front of a server, to fail the network under a client:
 * `blackhole()` keeps the sockets open but lets nothing through (a partition: only heartbeats can
 * tell), `cut()` drops every connection and refuses new ones, `dropAll()` drops every connection
 * and goes on accepting, `restore()` forwards again. `onUpstreamBytes` lets a test act once the
 * client has sent that much (mid-batch).
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #target: { host: string; port: number };
  readonly #delayMs: number;
  readonly #pairs = new Set<[Socket, Socket]>();
  #mode: Mode = 'forward';
  #sentUp = 0;
  #trigger: { bytes: number; action: () => void } | undefined;

  private constructor(server: Server, target: { host: string; port: number }, delayMs: number) {
    this.#server = server;
    this.#target = target;
    this.#delayMs = delayMs;
  }

  /** `target`: a port on 127.0.0.1, or a host and port. */
  static async start(
    target: number | { host: string; port: number },
    options: TcpProxyOptions = {},
  ): Promise<TcpProxy> {
    const server = createServer();
    const to = typeof target === 'number' ? { host: '127.0.0.1', port: target } : target;
    const proxy = new TcpProxy(server, to, options.replyDelayMs ?? 0);
    server.on('connection', (client) => proxy.#accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** Bytes clients have sent towards the target so far. */
  get sentUp(): number {
    return this.#sentUp;
  }

  /** Run `action` once clients have sent `bytes` more than now. */
  onUpstreamBytes(bytes: number, action: () => void): void {
    this.#trigger = { bytes: this.#sentUp + bytes, action };
  }

  blackhole(): void {
    this.#mode = 'blackhole';
    for (const [client, upstream] of this.#pairs) {
      client.pause();
      upstream.pause();
    }
  }

  /** Drop every connection now, replies in flight included; new ones are still forwarded. */
  dropAll(): number {
    const count = this.#pairs.size;
    for (const [client, upstream] of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.#pairs.clear();
    return count;
  }

  /** Drop every connection and refuse new ones until `restore()`. */
  cut(): void {
    this.#mode = 'refuse';
    this.dropAll();
  }

  restore(): void {
    // Connections held in a black hole stay dead, as after a real partition: clients must reconnect.
    this.cut();
    this.#mode = 'forward';
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    client.on('error', () => undefined);
    if (this.#mode === 'refuse') {
      client.destroy();
      return;
    }
    const upstream = createConnection(this.#target);
    upstream.on('error', () => undefined);
    const pair: [Socket, Socket] = [client, upstream];
    this.#pairs.add(pair);
    if (this.#mode === 'blackhole') {
      client.pause();
      upstream.pause();
    }
    client.on('data', (chunk: Buffer) => {
      this.#sentUp += chunk.length;
      upstream.write(chunk);
      const trigger = this.#trigger;
      if (trigger && this.#sentUp >= trigger.bytes) {
        this.#trigger = undefined;
        trigger.action();
      }
    });
    const delay = this.#delayMs;
    upstream.on('data', (chunk: Buffer) => {
      if (delay === 0) client.write(chunk);
      else
        setTimeout(() => {
          if (!client.destroyed) client.write(chunk);
        }, delay);
    });
    const drop = () => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop);
    // In a black hole the client must hear nothing, not even that the target hung up; with a
    // delay, replies already held back go out before the client sees the close.
    upstream.on('close', () => {
      if (this.#mode === 'blackhole') return;
      if (delay === 0) drop();
      else setTimeout(drop, delay + 1);
    });
  }
}
