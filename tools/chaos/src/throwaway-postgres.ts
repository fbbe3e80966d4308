import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, run } from './processes.js';

const BIN = process.env.CHAOS_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/**
 * A PostgreSQL cluster of the harness's own (initdb + pg_ctl) on a spare port and a temp folder.
 * initdb refuses to run as root, so as root every command runs as the `postgres` user.
 */
export class ThrowawayPostgres {
  readonly port: number;
  readonly dir: string;
  #running = false;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.dir = dir;
  }

  static async start(): Promise<ThrowawayPostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'dispatch-chaos-pg-'));
    const pg = new ThrowawayPostgres(await freePort(), dir);
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

  get #data(): string {
    return join(this.dir, 'data');
  }

  async start(): Promise<void> {
    // fsync off: the harness crashes processes, never the OS, so the page cache survives every restart.
    const settings = [
      `-p ${this.port}`,
      '-c listen_addresses=127.0.0.1',
      `-c unix_socket_directories=${this.dir}`,
      '-c fsync=off',
      '-c max_connections=200',
    ].join(' ');
    await this.#as('pg_ctl', [
      '-D',
      this.#data,
      '-l',
      join(this.dir, 'postgres.log'),
      '-w',
      '-t',
      '60',
      '-o',
      settings,
      'start',
    ]);
    this.#running = true;
  }

  /** `immediate` is a crash (recovery at the next start); `fast` is a clean shutdown. */
  async stop(mode: 'immediate' | 'fast'): Promise<void> {
    await this.#as('pg_ctl', ['-D', this.#data, '-m', mode, '-w', '-t', '60', 'stop']);
    this.#running = false;
  }

  /** Stop it synchronously (the last resort on a second Ctrl-C); the folder stays. */
  stopNow(): void {
    const args = ['-D', this.#data, '-m', 'immediate', '-w', '-t', '10', 'stop'];
    const binary = join(BIN, 'pg_ctl');
    if (process.getuid?.() === 0)
      execFileSync('runuser', ['-u', 'postgres', '--', binary, ...args], { stdio: 'ignore' });
    else execFileSync(binary, args, { stdio: 'ignore' });
  }

  async destroy(): Promise<void> {
    if (this.#running) await this.stop('immediate').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  #as(command: string, args: string[]): Promise<string> {
    const binary = join(BIN, command);
    if (process.getuid?.() === 0)
      return run('runuser', ['-u', 'postgres', '--', binary, ...args], { timeoutMs: 90_000 });
    return run(binary, args, { timeoutMs: 90_000 });
  }
}
