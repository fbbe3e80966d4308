// Read by `dispatch worker` / `dispatch migrate` / `dispatch events ...` run from this folder (or
// with --config). A function, because the store needs an open ORM: the one `ORM` names.
import { openData } from './src/data/index.js';
import { dispatchConfig } from './src/dispatch-config.js';
import { settingsFromEnv } from './src/settings.js';

export default async () => {
  const settings = settingsFromEnv();
  return dispatchConfig(await openData(settings), settings);
};
