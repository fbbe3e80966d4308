import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface GeneratePrismaClientOptions {
  /** The `schema.prisma` to generate from (its generator block says where the client goes). */
  schema: string;
  /** A folder whose package has `prisma` as a dependency: its Prisma CLI is the one run. */
  packageDir: string;
}

/**
 * `prisma generate` where the schema-engine binary cannot be downloaded. The CLI checks for that
 * binary before generating and downloads it when missing, though generating needs only the CLI's
 * WebAssembly parts; so any executable stands in for it (PRISMA_SCHEMA_ENGINE_BINARY, unless it is
 * already set to a real engine). `prisma migrate` needs the real engine and is not run this way.
 */
export async function generatePrismaClient({
  schema,
  packageDir,
}: GeneratePrismaClientOptions): Promise<void> {
  const stubFolder = mkdtempSync(join(tmpdir(), 'dispatch-prisma-engine-'));
  const stub = join(stubFolder, 'schema-engine');
  writeFileSync(stub, '#!/bin/sh\nexit 1\n');
  chmodSync(stub, 0o755);
  const cli = createRequire(join(packageDir, 'package.json')).resolve('prisma/build/index.js');
  try {
    await promisify(execFile)(process.execPath, [cli, 'generate', '--schema', schema], {
      cwd: packageDir,
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
