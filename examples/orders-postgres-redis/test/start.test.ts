import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { postOrder, removeEverything, settingsEnv, uniqueSettings, waitFor } from './helpers.js';

// `pnpm start` as a user runs it: three processes, then Ctrl-C.
const settings = { ...uniqueSettings(), logLevel: 'info' as const };
let start: ChildProcess | undefined;

afterAll(async () => {
  if (start && start.exitCode === null) start.kill('SIGKILL');
  await removeEverything(settings);
});

describe('pnpm start', () => {
  it('runs the service, the worker and the consumer, and stops all three on SIGINT', {
    timeout: 180_000,
  }, async () => {
    const lines: string[] = [];
    start = spawn(process.execPath, ['--import', 'tsx', 'src/start.ts'], {
      cwd: join(import.meta.dirname, '..'),
      env: { ...process.env, ...settingsEnv(settings) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [start.stdout!, start.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => lines.push(line));
    }
    const exited = new Promise<number | null>((resolve) => start!.on('exit', (code) => resolve(code)));
    // On a timeout, show what the three processes printed.
    const wait = (condition: () => boolean, what: string, timeoutMs?: number) =>
      waitFor(
        () => {
          if (start!.exitCode !== null) throw new Error(`pnpm start exited early:\n${lines.join('\n')}`);
          return condition();
        },
        what,
        timeoutMs,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${lines.join('\n')}`);
      });

    await wait(() => lines.some((l) => l.startsWith('[server] listening on ')), 'the service', 60_000);
    await wait(() => lines.some((l) => l.includes('worker started')), 'the worker', 60_000);
    await wait(() => lines.some((l) => l.startsWith('[consumer] reading ')), 'the consumer', 60_000);
    const url = lines
      .find((l) => l.startsWith('[server] listening on '))!
      .slice('[server] listening on '.length);

    const placed: number[] = [];
    for (const order of [
      { customer: 'ada', totalCents: 4200 },
      { customer: 'grace', totalCents: 50_000 }, // past the credit limit: rolled back
      { customer: 'grace', totalCents: 1750 },
      { customer: 'ada', totalCents: 800 },
    ]) {
      const { status, body } = await postOrder(url, order);
      if (status === 201) placed.push(body.id!);
      else expect(status).toBe(422);
    }
    expect(placed).toHaveLength(3);

    const shipped = (): string[] => lines.filter((l) => l.startsWith('[consumer] order #'));
    await wait(() => shipped().length >= 3, 'the consumer to handle the orders', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Per customer, in the order placed (orders of different customers are not ordered).
    const handled = shipped().map((l) => l.match(/^\[consumer\] order #(\d+) for (\w+)/)!.slice(1, 3));
    expect(handled.filter(([, c]) => c === 'ada').map(([id]) => Number(id))).toEqual([placed[0], placed[2]]);
    expect(handled.filter(([, c]) => c === 'grace').map(([id]) => Number(id))).toEqual([placed[1]]);

    start.kill('SIGINT');
    expect(await exited).toBe(0);
    for (const name of ['server', 'worker', 'consumer']) expect(lines).toContain(`[${name}] exited (0)`);
    expect(lines.some((l) => l.includes('worker stopped'))).toBe(true);
  });
});
