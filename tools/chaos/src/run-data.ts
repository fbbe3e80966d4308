import { Redis } from 'ioredis';
import { openOrm } from './database.js';
import { dropSql, type RunNames } from './run-names.js';

/** On the user's own servers: remove the run's tables, streams and idempotency markers (if it passed). */
export async function dropRunData(input: {
  passed: boolean;
  keep: boolean;
  pgUrl: string;
  redisUrl: string;
  names: RunNames;
  streams: readonly string[];
}): Promise<void> {
  if (!input.passed || input.keep) {
    process.stderr.write(
      `[chaos] kept tables ${input.names.outbox}, ${input.names.ledger}, ${input.names.orders}, ${input.names.keyPositions} and streams ${input.streams.join(', ')}\n`,
    );
    return;
  }
  const orm = await openOrm(input.pgUrl);
  try {
    for (const sql of dropSql(input.names)) await orm.em.getConnection().execute(sql);
  } finally {
    await orm.close(true);
  }
  const client = new Redis(input.redisUrl, { maxRetriesPerRequest: 3 });
  try {
    await client.del(...input.streams);
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(
        cursor,
        'MATCH',
        `dispatch:idem:{${input.names.streamPrefix}*`,
        'COUNT',
        1000,
      );
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
