import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createBackend, createDispatch, loadConfigFile, silentLogger } from '@dispatch/core';
import { makeOutboxEvent } from '@dispatch/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import webhookBackend from '../src/webhook-backend.js';
import { startWebhookServer } from './webhook-server.js';

let server: Awaited<ReturnType<typeof startWebhookServer>>;
beforeAll(async () => {
  server = await startWebhookServer();
});
afterAll(() => server.close());

const backendFor = (url: string) =>
  createBackend(webhookBackend, { url, timeout: 2 }, { name: 'hooks', logger: silentLogger });

describe('webhook backend', () => {
  it('sends the event id as the Idempotency-Key', async () => {
    const backend = await backendFor(server.url);
    const event = makeOutboxEvent();
    await backend.publish([event]);
    const request = server.received.find((r) => r.body.event_id === event.id);
    expect(request?.headers['idempotency-key']).toBe(event.id);
    await backend.close();
  });

  it('maps answers to failure kinds: 4xx rejected, 5xx and 429 retryable, no answer unavailable', async () => {
    const backend = await backendFor(server.url);
    const [bad, busy, down] = [makeOutboxEvent(), makeOutboxEvent(), makeOutboxEvent()];
    server.respondWith((body) => (body.event_id === bad!.id ? 422 : body.event_id === busy!.id ? 503 : 200));
    const outcomes = await backend.publish([bad!, busy!]);
    server.respondWith(() => 200);
    expect(outcomes[0]).toMatchObject({ ok: false, failure: 'rejected' });
    expect(outcomes[1]).toMatchObject({ ok: false, failure: 'retryable' });
    // Each says why: the status with the endpoint's words, or what kept the request from arriving.
    const message = (outcome: unknown) => ((outcome as { error?: Error }).error as Error).message;
    expect(message(outcomes[0])).toContain('/events answered 422: {"error":"test endpoint says 422"}');
    // A port nothing listens on (taken, then let go); fetch refuses some ports outright (9 is "bad port").
    const spare = createServer();
    await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
    const { port } = spare.address() as AddressInfo;
    await new Promise((resolve) => spare.close(resolve));
    const unreachable = await backendFor(`http://127.0.0.1:${port}/events`);
    const [refused] = await unreachable.publish([down!]);
    expect(refused).toMatchObject({ ok: false, failure: 'unavailable' });
    expect(message(refused)).toMatch(
      new RegExp(`127\\.0\\.0\\.1:${port}/events: fetch failed \\(.*ECONNREFUSED`),
    );
    const health = await unreachable.health();
    expect(health.ok).toBe(false);
    expect(health.error).toMatch(/fetch failed \(.*ECONNREFUSED/);
    await Promise.all([backend.close(), unreachable.close()]);
  });

  it('drops the requests of a batch that core gave up on at PUBLISH_TIMEOUT', async () => {
    // An endpoint that takes the request and never answers.
    const closed: Promise<void>[] = [];
    const silent = createServer((request) => {
      closed.push(new Promise((resolve) => request.socket.once('close', () => resolve())));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    // The option's own timeout (2 s) is longer than the publisher's deadline (0.2 s).
    const backend = await createBackend(
      webhookBackend,
      { url: `http://127.0.0.1:${port}/events`, timeout: 2 },
      { name: 'hooks', logger: silentLogger, timeoutMs: 200 },
    );
    const started = Date.now();
    const [outcome] = await backend.publish([makeOutboxEvent()]);
    expect(outcome).toMatchObject({ ok: false, failure: 'unavailable' });
    // The connection is closed by the abort at the deadline, not left open for the 2 s timeout.
    await Promise.all(closed);
    expect(closed).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1500);
    await backend.close();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('is loaded by a path in BACKEND, relative to the config file', async () => {
    const loaded = await loadConfigFile({ cwd: join(import.meta.dirname, '..') });
    const dispatch = await createDispatch(loaded.config as never, { source: loaded.path });
    expect(dispatch.backends.get('default')?.type).toBe('webhook');
    await dispatch.close();
  });

  it('refuses bad options with their key path', async () => {
    const error = await createBackend(
      webhookBackend,
      { url: 'not a url', timeot: 3 },
      {
        name: 'hooks',
        logger: silentLogger,
      },
    ).catch((e) => e);
    expect(error.code).toBe('DISPATCH_CONFIG_INVALID');
    expect(error.issues.map((i: { path: string }) => i.path)).toEqual(
      expect.arrayContaining([
        'OUTBOX_PUBLISHERS.hooks.OPTIONS.url',
        'OUTBOX_PUBLISHERS.hooks.OPTIONS.timeot',
      ]),
    );
    expect(error.message).toContain('did you mean "timeout"');
  });

  it('runs under the dispatch command of this example: dispatch health checks the endpoint', async () => {
    const root = join(import.meta.dirname, '..');
    const bin = join(root, 'node_modules', '.bin', 'dispatch');
    const health = (url: string) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        execFile(
          bin,
          ['health'],
          { cwd: root, env: { ...process.env, WEBHOOK_URL: url } },
          (error, stdout, stderr) =>
            resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
        );
      });
    const up = await health(server.url);
    expect(up.code, up.out).toBe(0);
    expect(up.out).toMatch(/backend default\s+webhook\s+ok/);
    const down = await health('http://127.0.0.1:1/events');
    expect(down.code).toBe(1);
    expect(down.out).toMatch(/backend default\s+webhook\s+DOWN/);
  });
});
