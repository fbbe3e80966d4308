import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatePrismaClient } from '@dispatch/test-services/prisma-generate';
import { outboxPrismaSchema } from '../src/index.js';

/** The providers the tests generate a Prisma Client for. */
export const PROVIDERS = ['postgresql', 'mysql', 'sqlite'] as const;

export type Provider = (typeof PROVIDERS)[number];

/** Table names the generated models are mapped to, fixed when the clients are generated. */
export interface ModelTables {
  /** The business table of the `Order` model. */
  orders: string;
  /** The outbox table of the `RunOutbox` model (from `outboxPrismaSchema`). */
  outbox: string;
}

const GENERATED = join(import.meta.dirname, 'generated');
const PACKAGE = join(import.meta.dirname, '..');

/** The model tables of one generation, as written next to the generated clients. */
export function modelTables(): ModelTables {
  return JSON.parse(readFileSync(join(GENERATED, 'tables.json'), 'utf8')) as ModelTables;
}

function schemaFor(provider: Provider, tables: ModelTables): string {
  // The committed model file, as users drop it into their schema, and one generated for this run.
  const shipped = readFileSync(join(PACKAGE, 'prisma', provider, 'outbox.prisma'), 'utf8');
  return `generator client {
  provider        = "prisma-client"
  output          = "./client"
  previewFeatures = ["partialIndexes"]
}

datasource db {
  provider = "${provider}"
}

model Order {
  id       Int    @id @default(autoincrement())
  customer String

  @@map("${tables.orders}")
}

${shipped}
${outboxPrismaSchema({ provider, tableName: tables.outbox, modelName: 'RunOutbox' })}`;
}

/** Run `prisma generate` for the three providers into `test/generated/<provider>/client` (not committed). */
export async function generateClients(): Promise<ModelTables> {
  const stamp = `${process.pid}_${Date.now().toString(36)}`;
  const tables: ModelTables = { orders: `opx_orders_${stamp}`, outbox: `opx_model_${stamp}` };
  await Promise.all(
    PROVIDERS.map(async (provider) => {
      const folder = join(GENERATED, provider);
      rmSync(folder, { recursive: true, force: true });
      mkdirSync(folder, { recursive: true });
      const schema = join(folder, 'schema.prisma');
      writeFileSync(schema, schemaFor(provider, tables));
      await generatePrismaClient({ schema, packageDir: PACKAGE });
    }),
  );
  writeFileSync(join(GENERATED, 'tables.json'), JSON.stringify(tables));
  return tables;
}

// `tsx test/prisma-clients.ts`: generate before type-checking the tests.
if (process.argv[1] && import.meta.filename === process.argv[1]) await generateClients();
