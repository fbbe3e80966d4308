/** Where a driver's error sits inside an ORM's own: `cause`, unless the ORM keeps it elsewhere. */
const causeOf = (error: object): unknown => (error as { cause?: unknown }).cause;

/**
 * Whether `error`, or a driver error it wraps, says the table does not exist: node-postgres
 * `42P01`, mysql2 `ER_NO_SUCH_TABLE` (errno 1146), better-sqlite3 `SQLITE_*` "no such table".
 * `wrapped` finds the next error in; five deep at most, so a cycle of causes ends.
 */
export function isMissingTableError(error: unknown, wrapped: (error: object) => unknown = causeOf): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const { code, errno, message } = current as { code?: unknown; errno?: unknown; message?: unknown };
    if (code === '42P01' || code === 'ER_NO_SUCH_TABLE' || errno === 1146) return true;
    if (
      typeof message === 'string' &&
      /no such table/i.test(message) &&
      String(code ?? '').startsWith('SQLITE')
    )
      return true;
    current = wrapped(current as object);
  }
  return false;
}
