import { createConnection, createServer, type Server, type Socket } from 'node:net';

type Mode = 'forward' | 'blackhole' | 'refuse';

/**
 * A TCP proxy on a spare loopback port in front of a broker, to fail the network under a client:
 * `blackhole()` keeps the sockets open but lets nothing through (a partition: only heartbeats can
 * tell), `cut()` drops every connection and refuses new ones, `restore()` forwards again.
 * `onUpstreamBytes` lets a test act once the client has sent that much (mid-batch).
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #targetPort: number;
  readonly #pairs = new Set<[Socket, Socket]>();
  #mode: Mode = 'forward';
  #sentUp = 0;
  #trigger: { bytes: number; action: () => void } | undefined;

  private constructor(server: Server, targetPort: number) {
    this.#server = server;
    this.#targetPort = targetPort;
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server, targetPort);
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

  /** Bytes clients have sent towards the broker so far. */
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

  cut(): void {
    this.#mode = 'refuse';
    for (const [client, upstream] of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.#pairs.clear();
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
    const upstream = createConnection({ host: '127.0.0.1', port: this.#targetPort });
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
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const drop = () => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop);
    // In a black hole the client must hear nothing, not even that the broker hung up.
    upstream.on('close', () => {
      if (this.#mode !== 'blackhole') drop();
    });
  }
}
