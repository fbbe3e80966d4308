import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { BrokerServer } from './backends/backend-kit.js';
import { exited, isRunning, restartablePort, sleep, stopChild } from './processes.js';

const NATS_SERVER = process.env.CHAOS_NATS_SERVER ?? '/usr/sbin/nats-server';

/**
 * A `nats-server -js` of the harness's own, on a spare port with its store in a temp folder. A
 * SIGKILL keeps every acknowledged message: JetStream writes it to its file before the PubAck, and
 * the harness kills processes, never the machine.
 */
export class ThrowawayNats implements BrokerServer {
  readonly port: number;
  readonly dir: string;
  readonly #name: string;
  #child: ChildProcess | undefined;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.dir = dir;
    this.#name = `dispatch-chaos-${port}`;
  }

  static async start(): Promise<ThrowawayNats> {
    const nats = new ThrowawayNats(
      await restartablePort(),
      mkdtempSync(join(tmpdir(), 'dispatch-chaos-nats-')),
    );
    try {
      await nats.start();
    } catch (error) {
      await nats.destroy();
      throw error;
    }
    return nats;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const log = openSync(join(this.dir, 'nats.log'), 'a');
    const args = ['-a', '127.0.0.1', '-p', String(this.port), '-n', this.#name];
    this.#child = spawn(NATS_SERVER, [...args, '-js', '-sd', join(this.dir, 'store')], {
      stdio: ['ignore', log, log],
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (!isRunning(this.#child)) throw new Error(`nats-server exited at start; see ${this.dir}/nats.log`);
      if (await this.#ready()) return;
      await sleep(50);
    }
    throw new Error(`nats-server did not answer on port ${this.port} within 30 s`);
  }

  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || !isRunning(child)) return;
    const done = exited(child);
    child.kill('SIGKILL');
    await done;
  }

  killNow(): void {
    if (this.#child && isRunning(this.#child)) this.#child.kill('SIGKILL');
  }

  async destroy(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child) await stopChild(child, 5000);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Up, with JetStream answering (it needs a moment after the port opens), and this server. */
  async #ready(): Promise<boolean> {
    const nc = await connect({ servers: this.url, reconnect: false, timeout: 1000 }).catch(() => undefined);
    if (!nc) return false;
    try {
      if (nc.info?.server_name !== this.#name) return false;
      await (await jetstreamManager(nc, { timeout: 1000 })).getAccountInfo();
      return true;
    } catch {
      return false;
    } finally {
      await nc.close().catch(() => undefined);
    }
  }
}
