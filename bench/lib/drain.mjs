// A PostgreSQL outbox backlog drained by one worker in the benchmark's process, for any backend:
// the drain bench/worker measures for Redis, with the backend left to the caller.
import { setTimeout as sleep } from 'node:timers/promises';

const NOW = '(floor(extract(epoch from statement_timestamp()) * 1000))::bigint';
export const DRAIN_EVENT_TYPE = 'bench.event';

/**
 * Write `count` events through the store's own insert, 1,000 per call; `keyOf(n)` is the ordering
 * key of the n-th (null: none). Returns each event's id and key, in write order.
 */
export async function fillOutbox(dispatch, count, keyOf = () => null) {
  const written = [];
  for (let start = 0; start < count; start += 1000) {
    const inputs = Array.from({ length: Math.min(1000, count - start) }, (_, i) => ({
      eventType: DRAIN_EVENT_TYPE,
      source: 'bench',
      subject: `order/${start + i}`,
      key: keyOf(start + i),
      data: { orderId: start + i, customer: 'c-1234', total: 99.95, items: [{ sku: 'A-1', qty: 2 }] },
    }));
    const events = await dispatch.publisher.publishEvents(inputs);
    written.push(...events.map((event, i) => ({ id: event.id, key: inputs[i].key })));
  }
  return written;
}

/** Every row back to a due `pending` and the table vacuumed: the same start for every drain. */
export async function resetOutbox(pool, table) {
  await pool.query(
    `UPDATE "${table}" SET status = 'pending', attempts = 0, lease_owner = NULL, locked_until = NULL,
       published_at = NULL, last_error = NULL, available_at = ${NOW} - 1000, updated_at = ${NOW}`,
  );
  await pool.query(`VACUUM ANALYZE "${table}"`);
}

export async function publishedCount(pool, table) {
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${table}" WHERE status = 'published'`);
  return rows[0].n;
}

/**
 * One `Worker` (the class from @dispatch/worker) drains `dispatch`'s table of its `events`; the
 * clock starts once store and backend are connected and stops when the worker's metrics count every
 * event published, or after `timeoutSeconds` (then `rate` is what it published so far). Closes
 * `dispatch`.
 */
export async function workerDrain(Worker, dispatch, { events, timeoutSeconds = Number.POSITIVE_INFINITY }) {
  const worker = new Worker(dispatch, { cleanup: false, statsInterval: 0 });
  // Connect outside the timing, as a long-running worker would be.
  await dispatch.store.stats();
  await dispatch.backends.get('default').health();
  const started = performance.now();
  const deadline = started + timeoutSeconds * 1000;
  const running = worker.run();
  const published = () =>
    worker.metrics.value('dispatch_events_published_total', {
      backend: 'default',
      event_type: DRAIN_EVENT_TYPE,
    });
  while (published() < events && performance.now() < deadline) await sleep(5);
  const seconds = (performance.now() - started) / 1000;
  const count = Math.min(events, published());
  await worker.stop();
  await running;
  await dispatch.close();
  return { rate: count / seconds, seconds, published: count, finished: count >= events };
}
