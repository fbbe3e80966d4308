import { appendFileSync } from 'node:fs';
import { redisStreamBackend } from '@dispatch/backend-redis-stream';
import { createDispatch } from '@dispatch/core';
import { Prng } from './prng.js';
import { EVENT_TYPES, eventTypeOfKey, type RunNames } from './run-names.js';
import { STORES, type StoreName } from './stores/index.js';
import { type BusinessWrite, RollbackOnPurpose } from './stores/store-kit.js';

/** What the harness hands a producer process (as JSON in CHAOS_PRODUCER). */
export interface ProducerSpec {
  index: number;
  seed: number;
  pgUrl: string;
  /** The ORM the business transactions run in. */
  store: StoreName;
  names: RunNames;
  /** Transactions per second to aim for. */
  rate: number;
  rollbackShare: number;
  keyedShare: number;
  /** The ordering keys a keyed event picks from (one: every keyed event on the same key). */
  keys: string[];
  /** Ids of events whose transaction was rolled back on purpose, one per line. */
  rolledBackFile: string;
}

/** What a producer prints as its last line. */
export interface ProducerSummary {
  index: number;
  /** Transactions committed (as far as the producer knows: a COMMIT cut off by a restart counts as an error). */
  committed: number;
  /** Events in those transactions. */
  events: number;
  rolledBack: number;
  errors: number;
  lastError: string | null;
}

const spec = JSON.parse(process.env.CHAOS_PRODUCER ?? 'null') as ProducerSpec | null;
if (!spec) throw new Error('producer.ts runs as a child of the chaos harness (CHAOS_PRODUCER is missing)');

/**
 * The first connection is retried: a producer may start while the round restarts PostgreSQL, and
 * one that gave up there would leave the round without its load.
 */
async function openStore() {
  const kit = await STORES[spec!.store]();
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await kit.open({ pgUrl: spec!.pgUrl, names: spec!.names, poolSize: 2, runDir: process.cwd() });
    } catch (error) {
      if (Date.now() > deadline) throw error;
      process.stderr.write(
        `opening the store failed, retrying: ${error instanceof Error ? error.message : error}\n`,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

const opened = await openStore();
// Only the store is needed to publish: no backend connection is ever opened here.
const dispatch = await createDispatch({
  OUTBOX_PUBLISHERS: { default: { BACKEND: redisStreamBackend, OPTIONS: {} } },
  OUTBOX_STORE: opened.store,
  LOGGING: { LEVEL: 'warn' },
});

const prng = new Prng(spec.seed);
const summary: ProducerSummary = {
  index: spec.index,
  committed: 0,
  events: 0,
  rolledBack: 0,
  errors: 0,
  lastError: null,
};
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => (stopping = true));

/**
 * One business transaction: an order, its events (one, or a few in one call), the key's next commit
 * positions, and a ledger row per event. The key positions are taken after publishEvent(s), so the
 * store's own per-key serialisation decides the order and the ledger only records it: a store that
 * let two writers of a key interleave would show up as an order violation.
 */
async function transaction(n: number): Promise<void> {
  const key = prng.chance(spec!.keyedShare) ? prng.pick(spec!.keys) : null;
  const eventType = key ? eventTypeOfKey(key) : prng.pick(EVENT_TYPES);
  const count = prng.chance(0.25) ? prng.int(2, 4) : 1;
  const rollback = prng.chance(spec!.rollbackShare);
  const amount = prng.int(1, 10_000);
  const orderId = `p${spec!.index}-${n}`;
  const plan: BusinessWrite = {
    order: { id: orderId, producer: spec!.index, amount },
    eventType,
    key,
    inputs: Array.from({ length: count }, (_, i) => ({
      eventType,
      source: 'chaos',
      subject: orderId,
      key,
      data: { orderId, amount, producer: spec!.index, part: i + 1, of: count },
    })),
    rollback,
    eventIds: [],
  };
  try {
    await opened.write(dispatch, plan);
    summary.committed += 1;
    summary.events += count;
  } catch (error) {
    if (error instanceof RollbackOnPurpose) {
      // Recorded outside the transaction, after it was rolled back: COMMIT was never sent.
      appendFileSync(spec!.rolledBackFile, plan.eventIds.map((id) => `${id}\n`).join(''));
      summary.rolledBack += 1;
      return;
    }
    // A PostgreSQL restart: the transaction failed (or its COMMIT's outcome is unknown). Either
    // way the ledger rows share the events' fate, so the check stays exact.
    summary.errors += 1;
    summary.lastError = error instanceof Error ? error.message : String(error);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const interval = 1000 / spec.rate;
let next = performance.now();
for (let n = 1; !stopping; n += 1) {
  await transaction(n);
  next += interval;
  const wait = next - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  else if (wait < -1000) next = performance.now(); // fell behind (an outage): do not burst to catch up
}

process.stdout.write(`${JSON.stringify(summary)}\n`);
// Closing is bounded: after a PostgreSQL restart, node-postgres's pool.end() can wait forever for a
// client whose connection died (brianc/node-postgres#2648), and the summary is already out.
const settled = (work: Promise<unknown>) =>
  Promise.race([work.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 5000))]);
await settled(dispatch.close());
await settled(opened.close());
process.exit(0);
