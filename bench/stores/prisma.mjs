// Prisma 7 (@dispatch/orm-prisma) for bench/stores/run.mjs: a client generated for this run (the
// `Order` model on the run's table), on PrismaPg over a pg Pool handed to the store as pgPool, as
// the package README sets it up; publishing runs in withOutboxTransaction, the plain transactions
// in prisma.$transaction; the raw INSERT is tx.$executeRawUnsafe.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fromPackage } from '../lib/from-package.mjs';

export const suite = 'orm-prisma';

/**
 * `prisma generate` into a temporary folder, as packages/orm-prisma/test/prisma-clients.ts does: the
 * CLI checks for its schema-engine binary, which it cannot download offline, though generating
 * needs only its WebAssembly parts, so a stub executable stands in. The generated client is
 * TypeScript; esbuild (from the package's tsx) makes one ES module of it, whose imports of Prisma's
 * runtime point at the package's copy.
 */
async function generateClient(pkg, orders) {
  const folder = mkdtempSync(join(tmpdir(), 'dispatch-bench-prisma-'));
  try {
    const stub = join(folder, 'schema-engine');
    writeFileSync(stub, '#!/bin/sh\nexit 1\n');
    chmodSync(stub, 0o755);
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
    execFileSync(process.execPath, [pkg.resolve('prisma/build/index.js'), 'generate', '--schema', schema], {
      stdio: 'pipe',
      env: {
        ...process.env,
        PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? stub,
        CHECKPOINT_DISABLE: '1',
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
      },
    });
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
  const pkg = fromPackage('orm-prisma');
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
    core: await pkg.import('@dispatch/core'),
    uuid: await pkg.importVia('@dispatch/core', 'uuid'),
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
