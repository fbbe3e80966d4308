import type { ListenRequest, SqlRow } from '@dispatch/store-sql';

/**
 * The store's statements on one driver's own client. `connection` is the connection of an open
 * transaction (the caller's or the store's); without one, the statement commits on its own.
 */
export interface DriverRunner {
  query(sql: string, params: readonly unknown[], connection?: unknown): Promise<SqlRow[]>;
  run(sql: string, params: readonly unknown[], connection?: unknown): Promise<number>;
  /** A transaction of the store's own; `work` gets its connection. */
  transaction<T>(
    work: (connection: unknown) => Promise<T>,
    options?: { isolation?: 'read committed' | undefined },
  ): Promise<T>;
  prepared?(name: string, sql: string, params: readonly unknown[]): Promise<SqlRow[]>;
  listen?(request: ListenRequest): Promise<{ close(): Promise<void> }>;
}
