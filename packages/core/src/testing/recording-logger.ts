import type { Logger } from '../logger.js';

/** One line a `recordingLogger` kept. */
export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

/** A logger that keeps every line, so tests can count outage messages, warnings and the like. */
export function recordingLogger(lines: LogLine[] = []): Logger & { lines: LogLine[] } {
  const write = (level: LogLine['level']) => (fields: Record<string, unknown>, message: string) => {
    lines.push({ level, fields, message });
  };
  return { lines, debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
