// `prisma generate` for prisma/schema.prisma, into src/generated/prisma, with this example's Prisma
// CLI (see @dispatch/test-services for why it runs with a stand-in schema engine here).
import { join } from 'node:path';
import { generatePrismaClient as generate } from '@dispatch/test-services/prisma-generate';

const ROOT = join(import.meta.dirname, '..');

export const SCHEMA = join(ROOT, 'prisma', 'schema.prisma');

export function generatePrismaClient(): Promise<void> {
  return generate({ schema: SCHEMA, packageDir: ROOT });
}

// `tsx scripts/prisma-generate.ts` (`pnpm generate`, and before `start` and `typecheck`).
if (process.argv[1] && import.meta.filename === process.argv[1]) await generatePrismaClient();
