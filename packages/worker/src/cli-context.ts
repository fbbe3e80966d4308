import {
  createDispatch,
  type Dispatch,
  type DispatchConfig,
  type LogLevel,
  loadConfigFile,
} from '@dispatch/core';

export interface ContextOptions {
  cwd: string;
  /** `--config`: a file path, relative to `cwd`. */
  config?: string | undefined;
  /** Change the loaded configuration before it is validated (command-line overrides). */
  override?: ((config: DispatchConfig) => DispatchConfig) | undefined;
  /** Lowest log level for commands other than `worker`, so their output stays readable. */
  logLevel?: LogLevel | undefined;
}

/**
 * Load `dispatch.config.*` (or `--config`) and create the dispatch instance a command works on.
 * Every configuration problem surfaces as one `ConfigError` listing them all.
 */
export async function openDispatch(options: ContextOptions): Promise<Dispatch> {
  const loaded = await loadConfigFile({ cwd: options.cwd, file: options.config });
  let config = loaded.config as DispatchConfig;
  if (options.logLevel && isObject(config) && !isObject(config.LOGGING)) {
    config = { ...config, LOGGING: { LEVEL: options.logLevel } };
  } else if (
    options.logLevel &&
    isObject(config) &&
    isObject(config.LOGGING) &&
    !config.LOGGING.LEVEL &&
    !config.LOGGING.LOGGER
  ) {
    config = { ...config, LOGGING: { ...config.LOGGING, LEVEL: options.logLevel } };
  }
  if (options.override && isObject(config)) config = options.override(config);
  return createDispatch(config, { configDir: loaded.dir, source: loaded.path });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Run `work` with a dispatch instance and always close it afterwards. */
export async function withDispatch<T>(
  options: ContextOptions,
  work: (dispatch: Dispatch) => Promise<T>,
): Promise<T> {
  const dispatch = await openDispatch(options);
  try {
    return await work(dispatch);
  } finally {
    await dispatch.close();
  }
}
