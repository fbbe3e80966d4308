import { EVENT_STATUSES } from '@dispatch/core';
import { withDispatch } from '../cli-context.js';
import type { CliIo } from '../cli-io.js';
import { formatDuration, table, toJson } from '../format.js';

/** `dispatch stats [--json]`: counts by status, oldest pending age, in flight, per backend. */
export async function statsCommand(
  options: { config?: string | undefined; json?: boolean | undefined },
  io: CliIo,
): Promise<number> {
  return withDispatch({ cwd: io.cwd, config: options.config, logLevel: 'warn' }, async (dispatch) => {
    const stats = await dispatch.store.stats();
    if (options.json) {
      io.stdout.write(toJson(stats));
      return 0;
    }
    const counts = EVENT_STATUSES.map((status) => `${status} ${stats.counts[status]}`).join(', ');
    const oldest = stats.oldestPendingAgeMs === null ? 'none due' : formatDuration(stats.oldestPendingAgeMs);
    io.stdout.write(`events: ${counts}\noldest pending: ${oldest}\nin flight: ${stats.inFlight}\n\n`);
    const rows = Object.entries(stats.byBackend).map(([backend, byStatus]) => [
      dispatch.backends.has(backend) ? backend : `${backend} (not configured)`,
      ...EVENT_STATUSES.map((status) => String(byStatus[status])),
    ]);
    io.stdout.write(table(['BACKEND', ...EVENT_STATUSES.map((status) => status.toUpperCase())], rows));
    return 0;
  });
}
