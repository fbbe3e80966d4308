// `prisma generate` for prisma/schema.prisma, into src/generated/prisma. The Prisma CLI checks for
// its schema-engine binary before generating and downloads it when missing; generating needs only
// the CLI's WebAssembly parts, so where the download cannot happen any executable stands in for it
// (PRISMA_SCHEMA_ENGINE_BINARY, unless already set to a real engine).
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(import.meta.dirname, '..');

export const SCHEMA = join(ROOT, 'prisma', 'schema.prisma');

export async function generatePrismaClient(): Promise<void> {
  const stubFolder = mkdtempSync(join(tmpdir(), 'swap-orm-schema-engine-'));
  const stub = join(stubFolder, 'schema-engine');
  writeFileSync(stub, '#!/bin/sh\nexit 1\n');
  chmodSync(stub, 0o755);
  const cli = createRequire(join(ROOT, 'package.json')).resolve('prisma/build/index.js');
  try {
    await promisify(execFile)(process.execPath, [cli, 'generate', '--schema', SCHEMA], {
      cwd: ROOT,
      env: {
        ...process.env,
        PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? stub,
        CHECKPOINT_DISABLE: '1',
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
      },
    });
  } finally {
    rmSync(stubFolder, { recursive: true, force: true });
  }
}

// `tsx scripts/prisma-generate.ts` (`pnpm generate`, and before `start` and `typecheck`).
if (process.argv[1] && import.meta.filename === process.argv[1]) await generatePrismaClient();
