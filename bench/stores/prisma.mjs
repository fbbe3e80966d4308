// Prisma 7 (@dispatch/orm-prisma) for bench/stores/run.mjs: a client generated for this run (the
// `Order` model on the run's table), on PrismaPg over a pg Pool handed to the store as pgPool, as
// the package README sets it up; publishing runs in withOutboxTransaction, the plain transactions
// in prisma.$transaction; the raw INSERT is tx.$executeRawUnsafe.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generatePrismaClient } from '@dispatch/test-services/prisma-generate';
import { fromPackage } from '../lib/from-package.mjs';

export const suite = 'orm-prisma';
/** The store's package: its build, and its dependencies as it resolves them. */
export const pkg = fromPackage('orm-prisma');

/**
 * `prisma generate` into a temporary folder with the package's Prisma CLI, as the package's own
 * tests do (@dispatch/test-services, for the stand-in schema engine). The generated client is
 * TypeScript; esbuild (from the package's tsx) makes one ES module of it, whose imports of Prisma's
 * runtime point at the package's copy.
 */
async function generateClient(pkg, orders) {
  const folder = mkdtempSync(join(tmpdir(), 'dispatch-bench-prisma-'));
  try {
    const schema = join(folder, 'schema.prisma');
    writeFileSync(
      schema,
      `generator client {
  provider = "prisma-client"
  output   = "./client"
}

datasource db {
  provider = "postgresql"
}

model Order {
  id       Int    @id @default(autoincrement())
  customer String @db.VarChar(255)
  total    Int

  @@map("${orders}")
}
`,
    );
    await generatePrismaClient({ schema, packageDir: pkg.packageDir });
    const esbuild = await pkg.importVia('tsx', 'esbuild');
    const bundle = join(folder, 'client.mjs');
    await (esbuild.build ?? esbuild.default.build)({
      entryPoints: [join(folder, 'client', 'client.ts')],
      outfile: bundle,
      bundle: true,
      format: 'esm',
      platform: 'node',
      logLevel: 'error',
      plugins: [
        {
          name: 'prisma-runtime-from-package',
          setup(build) {
            build.onResolve({ filter: /^[^./]/ }, (args) =>
              args.path.startsWith('node:')
                ? { path: args.path, external: true }
                : { path: pathToFileURL(pkg.resolve(args.path)).href, external: true },
            );
          },
        },
      ],
    });
    return await import(pathToFileURL(bundle).href);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

export async function open({ connection, orders }) {
  const { prismaStore, withOutboxTransaction } = await pkg.dist();
  const { PrismaClient } = await generateClient(pkg, orders);
  const { PrismaPg } = await pkg.import('@prisma/adapter-pg');
  // The pg that @prisma/adapter-pg takes a Pool of.
  const pg = (await pkg.importVia('@prisma/adapter-pg', 'pg')).default;
  const pool = new pg.Pool(connection);
  pool.on('error', () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  await prisma.$connect();
  const work = (write) => async (tx) => {
    const order = await tx.order.create({ data: { customer: 'ada', total: 42 } });
    await write?.(tx, order.id);
  };
  return {
    pg,
    store: prismaStore,
    options: { prisma, pgPool: pool },
    transaction: (write) => prisma.$transaction(work(write)),
    outboxTransaction: (write) => withOutboxTransaction(prisma, work(write)),
    // Prisma's raw bindings on PostgreSQL are $1, $2, ...
    execute: (tx, parts, values) =>
      tx.$executeRawUnsafe(
        parts.reduce((text, part, i) => `${text}$${i}${part}`),
        ...values,
      ),
    close: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
