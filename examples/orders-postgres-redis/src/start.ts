// `pnpm start`: the orders service, the dispatch worker and the consumer, as three processes
// against the machine's PostgreSQL and Redis. Ctrl-C stops all three gracefully.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { createDispatch } from '@dispatch/core';
import { ensureSchema, openOrm } from './db.js';
import { dispatchConfig } from './dispatch-config.js';
import { settingsFromEnv } from './settings.js';

const root = join(import.meta.dirname, '..');
const settings = settingsFromEnv();

// Create the tables once, before anything starts (the service would too, but the worker must not race it).
{
  const orm = await openOrm(settings);
  const dispatch = await createDispatch(dispatchConfig(orm, settings));
  try {
    await ensureSchema(orm, dispatch, settings);
  } finally {
    await dispatch.close();
    await orm.close();
  }
}

const require = createRequire(import.meta.url);
const workerPackage = require.resolve('@dispatch/worker/package.json');
const { bin } = JSON.parse(readFileSync(workerPackage, 'utf8')) as { bin: { dispatch: string } };
const dispatchBin = join(dirname(workerPackage), bin.dispatch);

const commands: Record<string, string[]> = {
  server: ['--import', 'tsx', 'src/server.ts'],
  worker: [dispatchBin, 'worker', '--config', 'dispatch.config.ts'],
  consumer: ['--import', 'tsx', 'src/consumer-main.ts'],
};

const children = new Map<string, ChildProcess>();
let stopping = false;
let lastSignalAt = 0;

for (const [name, args] of Object.entries(commands)) {
  // Their own process group: a Ctrl-C in the terminal reaches only this process, which then sends
  // each child ONE SIGTERM (the worker treats a second signal as "exit now").
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.set(name, child);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => console.log(`[${name}] ${line}`));
  }
  child.on('exit', (code, signal) => {
    children.delete(name);
    console.log(`[${name}] exited (${signal ?? code})`);
    if (!stopping) {
      process.exitCode = 1;
      stopAll('a process stopped');
    }
    if (children.size === 0) process.exit();
  });
}

function stopAll(reason: string): void {
  const now = Date.now();
  // One Ctrl-C may arrive twice (the terminal and a wrapper such as pnpm relaying it): ignore repeats.
  if (now - lastSignalAt < 500) return;
  lastSignalAt = now;
  if (!stopping) {
    stopping = true;
    console.log(`${reason}: stopping the service, the worker and the consumer (again to kill them)`);
    for (const child of children.values()) child.kill('SIGTERM');
  } else {
    for (const child of children.values()) child.kill('SIGKILL');
  }
}

process.on('SIGINT', () => stopAll('SIGINT'));
process.on('SIGTERM', () => stopAll('SIGTERM'));
// Should this process die anyway, do not leave the children running.
process.on('exit', () => {
  for (const child of children.values()) child.kill('SIGKILL');
});

console.log(
  `started: service on port ${settings.port}, worker, consumer (stream ${settings.stream}, group ${settings.group})`,
);
