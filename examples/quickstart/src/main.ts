import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runQuickstart } from './quickstart.js';

const file = join(import.meta.dirname, '..', 'quickstart.sqlite');
rmSync(file, { force: true });
const result = await runQuickstart(file, (line) => console.log(line));
console.log(
  `\nDone: ${result.orders.length} orders committed, ${result.published.length} events published, ` +
    `${result.counts.pending + result.counts.retry + result.counts.processing} left in the outbox.`,
);
