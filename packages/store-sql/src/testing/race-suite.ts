import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { OutboxStore } from '@dispatch/core';
import { makeNewEvent } from '@dispatch/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClaimerJob, type ClaimerReport, READY_LINE, REPORT_PREFIX } from './claimer-protocol.js';
import type { OpenedStore, SuiteContext } from './suite-context.js';

const TYPESCRIPT = /\.[mc]?tsx?$/;

/**
 * The claimer process's entry: next to this file, in the source (.ts) or the build (.js). In the
 * CommonJS build `import.meta.url` is a shim from a shared chunk one folder up.
 */
function claimerProcessPath(): string {
  const here = fileURLToPath(import.meta.url);
  const name = TYPESCRIPT.test(here) ? 'claimer-process.ts' : 'claimer-process.js';
  const candidates = [join(dirname(here), name), join(dirname(here), 'testing', name)];
  const found = candidates.find((path) => existsSync(path));
  if (!found)
    throw new Error(`the claimer process entry is missing at ${candidates[0]}; rebuild the package`);
  return found;
}

/** `--import <tsx>` when anything the process loads is TypeScript; tsx resolved from the module first. */
function loaderArguments(module: string, entry: string): string[] {
  if (!TYPESCRIPT.test(module) && !TYPESCRIPT.test(entry)) return [];
  for (const from of [module, fileURLToPath(import.meta.url)]) {
    try {
      return ['--import', pathToFileURL(createRequire(from).resolve('tsx')).href];
    } catch {
      // Not installed there: try the next place.
    }
  }
  throw new Error(
    `claimerModule ${module} is TypeScript, and tsx does not resolve from its folder: add tsx to the devDependencies of its package`,
  );
}

/** Cross-process claim races: claimers in their own processes, one of them crashing. */
export function raceSuite(context: SuiteContext): void {
  describe.skipIf(!context.capabilities.crossProcess)('races between processes', () => {
    let opened: OpenedStore;
    let store: OutboxStore;
    let entry: string;
    let loader: string[];
    const module = context.options.claimerModule ?? '';

    beforeAll(async () => {
      entry = claimerProcessPath();
      loader = loaderArguments(module, entry);
      opened = await context.open('race');
      store = opened.store;
    }, 60_000);

    afterAll(() => opened?.close());

    /** Start a claimer process; resolves once it is ready, with a `go` to start it and its report. */
    const start = async (owner: string, mode: ClaimerJob['mode'], batch: number, leaseMs: number) => {
      const job: ClaimerJob = {
        module,
        tableName: opened.tableName,
        dialect: context.dialect,
        context: opened.processContext ?? null,
        owner,
        mode,
        batch,
        leaseMs,
      };
      const child = spawn(process.execPath, [...loader, entry, JSON.stringify(job)], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      const ready = new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          if (stderr.includes(`${READY_LINE}\n`)) resolve();
        });
        child.on('exit', () => reject(new Error(`${owner} exited before it was ready: ${stderr}`)));
      });
      const report = new Promise<ClaimerReport>((resolve, reject) => {
        child.on('exit', (code) => {
          const line = stdout.split('\n').find((text) => text.startsWith(REPORT_PREFIX));
          if (code === 0 && line) resolve(JSON.parse(line.slice(REPORT_PREFIX.length)) as ClaimerReport);
          else reject(new Error(`${owner} exited with ${code} and ${line ? 'a' : 'no'} report: ${stderr}`));
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
}
