import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, freePort, isRunning, run, sleep, stopChild } from './processes.js';

/**
 * A redis-server of the harness's own, on a spare port and a temp folder. The append-only file is
 * fsynced on every write, so a restart (even a SIGKILL) keeps every acknowledged stream entry:
 * what is tested is the outbox, not Redis without persistence.
 */
export class ThrowawayRedis {
  readonly port: number;
  readonly dir: string;
  #child: ChildProcess | undefined;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.dir = dir;
  }

  static async start(): Promise<ThrowawayRedis> {
    const redis = new ThrowawayRedis(await freePort(), mkdtempSync(join(tmpdir(), 'dispatch-chaos-redis-')));
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  async start(): Promise<void> {
    const log = openSync(join(this.dir, 'redis.log'), 'a');
    this.#child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--dir',
        this.dir,
      ],
      { stdio: ['ignore', log, log] },
    );
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (!isRunning(this.#child)) throw new Error(`redis-server exited at start; see ${this.dir}/redis.log`);
      if ((await this.ping()) === 'PONG') return;
      await sleep(50);
    }
    throw new Error(`redis-server did not answer on port ${this.port} within 30 s`);
  }

  /** A crash, not a shutdown: SIGKILL. appendfsync always means nothing acknowledged is lost. */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || !isRunning(child)) return;
    const done = exited(child);
    child.kill('SIGKILL');
    await done;
  }

  /** SIGKILL now, synchronously (the last resort on a second Ctrl-C). */
  killNow(): void {
    if (this.#child && isRunning(this.#child)) this.#child.kill('SIGKILL');
  }

  async ping(): Promise<string> {
    try {
      return (await run('redis-cli', ['-p', String(this.port), 'PING'], { timeoutMs: 2000 })).trim();
    } catch {
      return '';
    }
  }

  async destroy(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child) await stopChild(child, 5000);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
