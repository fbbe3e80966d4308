import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRunning, stopChild } from '@dispatch/test-services/processes';
import { deriveSeed } from './prng.js';
import type { ProducerSpec, ProducerSummary } from './producer.js';
import { orderingKeys, type RunNames } from './run-names.js';
import type { StoreName } from './stores/index.js';
import type { Timeline } from './timeline.js';

const PRODUCER = fileURLToPath(new URL('./producer.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

interface Running {
  child: ChildProcess;
  stdout: string;
  spec: ProducerSpec;
}

export interface ProducerOptions {
  count: number;
  seed: number;
  pgUrl: string;
  store: StoreName;
  names: RunNames;
  rate: number;
  /** How many ordering keys the keyed events share. */
  keys: number;
  runDir: string;
  timeline: Timeline;
}

/** The producer processes (see producer.ts); each writes the ids it rolled back to a file of its own. */
export class ProducerPool {
  readonly #running: Running[] = [];
  readonly crashes: string[] = [];

  constructor(private readonly options: ProducerOptions) {}

  start(): void {
    for (let index = 1; index <= this.options.count; index += 1) {
      const spec: ProducerSpec = {
        index,
        seed: deriveSeed(this.options.seed, index),
        pgUrl: this.options.pgUrl,
        store: this.options.store,
        names: this.options.names,
        rate: this.options.rate,
        rollbackShare: 0.1,
        keyedShare: 0.5,
        keys: orderingKeys(this.options.keys),
        rolledBackFile: join(this.options.runDir, `rolled-back-${index}.txt`),
      };
      const log = openSync(join(this.options.runDir, `producer-${index}.log`), 'a');
      const child = spawn(process.execPath, ['--import', TSX, PRODUCER], {
        cwd: this.options.runDir,
        env: { ...process.env, CHAOS_PRODUCER: JSON.stringify(spec) },
        stdio: ['ignore', 'pipe', log],
      });
      closeSync(log);
      const running: Running = { child, stdout: '', spec };
      child.stdout?.on('data', (chunk: Buffer) => {
        running.stdout += chunk.toString();
      });
      child.once('exit', (code, signal) => {
        if (code !== 0) {
          const message = `producer-${index} exited with code ${code}, signal ${signal} (see producer-${index}.log)`;
          this.crashes.push(message);
          this.options.timeline.note(message);
        }
      });
      this.#running.push(running);
    }
  }

  /** SIGKILL every producer now, synchronously (the last resort on a second Ctrl-C). */
  killNow(): void {
    for (const running of this.#running) if (isRunning(running.child)) running.child.kill('SIGKILL');
  }

  get alive(): number {
    return this.#running.filter((running) => isRunning(running.child)).length;
  }

  /** SIGTERM: each finishes its transaction in progress and prints its summary. */
  async stop(): Promise<ProducerSummary[]> {
    await Promise.all(this.#running.map((running) => stopChild(running.child, 20_000)));
    return this.#running.flatMap((running) => {
      const last = running.stdout.trim().split('\n').pop();
      try {
        return last ? [JSON.parse(last) as ProducerSummary] : [];
      } catch {
        return [];
      }
    });
  }

  /** Every id a producer rolled back on purpose. */
  rolledBackIds(): Set<string> {
    const ids = new Set<string>();
    for (const running of this.#running) {
      if (!existsSync(running.spec.rolledBackFile)) continue;
      for (const line of readFileSync(running.spec.rolledBackFile, 'utf8').split('\n')) {
        if (line.trim() !== '') ids.add(line.trim());
      }
    }
    return ids;
  }
}
