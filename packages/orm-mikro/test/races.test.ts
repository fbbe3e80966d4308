import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { OutboxStore } from '@dispatch/core';
import { makeNewEvent } from '@dispatch/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, openOutbox, type TestOutbox } from './databases.js';

const claimer = join(import.meta.dirname, 'fixtures', 'claimer.ts');

interface Report {
  owner: string;
  claimed: string[];
  published: string[];
}

describe.each(DATABASES)('races between processes on %s', (db) => {
  let outbox: TestOutbox;
  let store: OutboxStore;
  let tableName: string;
  let file: string;

  beforeAll(async () => {
    outbox = await openOutbox(db, 'race');
    ({ store, tableName } = outbox);
    file = db === 'sqlite' ? String(outbox.orm.config.get('dbName')) : '-';
  });

  afterAll(() => outbox.close());

  /** Start a claimer process; resolves once it is ready, with a `go` to start it and its report. */
  const start = async (owner: string, mode: 'publish' | 'crash', batch: number, leaseMs: number) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', claimer, db, file, tableName, owner, mode, String(batch), String(leaseMs)],
      { cwd: join(import.meta.dirname, '..'), stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const ready = new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('ready\n')) resolve();
      });
      child.on('exit', () => reject(new Error(`${owner} exited before it was ready: ${stderr}`)));
    });
    const report = new Promise<Report>((resolve, reject) => {
      child.on('exit', (code) => {
        if (code === 0) resolve(JSON.parse(stdout) as Report);
        else reject(new Error(`${owner} exited with ${code}: ${stderr}`));
      });
    });
    report.catch(() => {});
    await ready;
    return {
      go: () => {
        child.stdin.end('go\n');
        return report;
      },
    };
  };

  it('N claimer processes never get the same event, and a crashed claimer loses nothing', async () => {
    const events = Array.from({ length: 1500 }, (_, n) =>
      makeNewEvent({ data: { n }, key: n % 5 === 0 ? `key-${n % 7}` : null }),
    );
    await store.insert(events, { transaction: undefined, onCommit: () => {} });

    // The crash happens first, so its leases (1.5 s) are still live while the others start.
    const crashed = await (await start('crasher', 'crash', 60, 1500)).go();
    expect(crashed.claimed).toHaveLength(60);
    const workers = await Promise.all([1, 2, 3, 4].map((n) => start(`worker-${n}`, 'publish', 10, 30_000)));
    const reports = await Promise.all(workers.map((worker) => worker.go()));

    const all = reports.flatMap((report) => report.published);
    expect(all).toHaveLength(events.length);
    expect(new Set(all).size).toBe(events.length);
    expect(new Set(all)).toEqual(new Set(events.map((event) => event.id)));
    // More than one process really took part.
    expect(reports.filter((report) => report.published.length > 0).length).toBeGreaterThan(1);

    const stats = await store.stats();
    expect(stats.counts).toMatchObject({
      pending: 0,
      retry: 0,
      processing: 0,
      failed: 0,
      published: events.length,
    });
    // The crashed claim used an attempt, and it stays counted.
    for (const id of crashed.claimed.slice(0, 10)) expect((await store.get(id))?.attempts).toBe(2);
  }, 180_000);
});
