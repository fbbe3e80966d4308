// Read by `dispatch worker` / `dispatch migrate` / `dispatch events ...` run from this folder (or
// with --config). A function, because the store needs an open ORM; `BROKER` picks the publisher.
import { openOrm } from './src/db.js';
import { dispatchConfig } from './src/dispatch-config.js';
import { settingsFromEnv } from './src/settings.js';

export default async () => {
  const settings = settingsFromEnv();
  const orm = await openOrm(settings);
  const config = dispatchConfig(orm, settings);
  // The command opened the ORM, so the command's dispatch.close() closes it.
  return { ...config, OUTBOX_HOOKS: { ...config.OUTBOX_HOOKS, close: () => orm.close() } };
};
