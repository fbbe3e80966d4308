import { withDispatch } from '../cli-context.js';
import type { CliIo } from '../cli-io.js';
import { toJson } from '../format.js';
import { runCleanup } from '../retention.js';

/** `dispatch cleanup [--dry-run] [--json]`: apply `OUTBOX_RETENTION` now, in bounded batches. */
export async function cleanupCommand(
  options: { config?: string | undefined; dryRun?: boolean | undefined; json?: boolean | undefined },
  io: CliIo,
): Promise<number> {
  return withDispatch({ cwd: io.cwd, config: options.config, logLevel: 'warn' }, async (dispatch) => {
    const retention = dispatch.config.OUTBOX_RETENTION;
    const progress = io.stderr.isTTY === true;
    const result = await runCleanup(dispatch.store, retention, {
      dryRun: options.dryRun,
      onProgress: progress
        ? ({ status, deleted }) => {
            io.stderr.write(`\r${options.dryRun ? 'counting' : 'deleting'} ${status} events: ${deleted}   `);
          }
        : undefined,
    });
    if (progress) io.stderr.write('\r\x1b[K');
    if (options.json) {
      io.stdout.write(
        toJson({
          dryRun: options.dryRun === true,
          // null: CLEANUP_PUBLISHED is false, published events are kept.
          published: result.published,
          failed: result.failed,
          publishedRetentionDays: retention.PUBLISHED_RETENTION_DAYS,
          failedRetentionDays: retention.FAILED_RETENTION_DAYS,
        }),
      );
      return 0;
    }
    const verb = options.dryRun ? 'would delete' : 'deleted';
    const published =
      result.published === null
        ? 'kept published events (CLEANUP_PUBLISHED is false)'
        : `${verb} ${result.published} published events older than ${retention.PUBLISHED_RETENTION_DAYS} days`;
    io.stdout.write(
      `${published}; ${verb} ${result.failed} failed events older than ${retention.FAILED_RETENTION_DAYS} days\n`,
    );
    return 0;
  });
}
