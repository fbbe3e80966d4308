import { UnknownBackendError } from './errors.js';
import { suggestKey } from './schema-issues.js';

/**
 * Which publisher an event goes to: the one it names; else the one called `default`; else the only
 * one. Anything else is an error raised in the caller's code, before anything is written: found
 * only in the worker, the event would be retried until it failed.
 */
export function resolveBackendName(
  requested: string | undefined | null,
  publishers: readonly string[],
): string {
  if (requested !== undefined && requested !== null) {
    if (publishers.includes(requested)) return requested;
    const suggestion = suggestKey(requested, publishers);
    throw new UnknownBackendError(
      requested,
      publishers,
      `Unknown backend "${requested}": OUTBOX_PUBLISHERS has ${publishers.map((p) => `"${p}"`).join(', ')}` +
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
    `No backend given and no publisher is called "default" (OUTBOX_PUBLISHERS has ${publishers
      .map((p) => `"${p}"`)
      .join(', ')}). Pass { backend } or name one publisher "default".`,
  );
}
