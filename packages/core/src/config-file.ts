import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createJiti } from 'jiti';
import { ConfigError } from './errors.js';

/** File names `loadConfigFile` looks for, in order. */
export const CONFIG_FILE_NAMES = [
  'dispatch.config.ts',
  'dispatch.config.mts',
  'dispatch.config.cts',
  'dispatch.config.js',
  'dispatch.config.mjs',
  'dispatch.config.cjs',
];

export interface LoadedConfigFile {
  /** The configuration object as exported (not yet validated). */
  config: unknown;
  /** Absolute path of the file. */
  path: string;
  /** Its folder: relative `BACKEND` and `STORE` paths resolve against it. */
  dir: string;
}

/**
 * Find and import `dispatch.config.*` (TypeScript too) from `cwd`, or the file given. Its default
 * export (or an export named `config`) is the configuration, or a function returning it.
 */
export async function loadConfigFile(
  options: { cwd?: string; file?: string | undefined } = {},
): Promise<LoadedConfigFile> {
  const cwd = options.cwd ?? process.cwd();
  let path: string | undefined;
  if (options.file) {
    path = resolve(cwd, options.file);
    if (!existsSync(path)) {
      throw new ConfigError([{ path: '', message: `config file ${path} does not exist` }]);
    }
  } else {
    path = CONFIG_FILE_NAMES.map((name) => resolve(cwd, name)).find((candidate) => existsSync(candidate));
    if (!path) {
      throw new ConfigError([
        {
          path: '',
          message: `no ${CONFIG_FILE_NAMES.join(' / ')} in ${cwd}; create one with defineConfig({...}) (dispatch init writes one) or pass --config`,
        },
      ]);
    }
  }
  // No default-export interop: with it, libraries the config imports (Prisma's runtime) saw Node's
  // built-in modules without their members and failed while formatting their own errors. The
  // config's default export is read below either way.
  const jiti = createJiti(path, { interopDefault: false, moduleCache: false });
  let module: Record<string, unknown>;
  try {
    module = (await jiti.import(path)) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError([{ path: '', message: `cannot import ${path}: ${(error as Error).message}` }], {
      cause: error,
    });
  }
  let config: unknown = module?.default ?? module?.config ?? module;
  if (typeof config === 'function') config = await (config as () => unknown)();
  return { config, path, dir: dirname(path) };
}
