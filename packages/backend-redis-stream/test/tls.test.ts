import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServer } from '@dispatch/test-services/redis-server';
import { sparePort } from '@dispatch/test-services/spare-port';
import { writeCertificates } from '@dispatch/test-services/tls-ca';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS, makeEvents, openBackend } from './helpers.js';

describe('TLS (rediss://)', () => {
  let dir: string;
  let server: RedisServer;
  let ca: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dispatch-tls-'));
    const certificates = writeCertificates(dir);
    ca = certificates.read('ca.crt');
    const port = await sparePort();
    server = await RedisServer.start({
      args: [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        certificates.serverCert,
        '--tls-key-file',
        certificates.serverKey,
        '--tls-ca-cert-file',
        certificates.ca,
        '--tls-auth-clients',
        'no',
      ],
      port,
      cliArgs: ['--tls', '--cacert', certificates.ca],
    });
  });

  afterAll(async () => {
    await server?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(CLIENTS)('publishes over rediss:// with the CA given in tls (%s)', async (client) => {
    const backend = await openBackend({
      client,
      url: `rediss://127.0.0.1:${server.port}`,
      tls: { ca },
      stream_name: `tls-${client}`,
    });
    try {
      const outcomes = await backend.publish(makeEvents(2));
      expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
      expect((await backend.health()).details).toMatchObject({
        target: `rediss://127.0.0.1:${server.port}/0`,
      });
    } finally {
      await backend.close();
    }
  });

  it.each(CLIENTS)(
    'refuses a server certificate it cannot verify, with a clear message (%s)',
    async (client) => {
      const backend = await openBackend({
        client,
        host: '127.0.0.1',
        port: server.port,
        tls: true,
        connect_timeout: 2,
      });
      try {
        const health = await backend.health();
        expect(health.ok).toBe(false);
        expect(health.error).toMatch(/certificate/i);
      } finally {
        await backend.close();
      }
    },
  );
});
