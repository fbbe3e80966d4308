import { defineConfig, mergeConfig } from 'vitest/config';
import { packageTests } from '../../vitest.shared.ts';

// Real services; the five ORMs run one after another in one file. The global setup generates the
// Prisma Client (not committed) before the test file imports it.
export default mergeConfig(
  packageTests(import.meta.dirname, { testTimeout: 60_000 }),
  defineConfig({ test: { globalSetup: ['test/global-setup.ts'] } }),
);
