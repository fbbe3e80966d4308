import { type Dispatch, EVENT_STATUSES, redactText, type StoreStats } from '@dispatch/core';
import { withDispatch } from '../cli-context.js';
import type { CliIo } from '../cli-io.js';
import { formatDuration, table, toJson } from '../format.js';

/** `dispatch stats [--json] [--watch [seconds]]`: counts by status, oldest pending age, in flight, per publisher. */
export async function statsCommand(
  options: { config?: string | undefined; json?: boolean | undefined; watch?: number | undefined },
  io: CliIo,
): Promise<number> {
  return withDispatch({ cwd: io.cwd, config: options.config, logLevel: 'warn' }, async (dispatch) => {
    if (options.watch === undefined) {
      io.stdout.write(render(dispatch, await dispatch.store.stats(), options.json === true));
      return 0;
    }
    return watch(dispatch, options.watch, options.json === true, io);
  });
}

function render(dispatch: Dispatch, stats: StoreStats, json: boolean): string {
  if (json) return toJson(stats);
  const counts = EVENT_STATUSES.map((status) => `${status} ${stats.counts[status]}`).join(', ');
  const oldest = stats.oldestPendingAgeMs === null ? 'none due' : formatDuration(stats.oldestPendingAgeMs);
  const rows = Object.entries(stats.byBackend).map(([publisher, byStatus]) => [
    dispatch.backends.has(publisher) ? publisher : `${publisher} (not configured)`,
    ...EVENT_STATUSES.map((status) => String(byStatus[status])),
  ]);
  return `events: ${counts}\noldest pending: ${oldest}\nin flight: ${stats.inFlight}\n\n${table(
    ['PUBLISHER', ...EVENT_STATUSES.map((status) => status.toUpperCase())],
    rows,
  )}`;
}

/**
 * `--watch`: the table again every `seconds` until SIGINT/SIGTERM, redrawn in place on a terminal,
 * one block (or one JSON line) after another when piped. A failed count is shown and retried.
 */
async function watch(dispatch: Dispatch, seconds: number, json: boolean, io: CliIo): Promise<number> {
  let stopped = false;
  let wake: (() => void) | undefined;
  const remove = io.onSignal(() => {
    stopped = true;
    wake?.();
  });
  const redraw = io.stdout.isTTY === true && !json;
  try {
    while (!stopped) {
      let text: string;
      try {
        const stats = await dispatch.store.stats();
        text = json ? `${JSON.stringify(stats)}\n` : render(dispatch, stats, false);
      } catch (error) {
        text = `${new Date().toISOString()} stats failed: ${redactText((error as Error).message)}\n`;
      }
      const heading = `${new Date().toISOString()}, every ${seconds} s (Ctrl-C to stop)\n`;
      // Home and clear-to-end: the table is rewritten where it stands, with no scrollback flood.
      if (redraw) io.stdout.write(`\x1b[H\x1b[J${heading}${text}`);
      else io.stdout.write(json ? text : `${heading}${text}\n`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, seconds * 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    remove();
  }
  return 0;
}
