import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend, BackendHealth, PublishOutcome } from '@dispatch/core';
import { recordingLogger } from '@dispatch/core/testing';
import { NatsServer } from '@dispatch/test-services/nats-server';
import { sparePort } from '@dispatch/test-services/spare-port';
import { writeCertificates } from '@dispatch/test-services/tls-ca';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsOptionsInput } from '../src/index.js';
import { makeEvents, openBackend, outcomeKinds } from './helpers.js';

const PASSWORD = 'TopSecret9-pw';
const WRONG = 'WrongSecret8-pw';
const TOKEN = 'TokenSecret7-t';

/** Everything a person could read about a backend: outcome errors, health, and every log line. */
function visibleText(outcomes: PublishOutcome[], health: BackendHealth, lines: unknown[]): string {
  const errors = outcomes.map((o) => (o.ok ? '' : `${o.error.message} ${String(o.error.cause ?? '')}`));
  return JSON.stringify({ errors, health, lines });
}

/** Publish, check health and close, keeping all the text it produced. */
async function exercise(options: NatsOptionsInput): Promise<{ outcomes: PublishOutcome[]; text: string }> {
  const logger = recordingLogger();
  let backend: Backend | undefined;
  try {
    backend = await openBackend(options, 15_000, logger);
    const outcomes = await backend.publish(makeEvents(2));
    const health = await backend.health();
    return { outcomes, text: visibleText(outcomes, health, logger.lines) };
  } finally {
    await backend?.close();
  }
}

describe('credentials never show', () => {
  it('a password in a server URL stays out of errors, health and logs when nothing listens', async () => {
    const port = await sparePort();
    const { outcomes, text } = await exercise({
      servers: `nats://alice:${PASSWORD}@127.0.0.1:${port}`,
      connect_timeout: 1,
    });
    expect(outcomeKinds(outcomes)).toEqual(['unavailable', 'unavailable']);
    expect(text).toContain(`Cannot connect to NATS at nats://127.0.0.1:${port}`);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('alice');
  });
});

describe('user and password', () => {
  let server: NatsServer;

  beforeAll(async () => {
    server = await NatsServer.start({
      args: ['--user', 'alice', '--pass', PASSWORD],
      probe: { user: 'alice', pass: PASSWORD },
    });
  });

  afterAll(async () => {
    await server.destroy();
  });

  it('log in from the options or from the server URL, and never show in health', async () => {
    for (const options of [
      { servers: server.url, user: 'alice', password: PASSWORD },
      { servers: `nats://alice:${encodeURIComponent(PASSWORD)}@127.0.0.1:${server.port}` },
    ]) {
      const { outcomes, text } = await exercise({ ...options, stream: 'AUTH' });
      expect(outcomeKinds(outcomes)).toEqual(['published', 'published']);
      expect(text).not.toContain(PASSWORD);
    }
  });

  it('a wrong password is "unavailable", and neither password shows', async () => {
    const { outcomes, text } = await exercise({
      servers: server.url,
      user: 'alice',
      password: WRONG,
      stream: 'AUTH',
    });
    expect(outcomeKinds(outcomes)).toEqual(['unavailable', 'unavailable']);
    expect(text).toMatch(/Authorization Violation/);
    expect(text).not.toContain(WRONG);
    expect(text).not.toContain(PASSWORD);
  });
});

describe('token', () => {
  let server: NatsServer;

  beforeAll(async () => {
    server = await NatsServer.start({ args: ['--auth', TOKEN], probe: { token: TOKEN } });
  });

  afterAll(async () => {
    await server.destroy();
  });

  it('logs in with the token and never shows it; without it the server refuses', async () => {
    const good = await exercise({ servers: server.url, token: TOKEN, stream: 'TOKEN' });
    expect(outcomeKinds(good.outcomes)).toEqual(['published', 'published']);
    expect(good.text).not.toContain(TOKEN);
    const none = await exercise({ servers: server.url, stream: 'TOKEN', connect_timeout: 1 });
    expect(outcomeKinds(none.outcomes)).toEqual(['unavailable', 'unavailable']);
  });
});

describe('TLS', () => {
  let dir: string;
  let server: NatsServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dispatch-nats-tls-'));
    const certificates = writeCertificates(dir);
    const file = certificates.read;
    server = await NatsServer.start({
      args: [
        '--tls',
        '--tlscert',
        certificates.serverCert,
        '--tlskey',
        certificates.serverKey,
        '--tlsverify',
        '--tlscacert',
        certificates.ca,
      ],
      probe: { tls: { ca: file('ca.crt'), cert: file('client.crt'), key: file('client.key') } },
    });
  });

  afterAll(async () => {
    await server?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes with the CA and a client certificate, given as file paths', async () => {
    const { outcomes } = await exercise({
      servers: `tls://127.0.0.1:${server.port}`,
      tls: { ca: join(dir, 'ca.crt'), cert: join(dir, 'client.crt'), key: join(dir, 'client.key') },
      stream: 'TLS',
    });
    expect(outcomeKinds(outcomes)).toEqual(['published', 'published']);
  });

  it('is "unavailable" without the client certificate, or without trusting the CA', async () => {
    const noCert = await exercise({
      servers: server.url,
      tls: { ca: join(dir, 'ca.crt') },
      stream: 'TLS',
      connect_timeout: 2,
    });
    expect(outcomeKinds(noCert.outcomes)).toEqual(['unavailable', 'unavailable']);
    const untrusted = await exercise({ servers: server.url, tls: true, stream: 'TLS', connect_timeout: 2 });
    expect(outcomeKinds(untrusted.outcomes)).toEqual(['unavailable', 'unavailable']);
    expect(untrusted.text).toMatch(/certificate/i);
  });

  it('names a TLS file that cannot be read', async () => {
    const missing = join(dir, 'missing-ca.crt');
    const { outcomes, text } = await exercise({ servers: server.url, tls: { ca: missing }, stream: 'TLS' });
    expect(outcomeKinds(outcomes)).toEqual(['unavailable', 'unavailable']);
    expect(text).toContain(`tls.ca: cannot read \\"${missing}\\" (no such file)`);
  });
});
