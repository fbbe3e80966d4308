import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// The tests again on Kysely 0.28, the line that declares Node 20 (0.29 declares Node 22 and runs on
// 20 too). Every import of `kysely` (the package's and the tests') resolves to 0.28; 0.28 keeps
// the Migrator in `kysely` itself. The pg Pool paths (wake-ups, prepared statements) do not go
// through Kysely and run once, in the main configuration.
const kysely028 = join(import.meta.dirname, 'node_modules/kysely-0-28/dist/esm/index.js');

export default defineConfig({
  resolve: {
    alias: [
      { find: /^kysely$/, replacement: kysely028 },
      { find: /^kysely\/migration$/, replacement: kysely028 },
    ],
  },
  test: {
    name: 'kysely 0.28',
    env: { VITEST_KYSELY_LINE: '0.28' },
    include: ['test/**/*.test.ts'],
    // Also not the SQL store suites: their claimer processes load Kysely without the alias.
    exclude: [
      'test/wakeups.test.ts',
      'test/conformance.postgresql-no-pool.test.ts',
      'test/sql-suites.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    reporters: process.env.CI
      ? [
          'default',
          ['json', { outputFile: `${import.meta.dirname}/../../.ci/results/orm-kysely-kysely-0.28.json` }],
        ]
      : ['default'],
  },
});
