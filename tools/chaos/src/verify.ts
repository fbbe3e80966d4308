import type { BrokerEntry } from './backends/backend-kit.js';
import type { RunNames } from './run-names.js';
import type { TimelineEntry } from './timeline.js';

export type Query = <T>(sql: string) => Promise<T[]>;

/** One line of the result table. `rule: 'zero'` rows are violations when not 0. */
export interface ResultRow {
  name: string;
  value: number;
  rule: 'zero' | 'reported';
  ok: boolean;
}

export interface Duplicate {
  eventId: string;
  /** The broker's ids of its copies. */
  entries: string[];
  /** When the first copy was stored (epoch ms), if the broker records it. */
  time: number | null;
  attempts: number | null;
  /** The harness action closest before the second entry, and the duplicate window it opens. */
  cause: string;
}

export interface OrderViolation {
  key: string;
  eventId: string;
  position: number;
  after: number;
  entry: string;
}

export interface Verdict {
  rows: ResultRow[];
  violations: string[];
  samples: {
    lost: { eventId: string; status: string | null; attempts: number | null }[];
    publishedRolledBack: string[];
    notInLedger: string[];
    mismatched: string[];
    torn: string[];
    duplicates: Duplicate[];
    orderViolations: OrderViolation[];
    stuck: { eventId: string; status: string; attempts: number; key: string | null }[];
    /** Stuck events per ordering key (`(none)` for unkeyed): a backlog on a few keys is per-key ordering at its limit. */
    stuckByKey: Record<string, number>;
    failed: { eventId: string; attempts: number; lastError: string | null }[];
  };
}

interface LedgerRow {
  event_id: string;
  event_type: string;
  ordering_key: string | null;
  key_position: string | null;
}

interface OutboxRow {
  id: string;
  status: string;
  attempts: number;
  ordering_key: string | null;
  last_error: string | null;
}

const SAMPLE = 20;

/** The duplicate window a harness action opens (see docs/concepts.md, "Delivery guarantees"). */
function windowOf(what: string): string {
  if (what.startsWith('SIGKILL')) return 'window 1: published, then the worker died before recording it';
  if (what.startsWith('SIGSTOP') || what.startsWith('SIGCONT'))
    return 'window 3: a worker stalled past its lease while its publish was in flight';
  if (what.startsWith('cut')) return 'window 2: the connection dropped after the append reached the broker';
  if (what.startsWith('restart PostgreSQL'))
    return 'window 1: published, then the outcome could not be recorded';
  if (what.startsWith('restart'))
    return 'window 2: the publish failed on the client but had reached the broker';
  return 'unexplained';
}

function causeOf(entries: readonly BrokerEntry[], timeline: readonly TimelineEntry[]): string {
  const first = entries[0]?.time;
  const second = entries[entries.length - 1]?.time;
  if (first == null || second == null) return 'the broker records no arrival time: cause not attributed';
  const from = first - 2000;
  const to = second;
  const candidates = timeline.filter(
    (item) =>
      item.time >= from && item.time <= to && /^(SIGKILL|SIGSTOP|SIGCONT|restart|cut)/.test(item.what),
  );
  const closest = candidates[candidates.length - 1];
  if (!closest) return 'no harness action between the two appends: unexplained';
  return `${closest.what} at ${(closest.at / 1000).toFixed(1)} s (${windowOf(closest.what)})`;
}

/** Compare the streams with the ledger and the outbox table after the drain. */
export async function verify(input: {
  query: Query;
  /** Every message the broker holds for the run, in the order stored. */
  entries: readonly BrokerEntry[];
  /** Where an event of a type must land (its stream, subject, routing key). */
  destinationOf: (eventType: string) => string;
  names: RunNames;
  rolledBack: ReadonlySet<string>;
  /** Duplicates fail the run only when the backend is idempotent (and that is on). */
  idempotent: boolean;
  /** Why duplicates are only reported, for the row's name: `idempotent append off`, ... */
  duplicatesReported?: string | undefined;
  timeline: readonly TimelineEntry[];
}): Promise<Verdict> {
  const { names, query } = input;
  const ledger = await query<LedgerRow>(
    `SELECT event_id, event_type, ordering_key, key_position FROM ${names.ledger}`,
  );
  const outbox = await query<OutboxRow>(
    `SELECT id, status, attempts, ordering_key, last_error FROM ${names.outbox}`,
  );
  const torn = await query<{ what: string }>(
    `SELECT 'order without ledger row: ' || o.id AS what FROM ${names.orders} o
       LEFT JOIN ${names.ledger} l ON l.order_id = o.id WHERE l.event_id IS NULL
     UNION ALL
     SELECT 'ledger row without order: ' || l.event_id FROM ${names.ledger} l
       LEFT JOIN ${names.orders} o ON o.id = l.order_id WHERE o.id IS NULL
     UNION ALL
     SELECT 'ledger row without outbox event: ' || l.event_id FROM ${names.ledger} l
       LEFT JOIN ${names.outbox} e ON e.id = l.event_id WHERE e.id IS NULL
     UNION ALL
     SELECT 'outbox event without ledger row: ' || e.id FROM ${names.outbox} e
       LEFT JOIN ${names.ledger} l ON l.event_id = e.id WHERE l.event_id IS NULL`,
  );

  const ledgerById = new Map(ledger.map((row) => [row.event_id, row]));
  const outboxById = new Map(outbox.map((row) => [row.id, row]));
  const { entries } = input;
  const entriesById = new Map<string, BrokerEntry[]>();
  for (const entry of entries) {
    const list = entriesById.get(entry.eventId);
    if (list) list.push(entry);
    else entriesById.set(entry.eventId, [entry]);
  }

  const lost: Verdict['samples']['lost'] = [];
  let published = 0;
  for (const row of ledger) {
    if (entriesById.has(row.event_id)) {
      published += 1;
      continue;
    }
    const event = outboxById.get(row.event_id);
    if (event?.status === 'failed') continue; // reported as failed, not lost
    lost.push({ eventId: row.event_id, status: event?.status ?? null, attempts: event?.attempts ?? null });
  }

  const publishedRolledBack = [...input.rolledBack].filter((id) => entriesById.has(id) || outboxById.has(id));
  const notInLedger = [...entriesById.keys()].filter(
    (id) => !ledgerById.has(id) && !input.rolledBack.has(id),
  );
  // The entry must carry what was committed: its type, its key, and land where its type goes.
  const mismatched: string[] = [];
  for (const entry of entries) {
    const row = ledgerById.get(entry.eventId);
    if (!row) continue;
    const problems = [
      entry.eventType !== row.event_type && `event_type ${entry.eventType} (committed ${row.event_type})`,
      entry.key !== row.ordering_key && `key ${entry.key ?? '-'} (committed ${row.ordering_key ?? '-'})`,
      entry.destination !== input.destinationOf(row.event_type) && `in ${entry.destination}`,
    ].filter(Boolean);
    if (problems.length > 0) mismatched.push(`${entry.eventId} at ${entry.id}: ${problems.join(', ')}`);
  }

  const duplicates: Duplicate[] = [];
  let duplicateEntries = 0;
  for (const [eventId, copies] of entriesById) {
    if (copies.length < 2) continue;
    duplicateEntries += copies.length - 1;
    duplicates.push({
      eventId,
      entries: copies.map((entry) => entry.id),
      time: copies[0]?.time ?? null,
      attempts: outboxById.get(eventId)?.attempts ?? null,
      cause: causeOf(copies, input.timeline),
    });
  }

  // Per key, the first appearance of each event must follow the ledger's commit positions.
  const orderViolations: OrderViolation[] = [];
  const seen = new Set<string>();
  const highest = new Map<string, number>();
  for (const entry of entries) {
    if (seen.has(entry.eventId)) continue; // a duplicate: consumers skip it by event_id
    seen.add(entry.eventId);
    const row = ledgerById.get(entry.eventId);
    if (!row?.ordering_key || row.key_position === null) continue;
    const position = Number(row.key_position);
    const before = highest.get(row.ordering_key) ?? 0;
    if (position < before) {
      orderViolations.push({
        key: row.ordering_key,
        eventId: entry.eventId,
        position,
        after: before,
        entry: entry.id,
      });
    } else highest.set(row.ordering_key, position);
  }

  const stuck = outbox
    .filter((row) => row.status !== 'published' && row.status !== 'failed')
    .map((row) => ({ eventId: row.id, status: row.status, attempts: row.attempts, key: row.ordering_key }));
  const stuckByKey: Record<string, number> = {};
  for (const row of stuck) stuckByKey[row.key ?? '(none)'] = (stuckByKey[row.key ?? '(none)'] ?? 0) + 1;
  const failed = outbox
    .filter((row) => row.status === 'failed')
    .map((row) => ({ eventId: row.id, attempts: row.attempts, lastError: row.last_error }));

  const zero = (name: string, value: number): ResultRow => ({ name, value, rule: 'zero', ok: value === 0 });
  const reported = (name: string, value: number): ResultRow => ({ name, value, rule: 'reported', ok: true });
  const rows: ResultRow[] = [
    reported('events committed (ledger)', ledger.length),
    reported('events in transactions rolled back on purpose', input.rolledBack.size),
    reported('entries in the broker', entries.length),
    reported('events published (in the broker)', published),
    zero('lost', lost.length),
    zero('published for rolled-back transactions', publishedRolledBack.length),
    zero('published but not in the ledger', notInLedger.length),
    zero('entries that disagree with the ledger', mismatched.length),
    zero('torn transactions (business, ledger, outbox disagree)', torn.length),
    input.idempotent
      ? zero('duplicate entries', duplicateEntries)
      : reported(
          `duplicate entries (${input.duplicatesReported ?? 'idempotent append off'})`,
          duplicateEntries,
        ),
    zero('per-key order violations', orderViolations.length),
    zero('stuck in a non-final state', stuck.length),
    reported('failed', failed.length),
  ];
  return {
    rows,
    violations: rows.filter((row) => !row.ok).map((row) => `${row.name}: ${row.value}`),
    samples: {
      lost: lost.slice(0, SAMPLE),
      publishedRolledBack: publishedRolledBack.slice(0, SAMPLE),
      notInLedger: notInLedger.slice(0, SAMPLE),
      mismatched: mismatched.slice(0, SAMPLE),
      torn: torn.slice(0, SAMPLE).map((row) => row.what),
      duplicates: duplicates.sort((a, b) => (a.time ?? 0) - (b.time ?? 0)).slice(0, SAMPLE),
      orderViolations: orderViolations.slice(0, SAMPLE),
      stuck: stuck.slice(0, SAMPLE),
      stuckByKey,
      failed: failed.slice(0, SAMPLE),
    },
  };
}
