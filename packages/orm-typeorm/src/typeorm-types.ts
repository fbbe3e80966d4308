/**
 * The few TypeORM shapes the store touches, written structurally so that a second copy of TypeORM
 * (an ESM and a CJS one, or two versions in one tree) is recognised by its brands, not `instanceof`.
 */
export interface QueryResultLike {
  records?: unknown[] | undefined;
  affected?: number | null | undefined;
}

export interface QueryRunnerLike {
  readonly connection: DataSourceLike;
  readonly manager: EntityManagerLike;
  readonly isReleased: boolean;
  isTransactionActive: boolean;
  transactionDepth?: number | undefined;
  query(sql: string, parameters?: unknown[], useStructuredResult?: boolean): Promise<unknown>;
  startTransaction(isolationLevel?: string): Promise<void>;
  commitTransaction(): Promise<void>;
  rollbackTransaction(): Promise<void>;
  release(): Promise<void>;
}

export interface EntityManagerLike {
  readonly connection: DataSourceLike;
  readonly queryRunner?: QueryRunnerLike | undefined;
  transaction(...args: unknown[]): Promise<unknown>;
}

/** What a subscriber's transaction hooks are given. */
export interface TransactionEventLike {
  queryRunner: QueryRunnerLike;
}

/** The transaction hooks of a TypeORM `EntitySubscriberInterface`. */
export interface TransactionSubscriberLike {
  beforeTransactionStart?(event: TransactionEventLike): Promise<unknown> | undefined;
  afterTransactionCommit?(event: TransactionEventLike): Promise<unknown> | undefined;
  afterTransactionRollback?(event: TransactionEventLike): Promise<unknown> | undefined;
}

export interface PgPoolLike {
  query(config: {
    name: string;
    text: string;
    values: unknown[];
  }): Promise<{ rows: Record<string, unknown>[] }>;
  options?: unknown;
}

export interface DriverLike {
  /** PostgreSQL: the pg Pool of the primary server. */
  master?: PgPoolLike | undefined;
  /** PostgreSQL: the loaded `pg` module. */
  postgres?: { Client?: new (settings: unknown) => unknown } | undefined;
}

export interface DataSourceLike {
  readonly options: { readonly type: string; readonly database?: unknown };
  readonly isInitialized: boolean;
  readonly driver: DriverLike;
  readonly manager: EntityManagerLike;
  subscribers: unknown[];
  createQueryRunner(mode?: 'master' | 'slave'): QueryRunnerLike;
  transaction(...args: unknown[]): Promise<unknown>;
}

const brand = (value: unknown, name: string): boolean =>
  typeof value === 'object' &&
  value !== null &&
  (value as { '@instanceof'?: unknown })['@instanceof'] === Symbol.for(name);

export function isDataSource(value: unknown): value is DataSourceLike {
  return brand(value, 'DataSource');
}

export function isEntityManager(value: unknown): value is EntityManagerLike {
  return brand(value, 'EntityManager');
}

/** A query runner of any driver: TypeORM brands none of its query runner classes. */
export function isQueryRunner(value: unknown): value is QueryRunnerLike {
  const runner = value as Partial<QueryRunnerLike> | null;
  return (
    typeof runner === 'object' &&
    runner !== null &&
    !isEntityManager(runner) &&
    isDataSource(runner.connection) &&
    typeof runner.startTransaction === 'function' &&
    typeof runner.commitTransaction === 'function' &&
    typeof runner.query === 'function'
  );
}

/** A short description of a value for an error message. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return 'a function';
  if (typeof value !== 'object') return typeof value === 'string' ? 'a string' : String(value);
  const name = (value as object).constructor?.name;
  return !name || name === 'Object' ? 'a plain object' : `a ${name}`;
}
