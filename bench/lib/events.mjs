// Events for benchmarks that publish to a backend directly: the same order event the Redis stream
// benchmark sends, as the worker hands it to a backend (claimed, first attempt).
import { randomUUID } from 'node:crypto';

/** The n-th event, with a fresh id (a broker that deduplicates by id must never see one twice). */
export function outboxEvent(n, eventType = 'order.created') {
  const now = new Date();
  return {
    id: randomUUID(),
    specVersion: '1.0',
    eventType,
    source: 'bench',
    subject: `order/${n}`,
    dataContentType: 'application/json',
    dataSchema: null,
    data: { orderId: n, customer: 'c-1234', total: 99.95, items: [{ sku: 'A-1', qty: 2 }] },
    key: null,
    extensions: {},
    fields: { tenant: 'acme' },
    backend: 'default',
    maxRetries: 3,
    createdAt: now,
    status: 'processing',
    attempts: 1,
    availableAt: now,
    publishedAt: null,
    updatedAt: now,
    lastError: null,
    history: [],
    lockedUntil: now,
    sequence: n,
  };
}

/** The middle value of `values` ordered by `by` (the upper one of an even count). */
export const median = (values, by = (value) => value) =>
  [...values].sort((a, b) => by(a) - by(b))[Math.floor(values.length / 2)];
