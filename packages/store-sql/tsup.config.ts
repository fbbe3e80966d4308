import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base';

export default defineConfig(
  packageBuild(
    {
      index: 'src/index.ts',
      'testing/index': 'src/testing/index.ts',
      // Started by the race suite in claimer processes: a file of its own, next to testing/index.
      'testing/claimer-process': 'src/testing/claimer-process.ts',
    },
    // Shared code in chunks (one copy of the engine); import.meta.url shimmed in the CommonJS build.
    { external: ['vitest'], splitting: true, shims: true },
  ),
);
