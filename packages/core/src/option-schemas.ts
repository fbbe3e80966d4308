import { z } from 'zod';
import { TIMESTAMP_FORMATS, type TimestampFormat } from './wire-fields.js';

// zod 4 schemas for the options several backends take, with the one wording Dispatch shows for
// each: `optionSchemas` below. `what` is the option's name, as the messages quote it.

const A_YEAR = 86_400 * 365;

/**
 * A duration in seconds: a number above 0 and at most `max` (a year unless given; a given `max` is
 * named in the message).
 */
function seconds(what: string, max?: number): z.ZodNumber {
  return z
    .number({ error: `expected ${what} in seconds, as a number` })
    .positive({ error: `must be more than 0 (${what}, in seconds)` })
    .max(max ?? A_YEAR, {
      error: `is too large (${what}, in seconds${max === undefined ? '' : `; at most ${max}`})`,
    });
}

/** A whole number of at least `min`. */
function wholeNumber(what: string, min: number): z.ZodNumber {
  return z
    .number({ error: `expected ${what} as a whole number` })
    .int({ error: `expected ${what} as a whole number` })
    .min(min, { error: `must be ${min} or more (${what})` });
}

/** A file path (resolved later against the configuration file's folder); `error` for a non-string. */
function filePath(error = 'expected a file path'): z.ZodString {
  return z.string({ error }).min(1, { error: 'must not be empty' });
}

/** The `timestamp` field's form, `isoformat` unless set (see `TimestampFormat`). */
function timestampFormat() {
  return z
    .enum(TIMESTAMP_FORMATS as [TimestampFormat, ...TimestampFormat[]], {
      error: 'expected "isoformat" or "toISOString"',
    })
    .default('isoformat');
}

/**
 * Builders of zod 4 schemas for backend options: `seconds(what, max?)`, `wholeNumber(what, min)`,
 * `filePath(error?)`, `timestampFormat()`. Messages name the option; the backends' option tests
 * read them.
 */
export const optionSchemas = { seconds, wholeNumber, filePath, timestampFormat };

/** TLS files as PEM file paths: the certificate authorities to trust, and a client certificate. */
export interface TlsFileOptions {
  /** CA certificate(s) to trust, PEM. */
  ca?: string | undefined;
  /** Client certificate, PEM (with `key`), for servers that verify clients. */
  cert?: string | undefined;
  /** Client private key, PEM (with `cert`). */
  key?: string | undefined;
}

/** Which of a client certificate's `cert` and `key` is missing when only the other is given. */
export function missingCertOrKey(
  tls: boolean | Pick<TlsFileOptions, 'cert' | 'key'>,
): 'cert' | 'key' | undefined {
  if (typeof tls !== 'object' || (tls.cert === undefined) === (tls.key === undefined)) return undefined;
  return tls.cert === undefined ? 'cert' : 'key';
}

/**
 * `true` when `A` and `B` have the same keys: keeps a backend's documented options interface and
 * its schema in step (`const inStep: SameKeys<MyOptionsInput, z.input<typeof schema>> = true`).
 */
export type SameKeys<A, B> = [keyof A] extends [keyof B]
  ? [keyof B] extends [keyof A]
    ? true
    : false
  : false;
