import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { exited, isRunning, sleep, stopChild } from '@dispatch/test-services/processes';
import type { Timeline } from './timeline.js';

const require = createRequire(import.meta.url);
/** The `dispatch` command of the workspace's worker package (built: `dist/cli.js`). */
export const DISPATCH_CLI = join(dirname(require.resolve('@dispatch/worker/package.json')), 'dist', 'cli.js');

interface Slot {
  index: number;
  generation: number;
  child: ChildProcess;
  log: string;
  /** Set before the harness kills or stops it, so the exit is not counted as a crash. */
  expected: boolean;
}

export interface UnexpectedExit {
  worker: string;
  code: number | null;
  signal: string | null;
  log: string;
  tail: string;
}

/**
 * The `dispatch worker` processes. A worker that exits on its own (not killed by the harness) is
 * recorded with the end of its log and replaced, so one crash does not end the run.
 */
export class WorkerPool {
  readonly unexpectedExits: UnexpectedExit[] = [];
  readonly #slots: Slot[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #paused = new Set<ChildProcess>();
  #active = true;

  constructor(
    private readonly options: {
      configPath: string;
      runDir: string;
      count: number;
      timeline: Timeline;
      signal: AbortSignal;
    },
  ) {
    // Cancelled: a worker exiting now (the terminal's Ctrl-C reached it too) is not a crash.
    options.signal.addEventListener('abort', () => (this.#active = false), { once: true });
  }

  /** SIGKILL every worker now, synchronously (the last resort on a second Ctrl-C). */
  killNow(): void {
    this.#active = false;
    for (const slot of this.#slots) if (isRunning(slot.child)) slot.child.kill('SIGKILL');
  }

  get size(): number {
    return this.options.count;
  }

  start(): void {
    for (let i = 0; i < this.options.count; i += 1) this.#spawn(i, 1);
  }

  name(index: number): string {
    const slot = this.#slots[index];
    return slot ? `worker-${index + 1}.${slot.generation}` : `worker-${index + 1}`;
  }

  /** The process id of the worker in a slot (its lease owner token contains it). */
  pid(index: number): number | undefined {
    return this.#slots[index]?.child.pid;
  }

  /** SIGKILL, then a replacement in the same slot. */
  async kill(index: number): Promise<void> {
    const slot = this.#slots[index];
    if (!slot) return;
    slot.expected = true;
    const done = exited(slot.child);
    slot.child.kill('SIGKILL');
    await done;
    this.#paused.delete(slot.child);
    if (this.#active) this.#spawn(index, slot.generation + 1);
  }

  /** SIGSTOP now and SIGCONT after `ms` (past the lease, so another worker takes its events over). */
  pause(index: number, ms: number): string {
    const slot = this.#slots[index];
    if (!slot || !isRunning(slot.child)) return 'not running';
    const child = slot.child;
    const name = this.name(index);
    child.kill('SIGSTOP');
    this.#paused.add(child);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#paused.delete(child);
      if (isRunning(child)) {
        child.kill('SIGCONT');
        this.options.timeline.note(`SIGCONT ${name}`);
      }
    }, ms);
    this.#timers.add(timer);
    return name;
  }

  /** Resume everything paused now (the chaos phase is over). */
  resumeAll(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const child of this.#paused) {
      if (isRunning(child)) child.kill('SIGCONT');
    }
    if (this.#paused.size > 0) this.options.timeline.note(`SIGCONT ${this.#paused.size} paused worker(s)`);
    this.#paused.clear();
  }

  /** SIGTERM every worker (a graceful stop), SIGKILL after `graceMs`. */
  async stopAll(graceMs: number): Promise<void> {
    this.#active = false;
    this.resumeAll();
    await Promise.all(
      this.#slots.map((slot) => {
        slot.expected = true;
        return stopChild(slot.child, graceMs);
      }),
    );
  }

  #spawn(index: number, generation: number): void {
    const log = join(this.options.runDir, `worker-${index + 1}.${generation}.log`);
    const fd = openSync(log, 'a');
    const child = spawn(process.execPath, [DISPATCH_CLI, 'worker', '--config', this.options.configPath], {
      cwd: this.options.runDir,
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    const slot: Slot = { index, generation, child, log, expected: false };
    this.#slots[index] = slot;
    child.once('exit', (code, signal) => {
      if (slot.expected || !this.#active) return;
      const tail = readFileSync(log, 'utf8').slice(-2000);
      const name = `worker-${index + 1}.${generation}`;
      this.unexpectedExits.push({ worker: name, code, signal, log, tail });
      this.options.timeline.note(`${name} exited on its own (code ${code}, signal ${signal}); replacing it`);
      void sleep(1000).then(() => {
        if (this.#active && this.#slots[index] === slot) this.#spawn(index, generation + 1);
      });
    });
  }
}
