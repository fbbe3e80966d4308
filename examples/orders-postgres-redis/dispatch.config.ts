// Read by `dispatch worker` / `dispatch migrate` / `dispatch events ...` run from this folder (or
// with --config). A function, because the store needs an initialized ORM.
import { openOrm } from './src/db.js';
import { dispatchConfig } from './src/dispatch-config.js';
import { settingsFromEnv } from './src/settings.js';

export default async () => {
  const settings = settingsFromEnv();
  return dispatchConfig(await openOrm(settings), settings);
};
