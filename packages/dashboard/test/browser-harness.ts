import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDispatch, type Dispatch, type DispatchConfig, loadConfigFile } from '@dispatch/core';
import { type CliIo, runCli } from '@dispatch/worker';
import { Redis } from 'ioredis';
import pg from 'pg';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const CONFIG = join(import.meta.dirname, 'fixtures', 'dispatch.config.ts');
export const SCREENSHOTS = join(import.meta.dirname, '..', 'screenshots');

/** A `dispatch` command running in this process until `stop()` sends it SIGTERM. */
export interface RunningCommand {
  output: () => string;
  stop(): Promise<number>;
}

export function startCommand(argv: string[]): RunningCommand {
  let out = '';
  const handlers: ((signal: NodeJS.Signals) => void)[] = [];
  const io: CliIo = {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (out += text) },
    cwd: import.meta.dirname,
    onSignal(handler) {
      handlers.push(handler);
      return () => handlers.splice(handlers.indexOf(handler), 1);
    },
    exit() {},
  };
  const done = runCli(['--config', CONFIG, ...argv], io);
  return {
    output: () => out,
    async stop() {
      for (const handler of [...handlers]) handler('SIGTERM');
      return done;
    },
  };
}

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Names of this run's table and stream, set where the config file reads them. */
export function uniqueNames(): { table: string; stream: string } {
  const id = randomBytes(4).toString('hex');
  const names = { table: `dashboard_e2e_${id}`, stream: `dashboard-e2e-${id}` };
  process.env.DASHBOARD_E2E_TABLE = names.table;
  process.env.DASHBOARD_E2E_STREAM = names.stream;
  return names;
}

export async function openFixtureDispatch(): Promise<Dispatch> {
  const loaded = await loadConfigFile({ cwd: import.meta.dirname, file: CONFIG });
  return createDispatch(loaded.config as DispatchConfig, { configDir: loaded.dir, source: loaded.path });
}

/** Drop the run's table and Redis keys. */
export async function removeEverything(names: { table: string; stream: string }): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
  await client.connect();
  await client.query(`DROP TABLE IF EXISTS "${names.table}"`);
  await client.end();
  const redis = new Redis({ host: '127.0.0.1', port: 6379 });
  const keys = [names.stream];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `*${names.stream}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  await redis.del(...keys);
  await redis.quit();
}

/** Stream entries' event ids. */
export async function streamEventIds(stream: string): Promise<string[]> {
  const redis = new Redis({ host: '127.0.0.1', port: 6379 });
  try {
    const entries = await redis.xrange(stream, '-', '+');
    return entries.map(([, fields]) => fields[fields.indexOf('event_id') + 1] as string);
  } finally {
    await redis.quit();
  }
}

/** Headless Chromium on a fresh profile. Fails (never skips) when Chromium is not installed. */
export async function openBrowser(
  options: { httpCredentials?: { username: string; password: string } } = {},
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install it with apt-get update && apt-get install -y chromium`);
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'dashboard-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1280, height: 900 },
    ...options,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
