import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killOnExit, logTail, run } from './processes.js';
import { sparePort } from './spare-port.js';

/** Where Debian installs PostgreSQL 15's server programs. */
export const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';

export interface PostgresServerOptions {
  /** The folder of `initdb` and `pg_ctl`. Default `/usr/lib/postgresql/15/bin`. */
  bin?: string | undefined;
  /** Extra server settings, as `-c name=value` lines. */
  settings?: string[] | undefined;
  /** Prefix of its temp folder. */
  dirPrefix?: string | undefined;
}

/**
 * A throwaway PostgreSQL cluster (initdb + pg_ctl) on a spare port and a temp folder, user
 * `postgres` with trust auth. initdb refuses to run as root, so as root every command runs as the
 * `postgres` user. fsync is off: the processes are crashed, never the OS, so the page cache
 * survives every restart. A failed start quotes the end of `postgres.log`; a cluster still running
 * when this process exits is stopped.
 */
export class PostgresServer {
  readonly port: number;
  readonly dir: string;
  readonly #bin: string;
  readonly #settings: string[];
  #running = false;
  #unregister: (() => void) | undefined;

  private constructor(port: number, dir: string, options: PostgresServerOptions) {
    this.port = port;
    this.dir = dir;
    this.#bin = options.bin ?? POSTGRES_BIN;
    this.#settings = options.settings ?? [];
  }

  static async start(options: PostgresServerOptions = {}): Promise<PostgresServer> {
    const dir = mkdtempSync(join(tmpdir(), options.dirPrefix ?? 'dispatch-pg-'));
    const pg = new PostgresServer(await sparePort(), dir, options);
    try {
      if (process.getuid?.() === 0) {
        const uid = Number((await run('id', ['-u', 'postgres'])).trim());
        const gid = Number((await run('id', ['-g', 'postgres'])).trim());
        chownSync(dir, uid, gid);
      }
      await pg.#as('initdb', ['-D', pg.#data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
      await pg.start();
      return pg;
    } catch (error) {
      await pg.destroy();
      throw error;
    }
  }

  get url(): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/postgres`;
  }

  get running(): boolean {
    return this.#running;
  }

  get #data(): string {
    return join(this.dir, 'data');
  }

  get #log(): string {
    return join(this.dir, 'postgres.log');
  }

  async start(): Promise<void> {
    const settings = [
      `-p ${this.port}`,
      '-c listen_addresses=127.0.0.1',
      `-c unix_socket_directories=${this.dir}`,
      '-c fsync=off',
      '-c max_connections=200',
      ...this.#settings.map((setting) => `-c ${setting}`),
    ].join(' ');
    try {
      await this.#as('pg_ctl', [
        '-D',
        this.#data,
        '-l',
        this.#log,
        '-w',
        '-t',
        '60',
        '-o',
        settings,
        'start',
      ]);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${logTail(this.#log)}`);
    }
    this.#running = true;
    this.#unregister = killOnExit(() => this.stopNow());
  }

  /** `immediate` is a crash (recovery at the next start); `fast` is a clean shutdown. */
  async stop(mode: 'immediate' | 'fast'): Promise<void> {
    await this.#as('pg_ctl', ['-D', this.#data, '-m', mode, '-w', '-t', '60', 'stop']);
    this.#running = false;
    this.#unregister?.();
  }

  /** Stop it synchronously (a last resort on a second Ctrl-C); the folder stays. */
  stopNow(): void {
    const args = ['-D', this.#data, '-m', 'immediate', '-w', '-t', '10', 'stop'];
    const binary = join(this.#bin, 'pg_ctl');
    if (process.getuid?.() === 0)
      execFileSync('runuser', ['-u', 'postgres', '--', binary, ...args], { stdio: 'ignore' });
    else execFileSync(binary, args, { stdio: 'ignore' });
  }

  async destroy(): Promise<void> {
    if (this.#running) await this.stop('immediate').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  #as(command: string, args: string[]): Promise<string> {
    const binary = join(this.#bin, command);
    if (process.getuid?.() === 0)
      return run('runuser', ['-u', 'postgres', '--', binary, ...args], { timeoutMs: 90_000 });
    return run(binary, args, { timeoutMs: 90_000 });
  }
}
