import { defineConfig, mergeConfig } from 'vitest/config';
import { packageTests } from '../../vitest.shared.ts';

// Files share the database servers and lease tests measure time: run them one at a time. The
// generated Prisma Clients are not committed: the global setup generates them first.
export default mergeConfig(
  packageTests(import.meta.dirname, { testTimeout: 30_000, fileParallelism: false }),
  defineConfig({ test: { globalSetup: ['test/global-setup.ts'] } }),
);
