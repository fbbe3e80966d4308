import type { Command } from './clients/redis-client.js';
import { IDEMPOTENT_APPEND_SCRIPT, IDEMPOTENT_APPEND_SHA } from './idempotent-append.js';
import type { RedisStreamOptions } from './options.js';
import type { StreamEntry } from './stream-entry.js';
import { dedupeKeyFor } from './stream-key.js';

export type TrimSettings = Pick<RedisStreamOptions, 'max_len' | 'trim' | 'max_age'>;

/**
 * Trim arguments for XADD. XADD takes one strategy, so length wins there and age trimming, when
 * both are set, is a separate XTRIM (see `ageTrimCommand`).
 */
export function trimArgs(settings: TrimSettings, nowMs: number): string[] {
  const operator = settings.trim === 'exact' ? '=' : '~';
  if (settings.max_len) return ['MAXLEN', operator, String(settings.max_len)];
  if (settings.max_age !== null) return ['MINID', operator, minId(settings.max_age, nowMs)];
  return [];
}

/** XTRIM by age for a stream, needed only when both `max_len` and `max_age` are set. */
export function ageTrimCommand(settings: TrimSettings, stream: string, nowMs: number): Command | undefined {
  if (!settings.max_len || settings.max_age === null) return undefined;
  return ['XTRIM', stream, 'MINID', settings.trim === 'exact' ? '=' : '~', minId(settings.max_age, nowMs)];
}

/** Entry ids start with their millisecond timestamp, so "older than" is "id below now - age". */
function minId(maxAgeSeconds: number, nowMs: number): string {
  return `${Math.max(0, Math.floor(nowMs - maxAgeSeconds * 1000))}-0`;
}

export function xaddCommand(stream: string, trim: readonly string[], entry: StreamEntry): Command {
  return ['XADD', stream, ...trim, '*', ...entry];
}

/** One item of an idempotent batch call. */
export interface IdempotentItem {
  stream: string;
  eventId: string;
  entry: StreamEntry;
}

/** The idempotent append of several events: EVALSHA normally, EVAL (which also caches the script) after NOSCRIPT. */
export function idempotentCommand(
  items: readonly IdempotentItem[],
  windowSeconds: number,
  trim: readonly string[],
  withSource: boolean,
): Command {
  const keys: string[] = [];
  const args: string[] = [String(windowSeconds), String(trim.length), ...trim];
  for (const item of items) {
    keys.push(item.stream, dedupeKeyFor(item.stream, item.eventId));
    args.push(String(item.entry.length), ...item.entry);
  }
  const head = withSource ? ['EVAL', IDEMPOTENT_APPEND_SCRIPT] : ['EVALSHA', IDEMPOTENT_APPEND_SHA];
  return [...head, String(keys.length), ...keys, ...args];
}
