import { entityKind } from 'drizzle-orm';

/**
 * The Drizzle entity kinds of `value`'s class chain (`['NodePgSession', 'PgSession']`...). Drizzle
 * tags its classes with these so they can be recognised without importing a driver module, and
 * across duplicate copies of drizzle-orm.
 */
export function drizzleKinds(value: unknown): string[] {
  const kinds: string[] = [];
  if (typeof value !== 'object' || value === null) return kinds;
  for (let proto = Object.getPrototypeOf(value); proto && proto !== Object.prototype; ) {
    const kind = (proto.constructor as Record<symbol, unknown> | undefined)?.[entityKind];
    if (typeof kind === 'string' && !kinds.includes(kind)) kinds.push(kind);
    proto = Object.getPrototypeOf(proto);
  }
  return kinds;
}

/** The session a Drizzle database or transaction runs its queries on (`session` in 0.45). */
export function sessionOf(dbOrTx: unknown): unknown {
  return (dbOrTx as { session?: unknown } | null)?.session;
}

/** The driver connection of a session (`client` in each of the three drivers' sessions). */
export function sessionClient(session: unknown): unknown {
  return (session as { client?: unknown } | null)?.client;
}
