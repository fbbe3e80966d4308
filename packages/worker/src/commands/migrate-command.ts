import { withDispatch } from '../cli-context.js';
import type { CliIo } from '../cli-io.js';

/** `dispatch migrate`: create or update the outbox schema, and say which it did. Idempotent. */
export async function migrateCommand(options: { config?: string | undefined }, io: CliIo): Promise<number> {
  return withDispatch({ cwd: io.cwd, config: options.config, logLevel: 'warn' }, async (dispatch) => {
    const { outcome, table } = await dispatch.store.migrate();
    const named = table === undefined ? 'the outbox schema' : `the outbox table "${table}"`;
    const said = {
      created: `created ${named}`,
      updated: `updated ${named}: it now has what this version needs`,
      unchanged: `${named} was already up to date; nothing changed`,
      done: `${named} is up to date`,
      none: `this store has no schema to migrate`,
    }[outcome];
    io.stdout.write(`${said} (store: ${dispatch.store.type})\n`);
    return 0;
  });
}
