import { backendOptionsError } from '@dispatch/core/testing';
import { describe, expect, it } from 'vitest';
import { natsBackend } from './nats-backend.js';
import { natsOptionsSchema } from './options.js';

const PREFIX = 'OUTBOX_PUBLISHERS.default.OPTIONS';

/** Problems as Dispatch reports them when it builds the publisher "default" (nothing connects). */
const failure = (options: unknown) => backendOptionsError(natsBackend, options);
const issuesOf = async (options: unknown) => [...(await failure(options)).issues];

describe('options', () => {
  it('has documented defaults', () => {
    expect(natsOptionsSchema.parse({})).toEqual({
      servers: 'nats://127.0.0.1:4222',
      tls: false,
      name: 'dispatch-outbox',
      subject: 'events.{event_type}',
      stream: 'EVENTS',
      stream_mode: 'create',
      duplicate_window: 3600,
      replicas: 1,
      max_age: null,
      max_msgs: null,
      publish_timeout: 5,
      connect_timeout: 5,
      cloud_event_mode: 'structured',
      timestamp_format: 'isoformat',
    });
  });

  it('takes one server or a list, with or without a scheme', () => {
    for (const servers of [
      'nats://a:4222',
      'tls://a.example.com:4443',
      'a:4222',
      'a',
      ['nats://a:1', 'b:2'],
      'nats://[::1]:4222',
    ]) {
      expect(natsOptionsSchema.safeParse({ servers }).success, JSON.stringify(servers)).toBe(true);
    }
  });

  it('names a misspelt option and suggests the right one', async () => {
    const [issue] = await issuesOf({ subjet: 'x' });
    expect(issue?.path).toBe(`${PREFIX}.subjet`);
    expect(issue?.message).toMatch(/subject/);
  });

  it('refuses a bad server URL without repeating it (it may hold a password)', async () => {
    const error = await failure({ servers: ['nats://a:4222', 'http://user:TopSecret9@host:80/x'] });
    expect(error.issues[0]?.path).toBe(`${PREFIX}.servers[1]`);
    expect(error.message).toMatch(/expected a server URL/);
    expect(error.message).not.toContain('TopSecret9');
  });

  it('flags a misspelt placeholder with a suggestion, and any other {name}', async () => {
    const issues = await issuesOf({ subject: 'events.{event_typ}.{tenant}' });
    expect(issues.map((issue) => issue.path)).toEqual([`${PREFIX}.subject`, `${PREFIX}.subject`]);
    expect(issues[0]?.message).toMatch(/unknown placeholder \{event_typ\}; did you mean \{event_type\}\?/);
    expect(issues[1]?.message).toMatch(/unknown placeholder \{tenant\}; \(placeholders: \{event_type\}/);
  });

  it.each([
    ['events..x', /empty token/],
    ['events.*', /wildcard/],
    ['events {event_type}', /whitespace/],
    ['events.{event_type}.', /empty token/],
  ])('refuses the subject %j, saying why', async (subject, why) => {
    const [issue] = await issuesOf({ subject });
    expect(issue?.path).toBe(`${PREFIX}.subject`);
    expect(issue?.message).toMatch(/is not a valid NATS subject/);
    expect(issue?.message).toMatch(why);
  });

  it('refuses stream names JetStream refuses', async () => {
    for (const stream of ['a.b', 'a b', 'a/b', 'a*', '']) {
      const [issue] = await issuesOf({ stream });
      expect(issue?.path, stream).toBe(`${PREFIX}.stream`);
    }
  });

  it('needs stream_subjects when they cannot be worked out, in create mode only', async () => {
    const [issue] = await issuesOf({ subject: '{source}.events' });
    expect(issue?.path).toBe(`${PREFIX}.stream_subjects`);
    expect(issue?.message).toMatch(/cannot be worked out/);
    expect(natsOptionsSchema.safeParse({ subject: '{source}.events', stream_mode: 'expect' }).success).toBe(
      true,
    );
    expect(natsOptionsSchema.safeParse({ subject: () => 'x', stream_subjects: ['x'] }).success).toBe(true);
  });

  it('refuses stream_subjects that do not take a plain subject, and invalid patterns', async () => {
    let [issue] = await issuesOf({ subject: 'orders', stream_subjects: ['events.>'] });
    expect(issue?.path).toBe(`${PREFIX}.stream_subjects`);
    expect(issue?.message).toMatch(/none of them takes the subject "orders"/);
    [issue] = await issuesOf({ stream_subjects: ['events.>.x'] });
    expect(issue?.path).toBe(`${PREFIX}.stream_subjects[0]`);
  });

  it('wants user and password together, and one way to authenticate', async () => {
    expect((await issuesOf({ password: 'p' }))[0]?.path).toBe(`${PREFIX}.password`);
    expect((await issuesOf({ user: 'u' }))[0]?.path).toBe(`${PREFIX}.user`);
    const [issue] = await issuesOf({ user: 'u', password: 'p', token: 't' });
    expect(issue?.path).toBe(`${PREFIX}.token`);
    expect(issue?.message).toMatch(/cannot be combined with user/);
    const [fromUrl] = await issuesOf({ servers: 'nats://u:p@a:4222', token: 't' });
    expect(fromUrl?.path).toBe(`${PREFIX}.servers`);
    const [different] = await issuesOf({ servers: ['nats://u:p@a:4222', 'nats://v:q@b:4222'] });
    expect(different?.path).toBe(`${PREFIX}.servers[0]`);
    expect(different?.message).toMatch(/different credentials/);
  });

  it('checks TLS files go together and the duplicate window fits max_age', async () => {
    expect((await issuesOf({ tls: { cert: 'c.pem' } }))[0]?.message).toMatch(/cert and key go together/);
    const [issue] = await issuesOf({ max_age: 60, duplicate_window: 120 });
    expect(issue?.path).toBe(`${PREFIX}.duplicate_window`);
    expect(issue?.message).toMatch(/must not be longer than max_age \(60 s\)/);
  });

  it('refuses a duplicate window shorter than JetStream accepts, naming the option', async () => {
    const [issue] = await issuesOf({ duplicate_window: 0.05 });
    expect(issue?.path).toBe(`${PREFIX}.duplicate_window`);
    expect(issue?.message).toMatch(/at least 0\.1/);
    expect(natsOptionsSchema.parse({ duplicate_window: 0.1 }).duplicate_window).toBe(0.1);
  });

  it('refuses timeouts and counts that are not positive numbers', async () => {
    const issues = await issuesOf({ publish_timeout: 0, connect_timeout: '5', replicas: 7, max_msgs: 1.5 });
    expect(issues.map((issue) => issue.path).sort()).toEqual(
      [
        `${PREFIX}.connect_timeout`,
        `${PREFIX}.max_msgs`,
        `${PREFIX}.publish_timeout`,
        `${PREFIX}.replicas`,
      ].sort(),
    );
  });

  it('takes only the two CloudEvent modes', async () => {
    const [issue] = await issuesOf({ cloud_event_mode: 'batch' });
    expect(issue?.message).toMatch(/expected "structured" or "binary"/);
  });
});
