import { formatTimestamp, toCloudEvent } from '@dispatch/core';
import { makeOutboxEvent } from '@dispatch/core/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsOptionsInput } from '../src/index.js';
import {
  deleteStreams,
  inspector,
  makeEvents,
  openBackend,
  outcomeKinds,
  readStream,
  testTarget,
} from './helpers.js';

const trace = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('publishing to the shared nats-server', () => {
  let nc: NatsConnection;
  const used: string[] = [];

  beforeAll(async () => {
    nc = await inspector();
  });

  afterAll(async () => {
    await deleteStreams(nc, used);
    await nc.close();
  });

  const target = (label: string) => {
    const names = testTarget(label);
    used.push(names.stream);
    return names;
  };

  /** A backend on a fresh stream of its own; closed by the caller. */
  const backendFor = (label: string, options: NatsOptionsInput = {}) => {
    const { stream, prefix } = target(label);
    return {
      stream,
      prefix,
      open: () => openBackend({ stream, subject: `${prefix}.{event_type}`, ...options }),
    };
  };

  it('sends the wire fields as headers and the CloudEvent JSON as the body (structured)', async () => {
    const { stream, prefix, open } = backendFor('headers');
    const backend = await open();
    const event = makeOutboxEvent({
      eventType: 'order.created',
      subject: 'order/42',
      key: 'customer-7',
      fields: { tenant: 'acme', retries: 2 },
      extensions: { traceparent: trace, tracestate: 'k=v', region: 'eu' },
      data: { total: 12.5, note: 'ünïcødé ✓' },
    });
    try {
      const [outcome] = await backend.publish([event]);
      expect(outcome).toEqual({ id: event.id, ok: true, ref: `${stream}:1` });
    } finally {
      await backend.close();
    }
    const [message] = await readStream(nc, stream);
    expect(message?.subject).toBe(`${prefix}.order.created`);
    expect(message?.headers).toEqual({
      event_id: event.id,
      event_type: 'order.created',
      source: event.source,
      timestamp: formatTimestamp(event.createdAt),
      tenant: 'acme',
      retries: '2',
      key: 'customer-7',
      traceparent: trace,
      tracestate: 'k=v',
      'Content-Type': 'application/cloudevents+json',
      'Nats-Msg-Id': event.id,
      'Nats-Expected-Stream': stream,
    });
    expect(JSON.parse(message?.body ?? 'null')).toEqual(toCloudEvent(event));
  });

  it('sends the data as the body and the attributes as ce- headers (binary)', async () => {
    const { stream, open } = backendFor('binary', { cloud_event_mode: 'binary' });
    const backend = await open();
    const json = makeOutboxEvent({
      subject: 'order/42',
      extensions: { tenant: 'acme', priority: 3 },
      data: { total: 1 },
    });
    const text = makeOutboxEvent({ dataContentType: 'text/plain', data: 'plain words' });
    try {
      expect(outcomeKinds(await backend.publish([json, text]))).toEqual(['published', 'published']);
    } finally {
      await backend.close();
    }
    const [first, second] = await readStream(nc, stream);
    expect(first?.headers).toMatchObject({
      event_id: json.id,
      'Content-Type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': json.id,
      'ce-source': json.source,
      'ce-type': json.eventType,
      'ce-time': json.createdAt.toISOString(),
      'ce-subject': 'order/42',
      'ce-tenant': 'acme',
      'ce-priority': '3',
    });
    expect(first?.body).toBe('{"total":1}');
    expect(second?.headers['Content-Type']).toBe('text/plain');
    expect(second?.body).toBe('plain words');
  });

  it('renders a templated subject per event, and creates the stream with the subjects it needs', async () => {
    const { stream, prefix } = target('template');
    const backend = await openBackend({ stream, subject: `${prefix}.{source}.{event_type}` });
    const events = [
      makeOutboxEvent({ source: 'shop', eventType: 'order.created' }),
      makeOutboxEvent({ source: 'billing', eventType: 'invoice.paid' }),
    ];
    try {
      expect(outcomeKinds(await backend.publish(events))).toEqual(['published', 'published']);
    } finally {
      await backend.close();
    }
    const messages = await readStream(nc, stream);
    expect(messages.map((m) => m.subject)).toEqual([
      `${prefix}.shop.order.created`,
      `${prefix}.billing.invoice.paid`,
    ]);
    const info = await (await jetstreamManager(nc)).streams.info(stream);
    expect(info.config).toMatchObject({
      subjects: [`${prefix}.>`],
      storage: 'file',
      num_replicas: 1,
      duplicate_window: 3600 * 1e9,
    });
  });

  it('rejects an event whose subject renders invalid or outside the stream, and publishes the rest', async () => {
    const { stream, prefix } = target('badsubject');
    const keyed = await openBackend({ stream, subject: `${prefix}.{key}` });
    try {
      const outcomes = await keyed.publish([makeOutboxEvent({ key: 'k1' }), makeOutboxEvent({ key: null })]);
      expect(outcomeKinds(outcomes)).toEqual(['published', 'rejected']);
      const failure = outcomes[1];
      expect(failure?.ok === false && failure.error.message).toMatch(
        new RegExp(
          `subject "${prefix.replaceAll('.', '\\.')}\\." of event .* is not a valid NATS subject: it has an empty token`,
        ),
      );
    } finally {
      await keyed.close();
    }
    const escaping = await openBackend({
      stream,
      subject: (event) => (event.source === 'elsewhere' ? 'somewhere.else' : `${prefix}.ok`),
      stream_subjects: [`${prefix}.>`],
    });
    try {
      const outcomes = await escaping.publish([makeOutboxEvent({ source: 'elsewhere' }), makeOutboxEvent()]);
      expect(outcomeKinds(outcomes)).toEqual(['rejected', 'published']);
      const failure = outcomes[0];
      expect(failure?.ok === false && failure.error.message).toMatch(
        `subject "somewhere.else" of event ${failure?.id} is not taken by stream "${stream}"`,
      );
    } finally {
      await escaping.close();
    }
    expect((await readStream(nc, stream)).map((m) => m.subject)).toEqual([`${prefix}.k1`, `${prefix}.ok`]);
  });

  it('is idempotent: the same event published twice, even by another backend, is stored once', async () => {
    const { stream, open } = backendFor('idem');
    const event = makeOutboxEvent();
    const first = await open();
    const second = await open();
    try {
      const [a] = await first.publish([event]);
      const [b] = await first.publish([event]);
      const [c] = await second.publish([event]);
      expect(a).toEqual({ id: event.id, ok: true, ref: `${stream}:1` });
      expect(b).toEqual(a);
      expect(c).toEqual(a);
    } finally {
      await first.close();
      await second.close();
    }
    const messages = await readStream(nc, stream);
    expect(messages.map((m) => m.headers.event_id)).toEqual([event.id]);
  });

  it('keeps a batch of keyed events in order, per key and overall', async () => {
    const { stream, open } = backendFor('order');
    const backend = await open();
    const keys = ['k0', 'k1', 'k2'];
    const events = Array.from({ length: 300 }, (_, n) =>
      makeOutboxEvent({ key: keys[n % 3] ?? null, data: { n } }),
    );
    try {
      const outcomes = await backend.publish(events);
      expect(outcomes.every((o) => o.ok)).toBe(true);
      expect(outcomes.map((o) => (o.ok ? o.ref : ''))).toEqual(events.map((_, n) => `${stream}:${n + 1}`));
    } finally {
      await backend.close();
    }
    const messages = await readStream(nc, stream);
    expect(messages.map((m) => m.headers.event_id)).toEqual(events.map((e) => e.id));
    for (const key of keys) {
      const sent = events.filter((e) => e.key === key).map((e) => e.id);
      const stored = messages.filter((m) => m.headers.key === key).map((m) => m.headers.event_id);
      expect(stored).toEqual(sent);
    }
  });

  it('holds back the later events of a key whose earlier event cannot be sent', async () => {
    const { stream, open } = backendFor('held');
    const backend = await open();
    const events = [
      makeOutboxEvent({ key: 'k' }),
      makeOutboxEvent({ key: 'k', fields: { 'bad:name': 'x' } }),
      makeOutboxEvent({ key: 'k' }),
      makeOutboxEvent({ key: 'j', fields: { note: 'one\nline too many' } }),
      makeOutboxEvent({ key: 'other' }),
    ];
    try {
      const outcomes = await backend.publish(events);
      expect(outcomeKinds(outcomes)).toEqual(['published', 'rejected', 'retryable', 'rejected', 'published']);
      expect(outcomes[1]?.ok === false && outcomes[1].error.message).toMatch(
        /a NATS header name cannot contain ":"/,
      );
      expect(outcomes[2]?.ok === false && outcomes[2].error.message).toMatch(/an earlier event of its key/);
      expect(outcomes[3]?.ok === false && outcomes[3].error.message).toMatch(/line break/);
    } finally {
      await backend.close();
    }
    expect((await readStream(nc, stream)).map((m) => m.headers.event_id)).toEqual([
      events[0]?.id,
      events[4]?.id,
    ]);
  });

  it('rejects a message larger than the stream or the server takes, and publishes the others', async () => {
    const { stream, prefix } = target('big');
    await (await jetstreamManager(nc)).streams.add({
      name: stream,
      subjects: [`${prefix}.>`],
      max_msg_size: 2000,
    });
    const backend = await openBackend({ stream, subject: `${prefix}.x`, stream_mode: 'expect' });
    const overStream = makeOutboxEvent({ data: { pad: 'x'.repeat(3000) } });
    const overServer = makeOutboxEvent({ data: { pad: 'x'.repeat(1_100_000) } });
    try {
      const outcomes = await backend.publish([makeOutboxEvent(), overStream, overServer, makeOutboxEvent()]);
      expect(outcomeKinds(outcomes)).toEqual(['published', 'rejected', 'rejected', 'published']);
      expect(outcomes[1]?.ok === false && outcomes[1].error.message).toMatch(
        /message size exceeds maximum allowed/,
      );
      expect(outcomes[2]?.ok === false && outcomes[2].error.message).toMatch(
        /bytes as a NATS message; the server's max_payload is 1048576/,
      );
    } finally {
      await backend.close();
    }
    expect(await readStream(nc, stream)).toHaveLength(2);
  });

  it('with stream_mode "expect", names the missing stream, and publishes once it exists', async () => {
    const { stream, prefix } = target('expect');
    const backend = await openBackend({ stream, subject: `${prefix}.{event_type}`, stream_mode: 'expect' });
    try {
      const [outcome] = await backend.publish(makeEvents(1));
      expect(outcome?.ok === false && outcome.failure).toBe('unavailable');
      const expected = `JetStream stream "${stream}" does not exist (stream_mode "expect"): create it with subjects ["${prefix}.>"], or set stream_mode to "create"`;
      expect(outcome?.ok === false && outcome.error.message).toContain(expected);
      const health = await backend.health();
      expect(health.ok).toBe(false);
      expect(health.error).toContain(expected);

      await (await jetstreamManager(nc)).streams.add({ name: stream, subjects: [`${prefix}.>`] });
      expect(outcomeKinds(await backend.publish(makeEvents(2)))).toEqual(['published', 'published']);
      expect((await backend.health()).ok).toBe(true);
    } finally {
      await backend.close();
    }
  });

  it('refuses an existing stream that does not take the subject, saying what it takes', async () => {
    const { stream, prefix } = target('narrow');
    await (await jetstreamManager(nc)).streams.add({ name: stream, subjects: [`${prefix}.only`] });
    const backend = await openBackend({ stream, subject: `${prefix}.{event_type}` });
    try {
      const [outcome] = await backend.publish(makeEvents(1));
      expect(outcome?.ok === false && outcome.failure).toBe('unavailable');
      expect(outcome?.ok === false && outcome.error.message).toContain(
        `JetStream stream "${stream}" exists but does not take ["${prefix}.>"] (its subjects: ["${prefix}.only"])`,
      );
    } finally {
      await backend.close();
    }
  });

  it('creates the stream again when it is deleted under a running backend', async () => {
    const { stream, open } = backendFor('deleted');
    const backend = await open();
    try {
      expect(outcomeKinds(await backend.publish(makeEvents(2)))).toEqual(['published', 'published']);
      await (await jetstreamManager(nc)).streams.delete(stream);
      const gone = await backend.publish(makeEvents(1));
      expect(outcomeKinds(gone)).toEqual(['retryable']);
      expect(gone[0]?.ok === false && gone[0].error.message).toMatch(`stream "${stream}" did not answer on`);
      const after = makeEvents(3);
      expect(outcomeKinds(await backend.publish(after))).toEqual(['published', 'published', 'published']);
      expect((await readStream(nc, stream)).map((m) => m.headers.event_id)).toEqual(after.map((e) => e.id));
    } finally {
      await backend.close();
    }
  });

  it('reports health with the connection and the stream', async () => {
    const { stream, prefix, open } = backendFor('health');
    const backend = await open();
    try {
      await backend.publish(makeEvents(3));
      const health = await backend.health();
      expect(health.ok, health.error).toBe(true);
      expect(health.details).toMatchObject({
        servers: 'nats://127.0.0.1:4222',
        stream,
        streamMode: 'create',
        subject: `${prefix}.{event_type}`,
        streamSubjects: [`${prefix}.>`],
        streamMessages: 3,
        streamLastSeq: 3,
        duplicateWindowSeconds: 3600,
        cloudEventMode: 'structured',
      });
      expect(typeof health.details?.rttMs).toBe('number');
      expect(health.details?.serverVersion).toMatch(/^\d+\.\d+\.\d+/);
    } finally {
      await backend.close();
    }
  });
});
