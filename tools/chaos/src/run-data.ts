import type { BrokerLedger } from './backends/backend-kit.js';
import { openOrm } from './database.js';
import { dropSql, type RunNames } from './run-names.js';

/** On the user's own servers: remove the run's tables and what it created on the broker (if it passed). */
export async function dropRunData(input: {
  passed: boolean;
  keep: boolean;
  pgUrl: string;
  names: RunNames;
  ledger: BrokerLedger;
}): Promise<void> {
  if (!input.passed || input.keep) {
    process.stderr.write(
      `[chaos] kept tables ${input.names.outbox}, ${input.names.ledger}, ${input.names.orders}, ${input.names.keyPositions} and ${input.ledger.description}\n`,
    );
    return;
  }
  const orm = await openOrm(input.pgUrl);
  try {
    for (const sql of dropSql(input.names)) await orm.em.getConnection().execute(sql);
  } finally {
    await orm.close(true);
  }
  await input.ledger.drop();
}
