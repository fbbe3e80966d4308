import { basename } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * Test settings every package shares. Under CI each package also writes a JSON report to
 * .ci/results so .ci/run can print one total for the whole repository.
 */
export function packageTests(
  dir: string,
  overrides: { testTimeout?: number; fileParallelism?: boolean } = {},
) {
  const name = basename(dir);
  return defineConfig({
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: overrides.testTimeout ?? 20_000,
      hookTimeout: 60_000,
      fileParallelism: overrides.fileParallelism ?? true,
      reporters: process.env.CI
        ? ['default', ['json', { outputFile: `${dir}/../../.ci/results/${name}.json` }]]
        : ['default'],
    },
  });
}
