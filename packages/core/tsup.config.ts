import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base';

export default defineConfig(
  packageBuild(
    { index: 'src/index.ts', memory: 'src/memory.ts', 'testing/index': 'src/testing/index.ts' },
    { external: ['vitest'], splitting: true },
  ),
);
