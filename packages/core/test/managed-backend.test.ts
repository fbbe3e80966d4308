import { describe, expect, it } from 'vitest';
import {
  BackendUnavailableError,
  createBackend,
  defineBackend,
  EventRejectedError,
  type OutboxEvent,
  silentLogger,
} from '../src/index.js';
import { makeOutboxEvent } from '../src/testing/index.js';
import { recordingBackend } from './helpers.js';

const opts = { name: 'main', logger: silentLogger };

describe('createBackend (core-owned lifecycle)', () => {
  it('connects once, on first use, and closes once', async () => {
    const { definition, state } = recordingBackend();
    const backend = await createBackend(definition, {}, opts);
    expect(state.created).toBe(0);
    await Promise.all([
      backend.publish([makeOutboxEvent()]),
      backend.publish([makeOutboxEvent()]),
      backend.health(),
    ]);
    expect(state.created).toBe(1);
    expect(state.connected).toBe(1);
    await Promise.all([backend.close(), backend.close()]);
    expect(state.closed).toBe(1);
  });

  it('waits for publishes in flight before closing the driver', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { definition, state } = recordingBackend(async (events) => {
      await gate;
      return events.map((event) => ({ id: event.id, ok: true as const }));
    });
    const backend = await createBackend(definition, {}, opts);
    const publishing = backend.publish([makeOutboxEvent()]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const closing = backend.close();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(state.closed).toBe(0);
    release();
    expect((await publishing)[0]?.ok).toBe(true);
    await closing;
    expect(state.closed).toBe(1);
  });

  it('turns a publish that runs past the time limit into unavailable outcomes, aborting its signal', async () => {
    const signals: AbortSignal[] = [];
    const { definition } = recordingBackend((_events, call) => {
      signals.push(call.signal);
      return new Promise(() => {});
    });
    const backend = await createBackend(definition, {}, { ...opts, timeoutMs: 50 });
    const [outcome] = await backend.publish([makeOutboxEvent()]);
    expect(outcome).toMatchObject({ ok: false, failure: 'unavailable' });
    expect(outcome?.ok === false && outcome.error.message).toMatch(
      /publish of 1 events did not finish within 50 ms/,
    );
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[0]?.reason).toMatchObject({ code: 'DISPATCH_TIMEOUT' });
  });

  it('hands a publish that finishes in time a signal that was never aborted', async () => {
    let seen: AbortSignal | undefined;
    const { definition } = recordingBackend(async (events, call) => {
      seen = call.signal;
      return events.map((event) => ({ id: event.id, ok: true as const }));
    });
    const backend = await createBackend(definition, {}, { ...opts, timeoutMs: 5000 });
    expect((await backend.publish([makeOutboxEvent()]))[0]).toMatchObject({ ok: true });
    expect(seen?.aborted).toBe(false);
    await backend.close();
  });

  it('maps a thrown error through the driver classify, and keeps passwords out of the message', async () => {
    const definition = defineBackend({
      type: 'throwing',
      create: () => ({
        publish: async () => {
          throw new Error('connect ECONNREFUSED redis://app:hunter2@10.0.0.1:6379');
        },
        health: async () => {
          throw new Error('auth failed for redis://app:hunter2@10.0.0.1:6379');
        },
        close: async () => {},
        classify: (error) =>
          (error as Error).message.includes('ECONNREFUSED') ? 'unavailable' : 'retryable',
      }),
    });
    const backend = await createBackend(definition, {}, opts);
    const [outcome] = await backend.publish([makeOutboxEvent()]);
    expect(outcome).toMatchObject({ ok: false, failure: 'unavailable' });
    expect(outcome?.ok === false && outcome.error).toBeInstanceOf(BackendUnavailableError);
    expect(outcome?.ok === false && outcome.error.message).not.toContain('hunter2');
    const health = await backend.health();
    expect(health.ok).toBe(false);
    expect(health.error).not.toContain('hunter2');
  });

  it('treats a failed connect as unavailable, and tries to connect again next time', async () => {
    let attempts = 0;
    const definition = defineBackend({
      type: 'flaky',
      create: () => ({
        connect: async () => {
          attempts++;
          if (attempts === 1) throw new Error('ECONNREFUSED');
        },
        publish: async (events: readonly OutboxEvent[]) =>
          events.map((event) => ({ id: event.id, ok: true as const })),
        health: async () => ({ ok: true }),
        close: async () => {},
      }),
    });
    const backend = await createBackend(definition, {}, opts);
    expect((await backend.publish([makeOutboxEvent()]))[0]).toMatchObject({
      ok: false,
      failure: 'unavailable',
    });
    expect((await backend.publish([makeOutboxEvent()]))[0]).toMatchObject({ ok: true });
    expect(attempts).toBe(2);
  });

  it('closes a driver whose connect failed or timed out, and creates a new one for the next try', async () => {
    const drivers: { closed: boolean }[] = [];
    let attempt = 0;
    const definition = defineBackend({
      type: 'slow-then-failing',
      create: () => {
        const driver = { closed: false };
        drivers.push(driver);
        return {
          connect: async () => {
            attempt += 1;
            if (attempt === 1) await new Promise(() => {}); // never answers
            if (attempt === 2) throw new Error('ECONNREFUSED');
          },
          publish: async (events: readonly OutboxEvent[]) =>
            events.map((event) => ({ id: event.id, ok: true as const })),
          health: async () => ({ ok: true }),
          close: async () => {
            driver.closed = true;
          },
        };
      },
    });
    const backend = await createBackend(definition, {}, { ...opts, timeoutMs: 50 });
    expect((await backend.publish([makeOutboxEvent()]))[0]).toMatchObject({ failure: 'unavailable' });
    expect((await backend.publish([makeOutboxEvent()]))[0]).toMatchObject({ failure: 'unavailable' });
    expect(drivers.map((driver) => driver.closed)).toEqual([true, true]);
    expect((await backend.publish([makeOutboxEvent()]))[0]).toMatchObject({ ok: true });
    await backend.close();
    expect(drivers.map((driver) => driver.closed)).toEqual([true, true, true]);
  });

  it('gives every event exactly one outcome, whatever the driver returned', async () => {
    const { definition } = recordingBackend(async (events) => [
      { id: events[0]!.id, ok: true },
      { id: events[0]!.id, ok: false, failure: 'rejected', error: new Error('dup') },
      { id: 'stranger', ok: true },
      { id: events[2]!.id, ok: false, failure: 'rejected', error: new EventRejectedError('too large') },
    ]);
    const backend = await createBackend(definition, {}, opts);
    const events = [makeOutboxEvent(), makeOutboxEvent(), makeOutboxEvent()];
    const outcomes = await backend.publish(events);
    expect(outcomes.map((o) => o.id)).toEqual(events.map((e) => e.id));
    expect(outcomes[0]).toMatchObject({ ok: true });
    expect(outcomes[1]).toMatchObject({ ok: false, failure: 'retryable' });
    expect(outcomes[1]?.ok === false && outcomes[1].error.message).toContain('returned no outcome');
    expect(outcomes[2]).toMatchObject({ ok: false, failure: 'rejected' });
  });

  it('runs prepare when created, reporting a failure as a configuration problem of that publisher', async () => {
    const definition = defineBackend({
      type: 'needs-client',
      prepare: () => {
        throw new Error('the package "fast-client" is not installed; pnpm add fast-client');
      },
      create: () => ({ publish: async () => [], health: async () => ({ ok: true }), close: async () => {} }),
    });
    const error = await createBackend(definition, {}, opts).catch((e) => e);
    expect(error.code).toBe('DISPATCH_CONFIG_INVALID');
    expect(error.issues).toEqual([
      {
        path: 'OUTBOX_PUBLISHERS.main',
        message: 'the package "fast-client" is not installed; pnpm add fast-client',
      },
    ]);
  });

  it('refuses use after close', async () => {
    const { definition } = recordingBackend();
    const backend = await createBackend(definition, {}, opts);
    await backend.close();
    await expect(backend.publish([makeOutboxEvent()])).rejects.toMatchObject({ code: 'DISPATCH_CLOSED' });
  });
});
