import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  createDispatch,
  type Dispatch,
  type DispatchConfig,
  type LogLevel,
  loadConfigFile,
} from '@dispatch/core';
import { CliFailure } from './cli-io.js';

export interface ContextOptions {
  cwd: string;
  /** `--config`: a file path, relative to `cwd`; else `DISPATCH_CONFIG`; else looked up in `cwd`. */
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
  const envLevel = logLevelFromEnv(process.env.DISPATCH_LOG_LEVEL);
  const fromEnv = options.config === undefined ? process.env.DISPATCH_CONFIG || undefined : undefined;
  if (fromEnv !== undefined && !existsSync(resolve(options.cwd, fromEnv))) {
    throw new CliFailure(`DISPATCH_CONFIG names ${resolve(options.cwd, fromEnv)}, which does not exist`);
  }
  const loaded = await loadConfigFile({ cwd: options.cwd, file: options.config ?? fromEnv });
  let config = loaded.config as DispatchConfig;
  // DISPATCH_LOG_LEVEL beats the file's LOGGING.LEVEL: an operator turns on debug without an edit.
  if (envLevel && isObject(config)) {
    const logging = isObject(config.LOGGING) ? config.LOGGING : {};
    config = { ...config, LOGGING: { ...logging, LEVEL: envLevel } };
  }
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

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** `DISPATCH_LOG_LEVEL`, checked: a typo is an error, not a silent fallback to the file's level. */
function logLevelFromEnv(value: string | undefined): LogLevel | undefined {
  if (value === undefined || value === '') return undefined;
  const level = value.trim().toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(level)) {
    throw new CliFailure(
      `DISPATCH_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return level;
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
