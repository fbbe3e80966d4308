import { InvalidArgumentError, type Logger } from '@dispatch/core';
import {
  type CallerTransaction,
  type ListenRequest,
  listenWithPgClient,
  questionPlaceholders,
  type SqlDialectName,
  type SqlExecutor,
  type SqlRow,
} from '@dispatch/store-sql';
import { CommitHooks } from './commit-hooks.js';
import type { ConnectionLike, EntityManagerLike, RunResult } from './orm-types.js';
import { isEntityManager } from './orm-types.js';
import { pgClientClass, pgPoolClient } from './pg-client.js';

/**
 * The SQL store's executor on MikroORM: statements run through the ORM connection (in the caller's
 * transaction when there is one), commit hooks come from wrapping that connection, and on
 * PostgreSQL the prepared statements and LISTEN use the pg driver underneath.
 */
export class MikroOrmExecutor implements SqlExecutor {
  readonly dialect: SqlDialectName;
  readonly #em: EntityManagerLike;
  readonly #hooks: CommitHooks;
  /** MikroORM binds `?` on every database. */
  readonly #text: (sql: string) => string;

  constructor(em: EntityManagerLike, dialect: SqlDialectName, logger: Logger) {
    this.dialect = dialect;
    this.#em = em;
    this.#text = dialect === 'postgresql' ? questionPlaceholders : (sql) => sql;
    this.#hooks = new CommitHooks((error) =>
      logger.error({ error: (error as Error)?.message }, 'an onCommit callback threw'),
    );
    // Wrap the connection's begin/commit/rollback now, before the transactions we will be handed start.
    this.#hooks.listen(em);
  }

  #connection(): ConnectionLike {
    return this.#em.getConnection('write');
  }

  async query(sql: string, params: readonly unknown[], transaction?: unknown): Promise<SqlRow[]> {
    const result = await this.#connection().execute(this.#text(sql), [...params], 'all', transaction);
    return (Array.isArray(result) ? result : []) as SqlRow[];
  }

  async run(sql: string, params: readonly unknown[], transaction?: unknown): Promise<number> {
    const result = (await this.#connection().execute(
      this.#text(sql),
      [...params],
      'run',
      transaction,
    )) as RunResult;
    return result.affectedRows ?? 0;
  }

  transaction<T>(
    work: (transaction: unknown) => Promise<T>,
    options?: { isolation?: 'read committed' | undefined },
  ): Promise<T> {
    return this.#connection().transactional(work, { isolationLevel: options?.isolation });
  }

  /** The caller's transaction: explicit `em`, else MikroORM's ambient one, else none. */
  callerTransaction(explicit: unknown): CallerTransaction | undefined {
    let em: EntityManagerLike;
    if (explicit !== undefined && explicit !== null) {
      if (!isEntityManager(explicit)) {
        throw new InvalidArgumentError(
          'The MikroORM store expects { transaction: em } with the EntityManager of your transaction ' +
            '(the `em` that em.transactional() passes to its callback). Nothing was written.',
        );
      }
      em = explicit.getContext?.(false) ?? explicit;
    } else {
      // Ambient: em.transactional() / @Transactional() register their fork in MikroORM's context.
      em = this.#em.getContext?.(false) ?? this.#em;
    }
    if (!em.isInTransaction()) return undefined;
    const handle = em.getTransactionContext();
    return { handle, onCommit: (callback) => this.#hooks.register(em, handle, callback) };
  }

  isMissingTable(error: unknown): boolean {
    // MikroORM maps each driver's "no such table" to TableNotFoundException.
    let converted: unknown = error;
    try {
      if (error instanceof Error) converted = this.#em.getDriver().convertException?.(error) ?? error;
    } catch {
      converted = error;
    }
    for (let proto = Object.getPrototypeOf(converted ?? {}); proto && proto !== Error.prototype; ) {
      if (proto.constructor?.name === 'TableNotFoundException') return true;
      proto = Object.getPrototypeOf(proto);
    }
    return false;
  }

  async prepared(name: string, sql: string, params: readonly unknown[]): Promise<SqlRow[] | undefined> {
    if (this.dialect !== 'postgresql') return undefined;
    return pgPoolClient(this.#connection(), (client) =>
      client.query({ name, text: sql, values: [...params] }),
    );
  }

  async listen(request: ListenRequest): Promise<{ close(): Promise<void> }> {
    const { Client, settings } = await pgClientClass(this.#connection());
    return listenWithPgClient(new Client(settings), request);
  }
}
