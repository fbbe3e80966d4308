import type { NewEvent, OutboxStore } from '@dispatch/core';
import { makeNewEvent } from '@dispatch/core/testing';
import { expect } from 'vitest';

/**
 * Check a row the ORM's own model of the outbox table (an entity, a Drizzle table, a Prisma model)
 * reads back for `event`, which the store inserted and nothing has claimed: the columns by their
 * model names, `data` as JSON text. `bigint`: the integer columns the model reads as bigint.
 */
export function expectPendingModelRow(
  row: Record<string, unknown> | null | undefined,
  event: NewEvent,
  options: { bigint?: readonly ('createdAt' | 'seq')[] } = {},
): void {
  const big = (column: 'createdAt' | 'seq') => options.bigint?.includes(column) ?? false;
  expect(row).toMatchObject({
    id: event.id,
    eventType: event.eventType,
    orderingKey: event.key ?? null,
    status: 'pending',
    attempts: 0,
    createdAt: big('createdAt') ? BigInt(event.createdAt.getTime()) : event.createdAt.getTime(),
    lockedUntil: null,
  });
  expect(JSON.parse(String(row?.data))).toEqual(event.data);
  expect(typeof row?.seq).toBe(big('seq') ? 'bigint' : 'number');
}

/**
 * The store works end to end on its table: an event inserted (in a caller's transaction when
 * `transaction` is given) is claimed and recorded as published.
 */
export async function expectEndToEnd(
  store: OutboxStore,
  transaction?: <T>(work: (transaction: unknown) => Promise<T>) => Promise<T>,
): Promise<void> {
  const event = makeNewEvent({ key: 'k' });
  const insert = (caller: unknown) => store.insert([event], { transaction: caller, onCommit: () => {} });
  await (transaction ? transaction(insert) : insert(undefined));
  const [claimed] = await store.claim({ owner: 'w1', limit: 1, leaseMs: 10_000 });
  expect(claimed?.id).toBe(event.id);
  expect(await store.record('w1', [{ id: event.id, status: 'published' }])).toEqual({
    applied: [event.id],
    lost: [],
  });
}
