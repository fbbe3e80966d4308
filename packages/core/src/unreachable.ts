import { StoreUnavailableError } from './errors.js';
import { UNREACHED_ERROR_CODES } from './network-error-codes.js';
import { redactText } from './redact.js';

const UNREACHED = new Set(UNREACHED_ERROR_CODES);

interface SocketError {
  code?: unknown;
  address?: unknown;
  port?: unknown;
  hostname?: unknown;
  message?: unknown;
  errors?: unknown;
}

/** The socket error inside `error`: itself, its cause, or the first of an AggregateError (Happy Eyeballs). */
function socketError(error: unknown, depth = 0): SocketError | undefined {
  if (typeof error !== 'object' || error === null || depth > 3) return undefined;
  const candidate = error as SocketError & { cause?: unknown };
  if (typeof candidate.code === 'string' && UNREACHED.has(candidate.code)) return candidate;
  if (Array.isArray(candidate.errors)) {
    for (const inner of candidate.errors) {
      const found = socketError(inner, depth + 1);
      if (found) return found;
    }
  }
  return socketError(candidate.cause, depth + 1);
}

/**
 * A `StoreUnavailableError` for an error that says the database was never reached, else undefined
 * (an authentication or SQL error is the driver's own and stays as it is).
 */
export function unreachableStore(error: unknown, label: string): StoreUnavailableError | undefined {
  const found = socketError(error);
  if (!found) return undefined;
  const host =
    typeof found.address === 'string'
      ? found.address
      : typeof found.hostname === 'string'
        ? found.hostname
        : undefined;
  const where =
    host === undefined ? '' : ` at ${host}${typeof found.port === 'number' ? `:${found.port}` : ''}`;
  const what =
    found.code === 'ENOTFOUND' || found.code === 'EAI_AGAIN'
      ? 'its host name does not resolve'
      : `${String(found.code)}`;
  const detail = redactText(String((error as { message?: unknown }).message ?? found.message ?? ''));
  return new StoreUnavailableError(
    `${label} cannot reach its database${where} (${what}: ${detail}). Check that the database is running and that the store's connection settings (host, port) point at it.`,
    { cause: error },
  );
}
