import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectSettings, describeServers, urlCredentials, withoutCredentials } from './connection.js';
import { natsOptionsSchema } from './options.js';

const CREDS = `-----BEGIN NATS USER JWT-----
eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.sig
------END NATS USER JWT------

-----BEGIN USER NKEY SEED-----
SUAFAKESEEDFORTESTSONLYAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
------END USER NKEY SEED------
`;

const options = (input: unknown) => natsOptionsSchema.parse(input);

describe('server URLs', () => {
  it('reads user:password or a token from a URL (the client itself ignores them)', () => {
    expect(urlCredentials('nats://alice:p%40ss@host:4222')).toEqual({ user: 'alice', pass: 'p@ss' });
    expect(urlCredentials('tls://s3cr3t-token@host:4222')).toEqual({ token: 's3cr3t-token' });
    expect(urlCredentials('host:4222')).toBeUndefined();
  });

  it('describes servers without any user info', () => {
    expect(describeServers(['nats://alice:hunter2@a:4222', 'token@b:1', 'tls://c:2'])).toBe(
      'nats://a:4222,b:1,tls://c:2',
    );
    expect(withoutCredentials('nats://a:4222')).toBe('nats://a:4222');
  });
});

describe('connectSettings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dispatch-nats-settings-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('moves URL credentials to the connect options and strips them from the URLs', async () => {
    const settings = await connectSettings(options({ servers: ['nats://u:pw@a:1', 'nats://u:pw@b:2'] }), dir);
    expect(settings).toMatchObject({ servers: ['nats://a:1', 'nats://b:2'], user: 'u', pass: 'pw' });
  });

  it('takes creds as content or as a path relative to the configuration folder', async () => {
    writeFileSync(join(dir, 'app.creds'), CREDS);
    const fromFile = await connectSettings(options({ creds: 'app.creds' }), dir);
    const inline = await connectSettings(options({ creds: CREDS }), '/nowhere');
    expect(new TextDecoder().decode(fromFile.creds)).toBe(CREDS);
    expect(new TextDecoder().decode(inline.creds)).toBe(CREDS);
  });

  it('names the option and the file that cannot be read, never the content', async () => {
    await expect(connectSettings(options({ creds: 'missing.creds' }), dir)).rejects.toThrow(
      `creds: cannot read "${join(dir, 'missing.creds')}" (no such file)`,
    );
    writeFileSync(join(dir, 'wrong.creds'), 'SUTHISISASEEDNOTACREDSFILE');
    const error = await connectSettings(options({ creds: 'wrong.creds' }), dir).catch((e: Error) => e);
    expect(String(error)).toMatch(/expected a NATS \.creds file/);
    expect(String(error)).not.toContain('SUTHISISASEED');
    await expect(connectSettings(options({ tls: { ca: 'nope/ca.pem' } }), dir)).rejects.toThrow(
      /tls\.ca: cannot read/,
    );
  });

  it('reads TLS files and turns tls: true into default TLS', async () => {
    writeFileSync(join(dir, 'ca.pem'), 'CA');
    expect((await connectSettings(options({ tls: { ca: 'ca.pem' } }), dir)).tls).toEqual({ ca: 'CA' });
    expect((await connectSettings(options({ tls: true }), dir)).tls).toEqual({});
    expect((await connectSettings(options({}), dir)).tls).toBeUndefined();
  });
});
