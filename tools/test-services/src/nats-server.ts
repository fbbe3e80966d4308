import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { ServerProcess } from './server-process.js';
import { restartablePort } from './spare-port.js';

/** Where Debian installs it. */
export const NATS_SERVER = '/usr/sbin/nats-server';

export interface NatsServerOptions {
  /** Extra `nats-server` arguments (auth, TLS, `-c config`). */
  args?: string[] | undefined;
  /** Connection options that get past the server's auth / TLS, for the readiness check. */
  probe?: Partial<NodeConnectionOptions> | undefined;
  /** The binary. Default `/usr/sbin/nats-server`. */
  binary?: string | undefined;
  /** How long `start()` waits for JetStream to answer. Default 30 s. */
  startTimeoutMs?: number | undefined;
  /** Prefix of its server name and temp folder. */
  name?: string | undefined;
}

/**
 * A throwaway `nats-server -js` on a port below the ephemeral range, with its store in a temp
 * folder: kill it and start it again on the same port and store. A SIGKILL keeps every
 * acknowledged message (JetStream writes it to its file before the PubAck). Its output goes to
 * `nats.log` in the folder; a failed start quotes the end of it. A server still running when this
 * process exits is killed.
 */
export class NatsServer extends ServerProcess {
  /** Checked when probing: the server that answers is this one, not a stranger on the port. */
  readonly name: string;
  readonly #options: NatsServerOptions;

  private constructor(port: number, options: NatsServerOptions) {
    const prefix = options.name ?? 'dispatch-test';
    super('nats-server', port, mkdtempSync(join(tmpdir(), `${prefix}-nats-`)));
    this.#options = options;
    this.name = `${prefix}-${randomBytes(6).toString('hex')}`;
  }

  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    return ServerProcess.startOrDestroy(new NatsServer(await restartablePort(), options));
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ['-a', '127.0.0.1', '-p', String(this.port), '-n', this.name];
    args.push('-js', '-sd', join(this.dir, 'store'), ...(this.#options.args ?? []));
    await this.launch(this.#options.binary ?? NATS_SERVER, args, {
      log: join(this.dir, 'nats.log'),
      ready: () => this.#ready(),
      timeoutMs: this.#options.startTimeoutMs ?? 30_000,
      intervalMs: 100,
    });
  }

  /**
   * Freeze the server (SIGSTOP): connections stay open, nothing is answered. `stop` still works.
   * Resolves once the kernel reports the process stopped (the signal takes effect asynchronously).
   */
  pause(): Promise<void> {
    return this.freeze();
  }

  /** Let a paused server go on (SIGCONT). */
  resume(): void {
    this.thaw();
  }

  /** Up, with JetStream answering (it needs a moment after the port opens), and this server. */
  async #ready(): Promise<boolean> {
    let nc: NatsConnection | undefined;
    try {
      nc = await connect({ servers: this.url, reconnect: false, timeout: 1000, ...this.#options.probe });
      if (nc.info?.server_name !== this.name) return false;
      await (await jetstreamManager(nc, { timeout: 1000 })).getAccountInfo();
      return true;
    } catch {
      return false;
    } finally {
      await nc?.close().catch(() => undefined);
    }
  }
}
