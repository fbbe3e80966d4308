import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base';

// The browser code is not bundled here: scripts/build-client.mjs minifies it into dist/client.
export default defineConfig(packageBuild(['src/index.ts'], { shims: true }));
