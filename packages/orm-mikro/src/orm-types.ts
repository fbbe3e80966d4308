/**
 * The few MikroORM shapes the store touches, written structurally so that the package type-checks
 * against MikroORM 6 and 7 alike and never imports a driver package.
 */
export type QueryMethod = 'all' | 'get' | 'run';

export interface RunResult {
  affectedRows?: number | undefined;
  rows?: Record<string, unknown>[] | undefined;
}

export interface ConnectionLike {
  execute(sql: string, params?: unknown[], method?: QueryMethod, ctx?: unknown): Promise<unknown>;
  transactional<T>(
    work: (trx: unknown) => Promise<T>,
    options?: { isolationLevel?: string | undefined; ctx?: unknown },
  ): Promise<T>;
  /** MikroORM 6. */
  getKnex?(): unknown;
  /** MikroORM 7: the driver's own client (a pg `Pool` on PostgreSQL). */
  getNativeClient?(): Promise<unknown>;
}

export interface PlatformLike {
  quoteIdentifier(id: string): string;
}

export interface DriverLike {
  /** Maps a driver error to MikroORM's exception classes (`TableNotFoundException`...). */
  convertException?(error: Error): Error;
}

export interface EntityManagerLike {
  getDriver(): DriverLike;
  getConnection(type?: 'read' | 'write'): ConnectionLike;
  getPlatform(): PlatformLike;
  isInTransaction(): boolean;
  getTransactionContext(): unknown;
  getContext?(validate?: boolean): EntityManagerLike;
}

export function isEntityManager(value: unknown): value is EntityManagerLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as EntityManagerLike).getConnection === 'function' &&
    typeof (value as EntityManagerLike).getTransactionContext === 'function'
  );
}
