/**
 * A claimer in its own process, started by the race group: it opens the adapter's store through the
 * claimer module (its own ORM, its own connections), claims, publishes and records until the outbox
 * is drained, then reports the ids it recorded as published. `crash` mode claims one batch and
 * exits without recording anything, as a worker killed mid-publish would. It says it is ready once
 * its store is up and starts when a line arrives on stdin, so that all claimers start together
 * however long each took to boot.
 */
import { pathToFileURL } from 'node:url';
import { type ClaimerJob, type ClaimerReport, READY_LINE, REPORT_PREFIX } from './claimer-protocol.js';
import type { OpenClaimerStore } from './suite-options.js';

async function opener(module: string): Promise<OpenClaimerStore> {
  const loaded = (await import(pathToFileURL(module).href)) as Record<string, unknown>;
  // A CommonJS module compiled from `export default` arrives as { default: { default } }.
  const nested = (loaded.default as Record<string, unknown> | undefined)?.default;
  const found = [loaded.default, nested, loaded.openClaimerStore].find(
    (value) => typeof value === 'function',
  );
  if (!found) {
    throw new Error(
      `${module}: expected a default export (or a named export openClaimerStore) that opens the store, found exports ${JSON.stringify(Object.keys(loaded))}`,
    );
  }
  return found as OpenClaimerStore;
}

function report(value: ClaimerReport): Promise<void> {
  return new Promise((resolve) =>
    process.stdout.write(`\n${REPORT_PREFIX}${JSON.stringify(value)}\n`, () => resolve()),
  );
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as ClaimerJob;
  const { owner, batch: limit, leaseMs } = job;
  const open = await opener(job.module);
  const { store, close } = await open({
    tableName: job.tableName,
    dialect: job.dialect,
    context: job.context,
  });
  const health = await store.health();
  if (!health.ok) throw new Error(`the store is not healthy: ${health.error ?? 'no reason given'}`);
  process.stderr.write(`${READY_LINE}\n`);
  await new Promise((resolve) => process.stdin.once('data', resolve));
  process.stdin.pause();
  if (job.mode === 'crash') {
    const claimed = await store.claim({ owner, limit, leaseMs });
    await report({ owner, claimed: claimed.map((event) => event.id), published: [] });
    process.exit(0); // no record, no close: the lease is all that is left behind
  }
  const published: string[] = [];
  try {
    for (;;) {
      const claimed = await store.claim({ owner, limit, leaseMs });
      if (claimed.length === 0) {
        const { counts } = await store.stats();
        if (counts.pending + counts.retry + counts.processing === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      const result = await store.record(
        owner,
        claimed.map((event) => ({ id: event.id, status: 'published' as const })),
      );
      published.push(...result.applied);
    }
    await report({ owner, claimed: [], published });
  } finally {
    await close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
