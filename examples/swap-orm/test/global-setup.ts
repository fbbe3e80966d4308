import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { generatePrismaClient, SCHEMA } from '../scripts/prisma-generate.js';

/**
 * Generate the Prisma Client before the test file imports it, after checking that the schema still
 * holds the outbox model exactly as @dispatch/orm-prisma ships it.
 */
export default async function setup(): Promise<void> {
  const require = createRequire(import.meta.url);
  const shipped = readFileSync(
    join(require.resolve('@dispatch/orm-prisma/package.json'), '..', 'prisma', 'postgresql', 'outbox.prisma'),
    'utf8',
  );
  if (!readFileSync(SCHEMA, 'utf8').includes(shipped.trim())) {
    throw new Error(
      `${SCHEMA} no longer holds the outbox model of @dispatch/orm-prisma/prisma/postgresql/outbox.prisma`,
    );
  }
  await generatePrismaClient();
}
