import type { SqlDialectName } from '../executor.js';

/** What the race group tells one claimer process to do (its one argument, as JSON). */
export interface ClaimerJob {
  /** Absolute path of the adapter's claimer module. */
  module: string;
  tableName: string;
  dialect: SqlDialectName;
  context: unknown;
  owner: string;
  /** `publish`: claim, publish and record until the outbox is drained; `crash`: claim once and exit. */
  mode: 'publish' | 'crash';
  batch: number;
  leaseMs: number;
}

/** What a claimer process reports on stdout (one line after `REPORT_PREFIX`). */
export interface ClaimerReport {
  owner: string;
  claimed: string[];
  published: string[];
}

/** On stderr once the store is up; the process then waits for a line on stdin to start. */
export const READY_LINE = 'dispatch-claimer: ready';
/** Starts the report line on stdout, so whatever the ORM prints there is left alone. */
export const REPORT_PREFIX = 'dispatch-claimer-report: ';
