import { withDispatch } from '../cli-context.js';
import type { CliIo } from '../cli-io.js';

/** `dispatch migrate`: create or update the outbox schema. Idempotent. */
export async function migrateCommand(options: { config?: string | undefined }, io: CliIo): Promise<number> {
  return withDispatch({ cwd: io.cwd, config: options.config, logLevel: 'warn' }, async (dispatch) => {
    await dispatch.store.migrate();
    io.stdout.write(`outbox schema is up to date (store: ${dispatch.store.type})\n`);
    return 0;
  });
}
