import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base';

// `cli` is the `dispatch` bin (ESM, shebang kept by tsup); its CJS twin is unused but harmless.
export default defineConfig(packageBuild(['src/index.ts', 'src/cli.ts']));
