/**
 * What the store needs of a Prisma Client, its `$extends` copies and its interactive transactions,
 * told by shape: the client is generated into the application, so this package imports none of it.
 */
export interface PrismaHandle {
  $queryRawUnsafe(query: string, ...values: unknown[]): PromiseLike<unknown>;
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>;
}

/** A Prisma Client as `new PrismaClient({ adapter })` (or `$extends`) returns it. */
export interface PrismaClientLike extends PrismaHandle {
  // biome-ignore lint/suspicious/noExplicitAny: the generated overloads differ per schema; any fits.
  $transaction(...args: any[]): PromiseLike<unknown>;
}

/**
 * The argument lists of `$transaction`'s two overloads (the array form and the callback form; a
 * generated client and an `$extends` copy declare them in different orders).
 */
type TransactionSignatures<C> = C extends {
  $transaction: {
    (...args: infer First): unknown;
    (...args: infer Second): unknown;
  };
}
  ? First | Second
  : never;

/** The callback form's arguments, `[fn, options?]`, out of the overloads. */
type CallbackArgs<A> = A extends [(tx: never) => unknown, ...unknown[]] ? A : never;

/** The transaction client Prisma hands to `prisma.$transaction(async (tx) => ...)` for this client. */
export type TransactionClientOf<C> =
  CallbackArgs<TransactionSignatures<C>> extends [(tx: infer Tx) => unknown, ...unknown[]] ? Tx : never;

/** The options of `prisma.$transaction(fn, options)`: `maxWait`, `timeout`, `isolationLevel`. */
export type TransactionOptionsOf<C> = Exclude<CallbackArgs<TransactionSignatures<C>>[1], undefined>;

function isObject(value: unknown): value is Record<string | symbol, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}

/** A Prisma Client, an extended one, or one of their transactions. */
export function isPrismaHandle(value: unknown): value is PrismaHandle {
  return (
    isObject(value) &&
    typeof value.$queryRawUnsafe === 'function' &&
    typeof value.$executeRawUnsafe === 'function'
  );
}

/**
 * A client rather than a transaction: Prisma leaves `$connect` and `$disconnect` out of the
 * transaction client it hands to `$transaction`'s callback.
 */
export function isPrismaClient(value: unknown): value is PrismaClientLike {
  return (
    isPrismaHandle(value) &&
    typeof (value as unknown as Record<string, unknown>).$connect === 'function' &&
    typeof (value as unknown as Record<string, unknown>).$transaction === 'function'
  );
}

/**
 * What tells two clients' databases apart: the query engine a client, its `$extends` copies and its
 * transactions share (`_engine`). Falls back to the object itself if a Prisma version has none.
 */
export function engineOf(handle: PrismaHandle): object {
  const engine = (handle as unknown as { _engine?: unknown })._engine;
  return isObject(engine) ? engine : handle;
}

/** The driver adapter factory the client was created with (`new PrismaClient({ adapter })`). */
export function adapterOf(handle: PrismaHandle): { provider?: unknown; adapterName?: unknown } | undefined {
  const config = (handle as unknown as { _engineConfig?: { adapter?: unknown } })._engineConfig;
  return isObject(config?.adapter)
    ? (config.adapter as { provider?: unknown; adapterName?: unknown })
    : undefined;
}

/** What a value is, for an error message, without printing any of its contents. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (isPrismaClient(value)) return 'a PrismaClient';
  if (isPrismaHandle(value)) return 'a Prisma transaction client';
  if (typeof value !== 'object') return typeof value;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== 'Object' ? `a ${name}` : 'a plain object';
}
