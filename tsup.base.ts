import type { Options } from 'tsup';

/** The one build setup every package shares: ESM + CJS + types, with sourcemaps. */
export function packageBuild(entry: Options['entry'] = ['src/index.ts'], overrides: Options = {}): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    splitting: false,
    treeshake: true,
    ...overrides,
  };
}
