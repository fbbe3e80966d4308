import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS, makeEvents, openBackend, RedisServer, sparePort } from './helpers.js';

/** A throwaway CA and a server certificate for 127.0.0.1 / localhost. */
function makeCertificates(dir: string): void {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=dispatch-test-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  );
  execFileSync('sh', ['-c', 'printf "subjectAltName=DNS:localhost,IP:127.0.0.1" > san.ext'], { cwd: dir });
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    'san.ext',
    '-out',
    'server.crt',
  );
}

describe('TLS (rediss://)', () => {
  let dir: string;
  let server: RedisServer;
  let ca: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dispatch-tls-'));
    makeCertificates(dir);
    ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
    const port = await sparePort();
    server = await RedisServer.start(
      [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        join(dir, 'server.crt'),
        '--tls-key-file',
        join(dir, 'server.key'),
        '--tls-ca-cert-file',
        join(dir, 'ca.crt'),
        '--tls-auth-clients',
        'no',
      ],
      port,
      ['--tls', '--cacert', join(dir, 'ca.crt')],
    );
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
