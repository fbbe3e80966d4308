import { UnknownBackendError } from './errors.js';
import { suggestKey } from './schema-issues.js';

/**
 * Which publisher an event goes to: the one it names; else the one called `default`; else the only
 * one. Anything else is an error raised in the caller's code, before anything is written: found
 * only in the worker, the event would be retried until it failed.
 */
export function resolvePublisherName(
  requested: string | undefined | null,
  publishers: readonly string[],
): string {
  if (requested !== undefined && requested !== null) {
    if (publishers.includes(requested)) return requested;
    const suggestion = suggestKey(requested, publishers);
    throw new UnknownBackendError(
      requested,
      publishers,
      `Unknown publisher "${requested}": OUTBOX_PUBLISHERS has ${publishers.map((p) => `"${p}"`).join(', ')}` +
        (suggestion
          ? `; did you mean "${suggestion}"?`
          : '. Add it to OUTBOX_PUBLISHERS or pick one of those.'),
    );
  }
  if (publishers.includes('default')) return 'default';
  if (publishers.length === 1) return publishers[0] as string;
  throw new UnknownBackendError(
    undefined,
    publishers,
    `No publisher given and none is called "default" (OUTBOX_PUBLISHERS has ${publishers
      .map((p) => `"${p}"`)
      .join(', ')}). Pass { publisher } or name one publisher "default".`,
  );
}

/** @deprecated Use `resolvePublisherName`: the same function, kept for one minor release. */
export const resolveBackendName = resolvePublisherName;
