/**
 * The logging interface Dispatch writes to. pino's logger satisfies it as is; so does anything with
 * the four methods taking `(fields, message)`.
 */
export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
  /** A logger whose lines carry `bindings` too (pino's `child`). */
  child?(bindings: Record<string, unknown>): Logger;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

export interface ConsoleLoggerOptions {
  /** Lowest level written. @default 'info' */
  level?: LogLevel | undefined;
  /** Namespace printed before each line; children append `:name`. @default 'dispatch' */
  namespace?: string | undefined;
  /** Fields added to every line. */
  bindings?: Record<string, unknown> | undefined;
}

function formatFields(fields: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const text =
      value instanceof Error ? value.message : typeof value === 'string' ? value : JSON.stringify(value);
    parts.push(`${name}=${text}`);
  }
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}

/** The default logger: one line per call through `console`: time, `dispatch` namespace, level, message, fields. */
export function createConsoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const threshold = LEVEL_RANK[options.level ?? 'info'];
  const namespace = options.namespace ?? 'dispatch';
  const bindings = options.bindings ?? {};
  const write =
    (level: Exclude<LogLevel, 'silent'>) =>
    (fields: Record<string, unknown>, message: string): void => {
      if (LEVEL_RANK[level] < threshold) return;
      const line = `${new Date().toISOString()} [${namespace}] ${level.toUpperCase()} ${message}${formatFields({ ...bindings, ...fields })}`;
      if (level === 'error') console.error(line);
      else if (level === 'warn') console.warn(line);
      else console.log(line);
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child(childBindings) {
      const { component, ...rest } = childBindings;
      return createConsoleLogger({
        level: options.level,
        namespace: typeof component === 'string' ? `${namespace}:${component}` : namespace,
        bindings: { ...bindings, ...rest },
      });
    },
  };
}

/** A logger for one part of Dispatch (`dispatch:worker`, ...), using the host logger's `child` when it has one. */
export function childLogger(
  logger: Logger,
  component: string,
  bindings: Record<string, unknown> = {},
): Logger {
  return logger.child ? logger.child({ component, ...bindings }) : logger;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
