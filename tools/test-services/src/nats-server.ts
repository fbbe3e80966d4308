import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { isRunning, killChild, killOnExit, logFile, logTail, sleep } from './processes.js';
import { restartablePort } from './spare-port.js';
import { waitFor } from './wait-for.js';

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
export class NatsServer {
  readonly port: number;
  readonly dir: string;
  /** Checked when probing: the server that answers is this one, not a stranger on the port. */
  readonly name: string;
  #child: ChildProcess | undefined;
  #unregister: (() => void) | undefined;
  readonly #options: NatsServerOptions;

  private constructor(port: number, options: NatsServerOptions) {
    this.port = port;
    this.#options = options;
    const prefix = options.name ?? 'dispatch-test';
    this.name = `${prefix}-${randomBytes(6).toString('hex')}`;
    this.dir = mkdtempSync(join(tmpdir(), `${prefix}-nats-`));
  }

  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    const server = new NatsServer(await restartablePort(), options);
    try {
      await server.start();
    } catch (error) {
      await server.destroy();
      throw error;
    }
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#child !== undefined && isRunning(this.#child);
  }

  async start(): Promise<void> {
    const args = ['-a', '127.0.0.1', '-p', String(this.port), '-n', this.name];
    args.push('-js', '-sd', join(this.dir, 'store'), ...(this.#options.args ?? []));
    const logPath = join(this.dir, 'nats.log');
    const log = logFile(logPath);
    const child = spawn(this.#options.binary ?? NATS_SERVER, args, { stdio: ['ignore', log.fd, log.fd] });
    log.close();
    this.#child = child;
    this.#unregister = killOnExit(() => child.kill('SIGKILL'));
    await waitFor(() => this.#ready(), {
      what: `nats-server on port ${this.port} to answer`,
      timeoutMs: this.#options.startTimeoutMs ?? 30_000,
      intervalMs: 100,
      failure: () =>
        isRunning(child)
          ? undefined
          : new Error(
              `nats-server on port ${this.port} exited with ${child.exitCode ?? child.signalCode}\n${logTail(logPath)}`,
            ),
    });
  }

  /**
   * Freeze the server (SIGSTOP): connections stay open, nothing is answered. `stop` still works.
   * Resolves once the kernel reports the process stopped (the signal takes effect asynchronously).
   */
  async pause(): Promise<void> {
    const child = this.#child;
    if (!child?.pid) throw new Error(`nats-server on port ${this.port} is not running`);
    child.kill('SIGSTOP');
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      // The state is the field after the parenthesised command name.
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      if (/\)\s+[Tt]\s/.test(stat)) return;
      await sleep(10);
    }
    throw new Error(`nats-server on port ${this.port} did not stop on SIGSTOP`);
  }

  /** Let a paused server go on (SIGCONT). */
  resume(): void {
    this.#child?.kill('SIGCONT');
  }

  /** Kill it outright (SIGKILL), as a crash would. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    this.#unregister?.();
    await killChild(child);
  }

  /** The same as `stop()`: a crash. */
  kill(): Promise<void> {
    return this.stop();
  }

  /** SIGKILL now, synchronously (a last resort on a second Ctrl-C). */
  killNow(): void {
    if (this.#child && isRunning(this.#child)) this.#child.kill('SIGKILL');
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
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
