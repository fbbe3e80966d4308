import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StoreDefinition } from '@dispatch/core';
import { prismaStore, withOutboxTransaction } from '@dispatch/orm-prisma';
import { generatePrismaClient } from '@dispatch/test-services/prisma-generate';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { RunNames } from '../run-names.js';
import { advanceKeySql, importUrl, quietOnRestart, type StoreKit, writeBusiness } from './store-kit.js';

const CHAOS_PACKAGE = join(import.meta.dirname, '..', '..');

/** The run's own schema: the business models are mapped to the run's tables, so it is generated per run. */
function schemaFor(names: RunNames): string {
  return `generator client {
  provider = "prisma-client"
  output   = "./client"
}

datasource db {
  provider = "postgresql"
}

model ChaosOrder {
  id       String @id @db.VarChar(64)
  producer Int
  amount   Int

  @@map("${names.orders}")
}

model ChaosLedgerEntry {
  eventId     String  @id @map("event_id") @db.VarChar(128)
  orderId     String  @map("order_id") @db.VarChar(64)
  eventType   String  @map("event_type") @db.VarChar(255)
  orderingKey String? @map("ordering_key") @db.VarChar(255)
  keyPosition BigInt? @map("key_position")
  producer    Int

  @@map("${names.ledger}")
}
`;
}

/**
 * Where the run's client is generated: inside this package (not the temp run folder), so its own
 * imports of `@prisma/client` resolve from this package's dependencies. Removed after the run.
 */
const generatedDir = (runDir: string) => join(CHAOS_PACKAGE, '.prisma-runs', basename(runDir));
const clientFile = (runDir: string) => join(generatedDir(runDir), 'client', 'client.ts');

// The generated client is the run's own, loaded by path: its types are not known here.
// biome-ignore lint/suspicious/noExplicitAny: a client generated at run time
type AnyClient = any;

async function loadClient(runDir: string, pool: pg.Pool): Promise<AnyClient> {
  const { PrismaClient } = (await import(pathToFileURL(clientFile(runDir)).href)) as {
    PrismaClient: AnyClient;
  };
  return new PrismaClient({ adapter: new PrismaPg(pool) });
}

/** Prisma 7 on `@prisma/adapter-pg`: `withOutboxTransaction`, the generated models, its `tx`. */
export const prismaKit: StoreKit = {
  async prepare({ runDir, names }) {
    const folder = generatedDir(runDir);
    mkdirSync(folder, { recursive: true });
    const schema = join(folder, 'schema.prisma');
    writeFileSync(schema, schemaFor(names));
    await generatePrismaClient({ schema, packageDir: CHAOS_PACKAGE });
  },
  cleanup({ runDir }) {
    rmSync(generatedDir(runDir), { recursive: true, force: true });
  },
  async open({ pgUrl, names, poolSize, runDir }) {
    const pool = new pg.Pool({ connectionString: pgUrl, max: poolSize });
    quietOnRestart(pool);
    const prisma = await loadClient(runDir, pool);
    return {
      store: {
        STORE: prismaStore as StoreDefinition<never>,
        OPTIONS: { prisma, pgPool: pool, tableName: names.outbox },
      },
      async write(dispatch, plan) {
        await withOutboxTransaction(prisma as never, (tx: AnyClient) =>
          writeBusiness(dispatch, plan, tx, {
            insertOrder: (order) => tx.chaosOrder.create({ data: order }),
            async advanceKey(key, count) {
              const sql = advanceKeySql(names, '$1', '$2');
              const rows = (await tx.$queryRawUnsafe(sql, key, count)) as {
                position: bigint | number | string;
              }[];
              return Number(rows[0]?.position);
            },
            insertLedger: (rows) => tx.chaosLedgerEntry.createMany({ data: rows }),
          }),
        );
      },
      async close() {
        await prisma.$disconnect();
        await pool.end();
      },
    };
  },
  workerConfig: ({ pgUrl, names, runDir }) => ({
    imports: [
      `import pg from ${importUrl('pg')};`,
      `import { PrismaPg } from ${importUrl('@prisma/adapter-pg')};`,
      `import prismaStore from ${importUrl('@dispatch/orm-prisma')};`,
      `import { PrismaClient } from ${JSON.stringify(pathToFileURL(clientFile(runDir)).href)};`,
    ],
    setup: `const pool = new pg.Pool({ connectionString: ${JSON.stringify(pgUrl)}, max: 4 });
  // A PostgreSQL restart ends every connection; an 'error' event nobody handles ends the worker.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return { STORE: prismaStore, OPTIONS: { prisma, pgPool: pool, tableName: ${JSON.stringify(names.outbox)} } };`,
  }),
};
