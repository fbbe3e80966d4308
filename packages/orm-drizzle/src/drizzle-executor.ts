import { InvalidArgumentError, type Logger } from '@dispatch/core';
import {
  type CallerTransaction,
  isMissingTableError as isSqlMissingTableError,
  type ListenRequest,
  type SqlDialectName,
  type SqlExecutor,
  type SqlRow,
} from '@dispatch/store-sql';
import type { DriverRunner } from './driver-runner.js';
import { drizzleKinds } from './drizzle-kinds.js';
import { mysqlRunner } from './mysql-runner.js';
import { pgRunner } from './pg-runner.js';
import { sqliteRunner } from './sqlite-runner.js';
import { ambientFrame, registry, type TransactionFrame } from './transaction-frames.js';

const RUNNERS: Record<SqlDialectName, (client: unknown) => DriverRunner> = {
  postgresql: pgRunner,
  mysql: mysqlRunner,
  sqlite: sqliteRunner,
};

/** A transaction of the store's own: its connection, told apart from a caller's frame. */
class OwnTransaction {
  constructor(readonly connection: unknown) {}
}

const NOT_OURS =
  'Nothing was written. Open the transaction with withOutboxTransaction(db, async (tx) => ...) from @dispatch/orm-drizzle ' +
  'and pass that tx (or leave { transaction } out inside it): the store cannot see when a plain db.transaction() commits, ' +
  "so the events' created hooks and worker wake-ups would have nothing to wait for.";

/** Driver error codes for "no such table", also when Drizzle wraps the driver's error (`cause`). */
export function isMissingTableError(error: unknown): boolean {
  return isSqlMissingTableError(error);
}

/**
 * The SQL store's executor on Drizzle: the statements the store renders go to the driver client
 * under `db` (`db.$client`) with their parameters bound by the driver, never spliced into the
 * text; in a caller's transaction they go to that transaction's connection.
 */
export class DrizzleExecutor implements SqlExecutor {
  readonly dialect: SqlDialectName;
  readonly #client: object;
  readonly #runner: DriverRunner;
  readonly #logger: Logger;
  readonly prepared?: (name: string, sql: string, params: readonly unknown[]) => Promise<SqlRow[]>;
  readonly listen?: (request: ListenRequest) => Promise<{ close(): Promise<void> }>;

  constructor(client: object, dialect: SqlDialectName, logger: Logger) {
    this.dialect = dialect;
    this.#client = client;
    this.#runner = RUNNERS[dialect](client);
    this.#logger = logger;
    const { prepared, listen } = this.#runner;
    if (prepared) this.prepared = (name, sql, params) => prepared(name, sql, params);
    if (listen) this.listen = (request) => listen(request);
  }

  #connection(transaction: unknown): unknown {
    if (transaction instanceof OwnTransaction) return transaction.connection;
    return (transaction as TransactionFrame | undefined)?.connection;
  }

  query(sql: string, params: readonly unknown[], transaction?: unknown): Promise<SqlRow[]> {
    return this.#runner.query(sql, params, this.#connection(transaction));
  }

  run(sql: string, params: readonly unknown[], transaction?: unknown): Promise<number> {
    return this.#runner.run(sql, params, this.#connection(transaction));
  }

  transaction<T>(
    work: (transaction: unknown) => Promise<T>,
    options?: { isolation?: 'read committed' | undefined },
  ): Promise<T> {
    return this.#runner.transaction((connection) => work(new OwnTransaction(connection)), options);
  }

  /** The caller's transaction: an explicit `tx` of `withOutboxTransaction`, else the ambient one. */
  callerTransaction(explicit: unknown): CallerTransaction | undefined {
    const frame =
      explicit === undefined || explicit === null ? ambientFrame(this.#client) : this.#frameOf(explicit);
    if (!frame) return undefined;
    return {
      handle: frame,
      onCommit: (callback) => {
        if (!frame.open) {
          throw new InvalidArgumentError('The transaction ended before the event was registered.');
        }
        frame.callbacks.push(() => {
          try {
            callback();
          } catch (error) {
            this.#logger.error({ error: (error as Error)?.message }, 'an onCommit callback threw');
          }
        });
      },
    };
  }

  #frameOf(explicit: unknown): TransactionFrame {
    const frame = typeof explicit === 'object' ? registry.frames.get(explicit as object) : undefined;
    if (!frame) {
      const kinds = drizzleKinds(explicit);
      const what = kinds.some((kind) => kind.endsWith('Transaction'))
        ? 'a Drizzle transaction that withOutboxTransaction did not open'
        : kinds.length > 0
          ? `a ${kinds[0]}, not a transaction`
          : 'not a Drizzle transaction';
      throw new InvalidArgumentError(
        `The Drizzle outbox store got { transaction } that is ${what}. ${NOT_OURS}`,
      );
    }
    if (frame.client !== this.#client) {
      throw new InvalidArgumentError(
        'The Drizzle outbox store got { transaction } of another database (a different db.$client than the store was given). Nothing was written.',
      );
    }
    if (!frame.open) {
      throw new InvalidArgumentError(
        'The Drizzle outbox store got { transaction } of a transaction that has already committed or rolled back. Nothing was written.',
      );
    }
    return frame;
  }

  isMissingTable(error: unknown): boolean {
    return isMissingTableError(error);
  }
}
