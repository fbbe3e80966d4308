import { describe, expect, it } from 'vitest';
import type { BrokerEntry } from './backends/backend-kit.js';
import { runNames } from './run-names.js';
import { type Query, verify } from './verify.js';

const names = runNames('test');

/** A ledger, an outbox table and what one broker destination holds, in memory: checks the checker itself. */
function fixture(input: {
  ledger: { id: string; key?: string; position?: number }[];
  outbox: { id: string; status: string }[];
  stream: { id: string; key?: string }[];
}) {
  const query: Query = async <T>(sql: string) => {
    if (sql.includes(`FROM ${names.ledger}`) && sql.startsWith('SELECT event_id')) {
      return input.ledger.map((row) => ({
        event_id: row.id,
        event_type: 'order.created',
        ordering_key: row.key ?? null,
        key_position: row.position === undefined ? null : String(row.position),
      })) as T[];
    }
    if (sql.startsWith('SELECT id, status')) {
      return input.outbox.map((row) => ({
        ...row,
        attempts: 1,
        ordering_key: null,
        last_error: null,
      })) as T[];
    }
    return [] as T[]; // no torn transactions
  };
  const entries: BrokerEntry[] = input.stream.map((entry, i) => ({
    destination: 'chaos:test:order.created',
    id: `${1000 + i}-0`,
    time: 1000 + i,
    eventId: entry.id,
    eventType: 'order.created',
    key: entry.key ?? null,
  }));
  return { query, entries };
}

const run = (f: ReturnType<typeof fixture>, rolledBack: string[] = [], idempotent = true) =>
  verify({
    ...f,
    destinationOf: (eventType) => `chaos:test:${eventType}`,
    names,
    rolledBack: new Set(rolledBack),
    idempotent,
    timeline: [],
  });

const value = (verdict: Awaited<ReturnType<typeof verify>>, name: string) =>
  verdict.rows.find((row) => row.name.startsWith(name))?.value;

describe('verify', () => {
  it('passes when the stream holds exactly the ledger, in key order', async () => {
    const verdict = await run(
      fixture({
        ledger: [{ id: 'a', key: 'k', position: 1 }, { id: 'b', key: 'k', position: 2 }, { id: 'c' }],
        outbox: ['a', 'b', 'c'].map((id) => ({ id, status: 'published' })),
        stream: [{ id: 'c' }, { id: 'a', key: 'k' }, { id: 'b', key: 'k' }],
      }),
    );
    expect(verdict.violations).toEqual([]);
  });

  it('finds lost, duplicated, misordered, stuck and rolled-back events', async () => {
    const verdict = await run(
      fixture({
        ledger: [
          { id: 'a', key: 'k', position: 1 },
          { id: 'b', key: 'k', position: 2 },
          { id: 'lost' },
          { id: 'failed' },
        ],
        outbox: [
          { id: 'a', status: 'published' },
          { id: 'b', status: 'published' },
          { id: 'lost', status: 'processing' },
          { id: 'failed', status: 'failed' },
        ],
        stream: [{ id: 'b', key: 'k' }, { id: 'a', key: 'k' }, { id: 'b', key: 'k' }, { id: 'rolled' }],
      }),
      ['rolled'],
    );
    expect(value(verdict, 'lost')).toBe(1);
    expect(value(verdict, 'duplicate entries')).toBe(1);
    expect(value(verdict, 'per-key order violations')).toBe(1);
    expect(value(verdict, 'stuck')).toBe(1);
    expect(value(verdict, 'failed')).toBe(1);
    expect(value(verdict, 'published for rolled-back')).toBe(1);
    expect(verdict.samples.orderViolations[0]).toMatchObject({
      key: 'k',
      eventId: 'a',
      position: 1,
      after: 2,
    });
  });

  it('finds an entry whose key is not the committed one', async () => {
    const verdict = await run(
      fixture({
        ledger: [{ id: 'a', key: 'k', position: 1 }],
        outbox: [{ id: 'a', status: 'published' }],
        stream: [{ id: 'a', key: 'other' }],
      }),
    );
    expect(value(verdict, 'entries that disagree')).toBe(1);
    expect(verdict.samples.mismatched[0]).toContain('key other (committed k)');
  });

  it('reports duplicates without failing when idempotent append is off', async () => {
    const verdict = await run(
      fixture({
        ledger: [{ id: 'a' }],
        outbox: [{ id: 'a', status: 'published' }],
        stream: [{ id: 'a' }, { id: 'a' }],
      }),
      [],
      false,
    );
    expect(verdict.violations).toEqual([]);
    expect(value(verdict, 'duplicate entries')).toBe(1);
  });

  it('on a backend that is not idempotent: duplicates reported, order on each first copy', async () => {
    const verdict = await verify({
      ...fixture({
        ledger: [
          { id: 'a', key: 'k', position: 1 },
          { id: 'b', key: 'k', position: 2 },
        ],
        outbox: ['a', 'b'].map((id) => ({ id, status: 'published' })),
        // a's second copy after b: a redelivery, not a reordering.
        stream: [
          { id: 'a', key: 'k' },
          { id: 'b', key: 'k' },
          { id: 'a', key: 'k' },
        ],
      }),
      destinationOf: (eventType) => `chaos:test:${eventType}`,
      names,
      rolledBack: new Set(),
      idempotent: false,
      duplicatesReported: 'RabbitMQ is not idempotent',
      timeline: [],
    });
    expect(verdict.violations).toEqual([]);
    expect(value(verdict, 'duplicate entries (RabbitMQ is not idempotent)')).toBe(1);
    expect(value(verdict, 'per-key order violations')).toBe(0);
  });
});
