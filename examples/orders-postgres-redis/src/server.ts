// The orders service as its own process (started by `pnpm start`, or alone: `tsx src/server.ts`).
import { startService } from './service.js';
import { settingsFromEnv } from './settings.js';

const service = await startService(settingsFromEnv());
console.log(`listening on ${service.url}`);

let stopping = false;
const stop = (signal: NodeJS.Signals): void => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: closing`);
  service.close().then(
    () => console.log('stopped'),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
