import type { RedisServer } from '@dispatch/test-services/redis-server';

/** Whether a module can be imported from here (a workspace package that has been built, a driver installed). */
export async function canImport(specifier: string): Promise<boolean> {
  try {
    await import(specifier);
    return true;
  } catch {
    return false;
  }
}

/** Event ids in a stream of a throwaway Redis, in order. */
export function eventIds(redis: RedisServer, stream: string): string[] {
  const out = redis.cli('--no-raw', 'XRANGE', stream, '-', '+');
  return [...out.matchAll(/"event_id"\s*\n\s*\d+\) "([^"]+)"/g)].map((match) => match[1] as string);
}
