// Events for benchmarks that publish to a backend directly: the same order event the Redis stream
// benchmark sends, as the worker hands it to a backend (claimed, first attempt). The claimed
// event's shape is core's test fixture (`makeOutboxEvent` from @dispatch/core/testing, core's own build).
const { makeOutboxEvent } = await import(
  new URL('../../packages/core/dist/testing/index.js', import.meta.url)
);

/** The n-th event, with a fresh id (a broker that deduplicates by id must never see one twice). */
export function outboxEvent(n, eventType = 'order.created') {
  return makeOutboxEvent({
    eventType,
    source: 'bench',
    subject: `order/${n}`,
    data: { orderId: n, customer: 'c-1234', total: 99.95, items: [{ sku: 'A-1', qty: 2 }] },
    fields: { tenant: 'acme' },
    lockedUntil: new Date(),
    sequence: n,
  });
}

/** The middle value of `values` ordered by `by` (the upper one of an even count). */
export const median = (values, by = (value) => value) =>
  [...values].sort((a, b) => by(a) - by(b))[Math.floor(values.length / 2)];
