/** Event types; each is a stream of its own (`<stream prefix><event type>`). */
export const EVENT_TYPES = ['order.created', 'payment.captured', 'shipment.sent'] as const;

/** How many ordering keys the keyed events share unless `--keys` or `--hot-key` says otherwise. */
export const DEFAULT_KEY_COUNT = 8;

/** The small set of ordering keys: `customer-1` to `customer-<count>`. */
export function orderingKeys(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `customer-${i + 1}`);
}

/**
 * A key always goes with one event type, so all of a key's events land in one stream and their
 * order there is the order a consumer sees (entry ids of two streams cannot be compared).
 */
export function eventTypeOfKey(key: string): string {
  const index = Number(/^customer-(\d+)$/.exec(key)?.[1] ?? 1) - 1;
  return EVENT_TYPES[Math.max(0, index) % EVENT_TYPES.length] as string;
}

/**
 * Table and stream names of one run. Every run has its own, so runs against a shared PostgreSQL
 * or Redis (`--pg-url`, `--redis-url`) never see each other's rows or entries.
 */
export interface RunNames {
  runId: string;
  outbox: string;
  orders: string;
  ledger: string;
  keyPositions: string;
  streamPrefix: string;
}

export function runNames(runId: string): RunNames {
  const prefix = `chaos_${runId}`;
  return {
    runId,
    outbox: `${prefix}_outbox`,
    orders: `${prefix}_orders`,
    ledger: `${prefix}_ledger`,
    keyPositions: `${prefix}_key_positions`,
    streamPrefix: `chaos:${runId}:`,
  };
}

export function streamNames(names: RunNames): string[] {
  return EVENT_TYPES.map((type) => `${names.streamPrefix}${type}`);
}

/** The business table, the ledger, and the per-key commit counter. */
export function ledgerSchemaSql(names: RunNames): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${names.orders} (
  id VARCHAR(64) PRIMARY KEY,
  producer INTEGER NOT NULL,
  amount INTEGER NOT NULL
)`,
    `CREATE TABLE IF NOT EXISTS ${names.ledger} (
  event_id VARCHAR(128) PRIMARY KEY,
  order_id VARCHAR(64) NOT NULL,
  event_type VARCHAR(255) NOT NULL,
  ordering_key VARCHAR(255) NULL,
  key_position BIGINT NULL,
  producer INTEGER NOT NULL
)`,
    `CREATE TABLE IF NOT EXISTS ${names.keyPositions} (
  ordering_key VARCHAR(255) PRIMARY KEY,
  position BIGINT NOT NULL
)`,
  ];
}

export function dropSql(names: RunNames): string[] {
  return [names.orders, names.ledger, names.keyPositions, names.outbox].map(
    (table) => `DROP TABLE IF EXISTS ${table} CASCADE`,
  );
}
