import { join } from 'node:path';
import type { Backend, PublishOutcome } from '@dispatch/core';
import { RabbitServer } from '@dispatch/test-services/rabbitmq-server';
import { sparePort } from '@dispatch/test-services/spare-port';
import { writeCertificates } from '@dispatch/test-services/tls-ca';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { classifyError, type RabbitmqOptionsInput } from '../src/index.js';
import { Inspector, makeEvent, makeEvents, openBackend, outcomeKinds } from './helpers.js';

const failure = (outcome: PublishOutcome | undefined) => (outcome && !outcome.ok ? outcome.error : undefined);

/**
 * A node with the rules the shared broker does not have: a user who may write to some exchanges
 * only, a small max_message_size, and a TLS listener that wants client certificates.
 */
describe('broker rules and TLS on a throwaway RabbitMQ node', () => {
  let server: RabbitServer;
  let tlsPort = 0;
  let inspector: Inspector;
  const backends: Backend[] = [];
  const open = async (options: RabbitmqOptionsInput) => {
    const backend = await openBackend(options);
    backends.push(backend);
    return backend;
  };

  beforeAll(async () => {
    tlsPort = await sparePort();
    server = await RabbitServer.start({
      config: [
        'max_message_size = 4096',
        `listeners.ssl.default = 127.0.0.1:${tlsPort}`,
        'ssl_options.verify = verify_peer',
        'ssl_options.fail_if_no_peer_cert = true',
      ],
      users: [
        { name: 'limited', password: 'limited-pass', configure: '^$', write: '^allowed\\.', read: '.*' },
      ],
      prepare: (dir) => {
        const certificates = writeCertificates(dir);
        return [
          `ssl_options.cacertfile = ${certificates.ca}`,
          `ssl_options.certfile = ${certificates.serverCert}`,
          `ssl_options.keyfile = ${certificates.serverKey}`,
        ];
      },
    });
    inspector = await Inspector.open(server.url);
    for (const exchange of ['allowed.events', 'denied.events']) {
      await inspector.channel.assertExchange(exchange, 'topic', { durable: true });
      await inspector.queue(exchange);
    }
  });

  afterEach(async () => {
    await Promise.all(backends.splice(0).map((backend) => backend.close()));
  });

  afterAll(async () => {
    await inspector?.close();
    await server?.destroy();
  });

  const limitedUrl = () => `amqp://limited:limited-pass@127.0.0.1:${server.port}`;

  it('access refused (403) on publish: that event is rejected by exchange name, the backend goes on', async () => {
    const denied = await open({ url: limitedUrl(), exchange: 'denied.events', exchange_mode: 'expect' });
    const [refused] = await denied.publish([makeEvent()]);
    expect(refused?.ok === false && refused.failure).toBe('rejected');
    expect(failure(refused)?.message).toContain(`exchange "denied.events"`);
    expect(failure(refused)?.message).toContain('ACCESS_REFUSED');
    expect(classifyError(failure(refused)?.cause)).toBe('rejected');
    expect(outcomeKinds(await denied.publish([makeEvent()]))).toEqual(['rejected']);

    const allowed = await open({ url: limitedUrl(), exchange: 'allowed.events', exchange_mode: 'expect' });
    expect(outcomeKinds(await allowed.publish(makeEvents(2)))).toEqual(['published', 'published']);
  });

  it('access refused mid-batch: only the refused events are rejected; the others are published or retryable', async () => {
    const backend = await open({ url: limitedUrl(), exchange: '{source}.events', exchange_mode: 'expect' });
    const events = [
      makeEvent({ source: 'allowed' }),
      makeEvent({ source: 'denied' }),
      makeEvent({ source: 'allowed' }),
    ];
    const outcomes = await backend.publish(events);
    expect(outcomeKinds(outcomes)[1]).toBe('rejected');
    for (const index of [0, 2]) expect(['published', 'retryable']).toContain(outcomeKinds(outcomes)[index]);
  });

  it('a user who may not declare: its events are rejected with what to change', async () => {
    const backend = await open({ url: limitedUrl(), exchange: 'allowed.new' });
    const [outcome] = await backend.publish([makeEvent()]);
    expect(outcome?.ok === false && outcome.failure).toBe('rejected');
    expect(failure(outcome)?.message).toContain('user "limited" may not declare exchange "allowed.new"');
  });

  it("a body over the broker's max_message_size: rejected, with the option to match", async () => {
    const backend = await open({ url: server.url, exchange: 'allowed.events' });
    const big = makeEvent({ data: { blob: 'x'.repeat(5000) } });
    const [outcome] = await backend.publish([big]);
    expect(outcome?.ok === false && outcome.failure).toBe('rejected');
    expect(failure(outcome)?.message).toMatch(/message size \d+ is larger than configured max size 4096/);
    expect(failure(outcome)?.message).toContain('max_message_bytes');
    expect(classifyError(failure(outcome)?.cause)).toBe('rejected');
    expect(outcomeKinds(await backend.publish(makeEvents(2)))).toEqual(['published', 'published']);
  });

  describe('TLS', () => {
    const tlsUrl = () => `amqps://guest:guest@localhost:${tlsPort}`;
    const file = (name: string) => join(server.dir, name);

    it('connects with the CA and a client certificate (paths relative to the configuration folder)', async () => {
      const backend = await openBackend(
        {
          url: tlsUrl(),
          exchange: 'allowed.events',
          tls: { ca: 'ca.crt', cert: 'client.crt', key: 'client.key' },
        },
        { configDir: server.dir },
      );
      backends.push(backend);
      expect(outcomeKinds(await backend.publish(makeEvents(2)))).toEqual(['published', 'published']);
      expect((await backend.health()).details).toMatchObject({ target: `amqps://localhost:${tlsPort}/%2F` });
    });

    it('host and port with tls options work as well as an amqps:// URL', async () => {
      const backend = await open({
        host: '127.0.0.1',
        port: tlsPort,
        exchange: 'allowed.events',
        tls: {
          ca: file('ca.crt'),
          cert: file('client.crt'),
          key: file('client.key'),
          servername: 'localhost',
        },
      });
      expect(outcomeKinds(await backend.publish([makeEvent()]))).toEqual(['published']);
    });

    it('a broker whose certificate does not verify is unavailable, with the reason', async () => {
      const backend = await open({
        url: tlsUrl(),
        exchange: 'allowed.events',
        tls: true,
        connect_timeout: 2,
      });
      const [outcome] = await backend.publish([makeEvent()]);
      expect(outcome?.ok === false && outcome.failure).toBe('unavailable');
      expect(failure(outcome)?.message).toMatch(/self[- ]signed|unable to verify|certificate/i);
    });

    it('without the client certificate the broker refuses the handshake: unavailable', async () => {
      const backend = await open({
        url: tlsUrl(),
        exchange: 'allowed.events',
        tls: { ca: file('ca.crt') },
        connect_timeout: 2,
      });
      const [outcome] = await backend.publish([makeEvent()]);
      expect(outcome?.ok === false && outcome.failure).toBe('unavailable');
      expect(failure(outcome)?.message).toContain('certificate required');
    });

    it('reject_unauthorized: false skips verifying the broker', async () => {
      const backend = await open({
        url: tlsUrl(),
        exchange: 'allowed.events',
        tls: { cert: file('client.crt'), key: file('client.key'), reject_unauthorized: false },
      });
      expect(outcomeKinds(await backend.publish([makeEvent()]))).toEqual(['published']);
    });
  });
});
