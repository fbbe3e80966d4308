import { request } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { sharedBroker } from '@dispatch/backend-memory';
import type { NewEvent } from '@dispatch/core';
import { type MemoryDatabase, makeNewEvent } from '@dispatch/core/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CliIo, runCli } from '../src/index.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const memoryDir = join(fixtures, 'memory');

interface Fake {
  io: CliIo;
  out: () => string;
  err: () => string;
  signal: (name: NodeJS.Signals) => void;
  exits: number[];
}

function fakeIo(cwd = memoryDir, answers?: boolean[]): Fake {
  let out = '';
  let err = '';
  const handlers = new Set<(signal: NodeJS.Signals) => void>();
  const exits: number[] = [];
  return {
    io: {
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: (text: string) => (err += text) },
      cwd,
      onSignal(handler) {
        handlers.add(handler);
        return () => handlers.delete(handler);
      },
      exit: (code) => {
        exits.push(code);
      },
      // A terminal that answers the questions in turn; none when the test gives no answers.
      ask: answers
        ? async (question: string) => {
            err += question;
            return answers.shift() ?? false;
          }
        : undefined,
    },
    out: () => out,
    err: () => err,
    signal: (name) => {
      for (const handler of [...handlers]) handler(name);
    },
    exits,
  };
}

async function run(argv: string[], cwd?: string, answers?: boolean[]): Promise<Fake & { code: number }> {
  const fake = fakeIo(cwd, answers);
  const code = await runCli(argv, fake.io);
  return { ...fake, code };
}

const shared = globalThis as { __dispatchCliDb?: MemoryDatabase };

/** The memory database the fixture config shares between commands. */
async function database(): Promise<MemoryDatabase> {
  if (!shared.__dispatchCliDb) await run(['stats']);
  return shared.__dispatchCliDb as MemoryDatabase;
}

async function insert(...events: Partial<NewEvent>[]): Promise<NewEvent[]> {
  const made = events.map((overrides) => makeNewEvent({ source: 'shop', ...overrides }));
  (await database()).apply(made);
  return made;
}

beforeEach(async () => {
  (await database()).clear();
  sharedBroker().reset();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('configuration', () => {
  it('prints every configuration problem at once and exits 1', async () => {
    const result = await run(['stats'], join(fixtures, 'bad'));
    expect(result.code).toBe(1);
    expect(result.err()).toContain('(3 problems)');
    expect(result.err()).toContain('OUTBOX_WORKER.BATCH_SIZE: must be at least 1');
    expect(result.err()).toContain('OUTBOX_WORKER.SLEEP_TME: unknown key; did you mean "SLEEP_TIME"?');
    expect(result.err()).toContain('OUTBOX_PUBLISHERS.default.OPTIONS.stream_name: must not be empty');
  });

  it('lists every backend and store problem at once', async () => {
    const result = await run(['health'], join(fixtures, 'bad-options'));
    expect(result.code).toBe(1);
    expect(result.err()).toContain('(3 problems)');
    expect(result.err()).toContain('OUTBOX_PUBLISHERS.default.OPTIONS.stream_name');
    expect(result.err()).toMatch(/OUTBOX_PUBLISHERS\.other\.BACKEND: .*no file at/);
    expect(result.err()).toContain('OUTBOX_STORE.OPTIONS.databse');
  });

  it('says where it looked when there is no config file, and accepts --config', async () => {
    const missing = await run(['stats'], fixtures);
    expect(missing.code).toBe(1);
    expect(missing.err()).toMatch(/no dispatch\.config\.ts .* in .*fixtures; create one .* or pass --config/);
    const given = await run(['--config', 'memory/dispatch.config.ts', 'stats'], fixtures);
    expect(given.code).toBe(0);
    const wrong = await run(['stats', '--config', 'nope.ts'], fixtures);
    expect(wrong.code).toBe(1);
    expect(wrong.err()).toMatch(/nope\.ts does not exist/);
  });

  it('takes the config file from DISPATCH_CONFIG when --config is not given', async () => {
    vi.stubEnv('DISPATCH_CONFIG', 'memory/dispatch.config.ts');
    try {
      expect((await run(['stats'], fixtures)).code).toBe(0);
      vi.stubEnv('DISPATCH_CONFIG', 'elsewhere/dispatch.config.ts');
      const wrong = await run(['stats'], fixtures);
      expect(wrong.code).toBe(1);
      expect(wrong.err()).toMatch(
        /DISPATCH_CONFIG names .*elsewhere\/dispatch\.config\.ts, which does not exist/,
      );
      // --config still wins.
      expect((await run(['--config', 'memory/dispatch.config.ts', 'stats'], fixtures)).code).toBe(0);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('takes the log level from DISPATCH_LOG_LEVEL, and names a wrong one', async () => {
    vi.stubEnv('DISPATCH_LOG_LEVEL', 'loud');
    try {
      const wrong = await run(['stats']);
      expect(wrong.code).toBe(1);
      expect(wrong.err()).toContain(
        'DISPATCH_LOG_LEVEL must be one of debug, info, warn, error, silent, got "loud"',
      );
      vi.stubEnv('DISPATCH_LOG_LEVEL', 'DEBUG');
      expect((await run(['stats'])).code).toBe(0);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('names a bad flag value and exits non-zero', async () => {
    const result = await run(['worker', '--batch-size', 'many']);
    expect(result.code).not.toBe(0);
    expect(result.err()).toMatch(/--batch-size.*'many' is invalid/);
    const unknown = await run(['wrok']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.err()).toMatch(/unknown command 'wrok'/);
  });

  it('has --help on every command, with examples', async () => {
    for (const argv of [
      [],
      ['worker'],
      ['migrate'],
      ['cleanup'],
      ['health'],
      ['stats'],
      ['events'],
      ['events', 'list'],
      ['events', 'show'],
      ['events', 'retry'],
      ['events', 'fail'],
    ]) {
      const result = await run([...argv, '--help']);
      expect(result.code, argv.join(' ')).toBe(0);
      expect(result.out(), argv.join(' ')).toMatch(/^Usage: dispatch/);
      if (argv.length > 0 && argv[0] !== 'events') expect(result.out()).toContain('Example');
    }
  });
});

describe('dispatch worker', () => {
  it('publishes and stops after --max-iterations, with flags overriding the config', async () => {
    await insert({}, {}, {}, { publisher: 'audit' });
    const result = await run(['worker', '--max-iterations', '1', '--batch-size', '3']);
    expect(result.code).toBe(0);
    expect(sharedBroker().count()).toBe(3);
  });

  it('stops on the first signal (exit 0, nothing left processing), exits at once on the second', async () => {
    await insert({}, {});
    const fake = fakeIo();
    const running = runCli(['worker', '--interval', '0.01'], fake.io);
    await sharedBroker().waitForCount(2, 15_000);
    const release = sharedBroker().hold();
    await insert({});
    await vi.waitFor(() => expect(sharedBroker().held).toBe(1));
    fake.signal('SIGTERM');
    fake.signal('SIGINT');
    expect(fake.exits).toEqual([130]);
    release();
    expect(await running).toBe(0);
    const db = await database();
    expect([...db.rows.values()].map((row) => row.status)).toEqual(['published', 'published', 'published']);
  });

  it('rejects a config error from flags with the setting named', async () => {
    const result = await run(['worker', '--concurrency', '1000']);
    expect(result.code).toBe(1);
    expect(result.err()).toContain('OUTBOX_WORKER.CONCURRENCY');
  });

  it('serves /healthz and /metrics on --metrics-port, on loopback, without event data', async () => {
    await insert({ data: { card: '4111-1111' } });
    const fake = fakeIo();
    const port = { port: await freePort(), address: '127.0.0.1' };
    const running = runCli(['worker', '--metrics-port', String(port.port), '--interval', '0.01'], fake.io);
    await sharedBroker().waitForCount(1, 15_000);
    await vi.waitFor(() => get(port.port, '/healthz'));
    const health = await get(port.port, '/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok', backends: { default: 'up', audit: 'up' } });
    const metrics = await get(port.port, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain(
      'dispatch_events_published_total{backend="default",event_type="test.happened"} 1',
    );
    expect(metrics.body).not.toContain('4111');
    expect((await get(port.port, '/')).status).toBe(404);
    fake.signal('SIGTERM');
    expect(await running).toBe(0);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dispatch migrate, health, stats, cleanup', () => {
  it('migrate succeeds and says there is nothing to migrate for a store without a schema', async () => {
    const result = await run(['migrate']);
    expect(result.code).toBe(0);
    expect(result.out()).toBe('this store has no schema to migrate (store: memory)\n');
  });

  it('health exits 0 when all is up and 1 naming the backend that is down', async () => {
    expect((await run(['health'])).code).toBe(0);
    sharedBroker().setUnavailable('connection refused');
    const down = await run(['health']);
    expect(down.code).toBe(1);
    expect(down.out()).toMatch(/backend default\s+memory\s+DOWN.*connection refused/);
    const json = await run(['health', '--json']);
    expect(JSON.parse(json.out())).toMatchObject({ ok: false, store: { ok: true } });
  });

  it('stats shows counts by status, per publisher, and as JSON', async () => {
    await insert({}, {}, { publisher: 'audit' }, { publisher: 'gone' });
    const text = await run(['stats']);
    expect(text.code).toBe(0);
    expect(text.out()).toContain('pending 4');
    expect(text.out()).toMatch(/gone \(not configured\)\s+1/);
    const json = JSON.parse((await run(['stats', '--json'])).out());
    expect(json.counts.pending).toBe(4);
    expect(json.byBackend.audit.pending).toBe(1);
  });

  it('stats --watch prints the counts again until a signal, one JSON line each with --json', async () => {
    await insert({}, {});
    const fake = fakeIo();
    const running = runCli(['stats', '--watch', '0.1', '--json'], fake.io);
    await vi.waitFor(() => expect(fake.out().split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(2));
    await insert({});
    await vi.waitFor(() => expect(fake.out()).toContain('"pending":3'));
    fake.signal('SIGINT');
    expect(await running).toBe(0);
    const lines = fake.out().trim().split('\n');
    expect(JSON.parse(lines[0]!).counts.pending).toBe(2);
    expect(JSON.parse(lines.at(-1)!).counts.pending).toBe(3);
    const bad = await run(['stats', '--watch', '0']);
    expect(bad.code).not.toBe(0);
    expect(bad.err()).toMatch(/--watch.*expected a number of seconds >= 0\.1/);
  });

  it('cleanup --json reports what it deleted', async () => {
    const [old] = await insert({});
    const db = await database();
    Object.assign(db.rows.get(old!.id)!, {
      status: 'failed',
      updatedAt: new Date(Date.now() - 40 * 86_400_000),
    });
    const dry = JSON.parse((await run(['cleanup', '--dry-run', '--json'])).out());
    expect(dry).toMatchObject({ dryRun: true, failed: 1, published: 0 });
    expect(db.rows.size).toBe(1);
    const real = JSON.parse((await run(['cleanup', '--json'])).out());
    expect(real).toMatchObject({ dryRun: false, failed: 1 });
    expect(db.rows.size).toBe(0);
  });

  it('cleanup deletes past retention; --dry-run only counts', async () => {
    const [old] = await insert({});
    const db = await database();
    const row = db.rows.get(old!.id)!;
    row.status = 'published';
    row.publishedAt = new Date(Date.now() - 8 * 86_400_000);
    await insert({});
    const dry = await run(['cleanup', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out()).toContain('would delete 1 published events older than 7 days');
    expect(db.rows.size).toBe(2);
    const real = await run(['cleanup']);
    expect(real.out()).toContain('deleted 1 published events');
    expect(db.rows.size).toBe(1);
  });
});

describe('dispatch events', () => {
  it('list filters by status, type, source, key and since, newest first; --json', async () => {
    const [a, b, c] = await insert(
      { eventType: 'order.created', key: 'k1' },
      { eventType: 'order.paid', source: 'billing' },
      { eventType: 'order.created' },
    );
    const all = await run(['events', 'list']);
    expect(all.code).toBe(0);
    const order = [c, b, a].map((event) => all.out().indexOf(event!.id));
    expect(order.every((index, i) => index > 0 && (i === 0 || index > (order[i - 1] ?? 0)))).toBe(true);
    const created = JSON.parse((await run(['events', 'list', '--type', 'order.created', '--json'])).out());
    expect(created.events.map((event: { id: string }) => event.id)).toEqual([c!.id, a!.id]);
    expect((await run(['events', 'list', '--source', 'billing'])).out()).toContain(b!.id);
    expect((await run(['events', 'list', '--key', 'k1'])).out()).toContain(a!.id);
    expect((await run(['events', 'list', '--status', 'failed'])).out()).toBe('no events match\n');
    expect((await run(['events', 'list', '--since', '1h'])).out()).toContain(a!.id);
    expect((await run(['events', 'list', '--since', '2999-01-01'])).out()).toBe('no events match\n');
  });

  it('list filters by --publisher, and by its hidden former name --backend', async () => {
    const [audit] = await insert({ publisher: 'audit' }, {});
    const json = JSON.parse((await run(['events', 'list', '--publisher', 'audit', '--json'])).out());
    expect(json.events.map((event: { id: string }) => event.id)).toEqual([audit!.id]);
    // Scripts reading the former name from --json keep working while it is deprecated.
    expect(json.events[0]).toMatchObject({ publisher: 'audit', backend: 'audit' });
    const text = (await run(['events', 'list', '--backend', 'audit'])).out();
    expect(text).toMatch(/PUBLISHER/);
    expect(text).toContain(audit!.id);
    expect(text.split('\n').filter((line) => line.includes('shop'))).toHaveLength(1);
    const both = await run(['events', 'list', '--publisher', 'audit', '--backend', 'default']);
    expect(both.code).toBe(1);
    expect(both.err()).toMatch(/--publisher "audit" and --backend "default" differ/);
    const help = (await run(['events', 'list', '--help'])).out();
    expect(help).toContain('--publisher <name>');
    expect(help).not.toContain('--backend');
  });

  it('list names a bad --status or --since', async () => {
    const status = await run(['events', 'list', '--status', 'pending,lost']);
    expect(status.code).toBe(1);
    expect(status.err()).toMatch(/--status "pending,lost": use one or more of pending, retry/);
    const since = await run(['events', 'list', '--since', 'yesterday-ish']);
    expect(since.code).toBe(1);
    expect(since.err()).toMatch(/--since "yesterday-ish" is neither a date/);
  });

  it('show prints one event, or exits 1 for an unknown id', async () => {
    const [event] = await insert({ data: { total: 12 } });
    const shown = await run(['events', 'show', event!.id]);
    expect(shown.code).toBe(0);
    expect(shown.out()).toContain(`id:           ${event!.id}`);
    expect(shown.out()).toContain('publisher:    default');
    expect(shown.out()).toContain('{"total":12}');
    expect(JSON.parse((await run(['events', 'show', event!.id, '--json'])).out()).id).toBe(event!.id);
    const missing = await run(['events', 'show', 'no-such-id']);
    expect(missing.code).toBe(1);
    expect(missing.err()).toContain('no event with id no-such-id');
  });

  it('retry requeues failed events by id, refusing others with the reason', async () => {
    const [failed, pending] = await insert({}, {});
    const db = await database();
    Object.assign(db.rows.get(failed!.id)!, { status: 'failed', attempts: 4, lastError: 'boom' });
    const result = await run(['events', 'retry', failed!.id, pending!.id, 'ghost']);
    expect(result.code).toBe(1);
    expect(result.out()).toContain('requeued 1 failed event');
    expect(result.err()).toContain(`${pending!.id}: is pending; only failed events can be retried`);
    expect(result.err()).toContain('ghost: no such event');
    expect(db.rows.get(failed!.id)).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('retry --failed requeues every failed event matching the filters', async () => {
    const events = await insert({ eventType: 'a' }, { eventType: 'a' }, { eventType: 'b' });
    const db = await database();
    for (const event of events) Object.assign(db.rows.get(event.id)!, { status: 'failed' });
    const result = await run(['events', 'retry', '--failed', '--type', 'a', '--yes']);
    expect(result.code).toBe(0);
    expect(result.out()).toContain('requeued 2 failed events');
    expect(db.rows.get(events[2]!.id)!.status).toBe('failed');
    expect((await run(['events', 'retry'])).err()).toMatch(/nothing to retry/);
    expect((await run(['events', 'retry', 'x', '--failed'])).err()).toMatch(/not both/);
  });

  it('retry --failed says how many it matches and asks, or wants --yes without a terminal', async () => {
    const events = await insert({ eventType: 'a' }, { eventType: 'a' });
    const db = await database();
    for (const event of events) Object.assign(db.rows.get(event.id)!, { status: 'failed' });
    const status = () => events.map((event) => db.rows.get(event.id)!.status);

    const piped = await run(['events', 'retry', '--failed']);
    expect(piped.code).toBe(1);
    expect(piped.err()).toContain('2 failed events match; pass --yes to requeue them');
    const dry = await run(['events', 'retry', '--failed', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out()).toBe(`would requeue 2 failed events:\n  ${events[1]!.id}\n  ${events[0]!.id}\n`);
    const declined = await run(['events', 'retry', '--failed'], undefined, [false]);
    expect(declined.code).toBe(1);
    expect(declined.err()).toContain('requeue 2 failed events? [y/N] ');
    expect(declined.err()).toContain('nothing requeued');
    expect(status()).toEqual(['failed', 'failed']);

    const accepted = await run(['events', 'retry', '--failed'], undefined, [true]);
    expect(accepted.code).toBe(0);
    expect(accepted.out()).toContain('requeued 2 failed events');
    expect(status()).toEqual(['pending', 'pending']);
    expect((await run(['events', 'retry', '--failed', '--yes'])).out()).toBe('no failed events match\n');
    expect((await run(['events', 'retry', events[0]!.id, '--dry-run'])).err()).toContain(
      '--dry-run goes with --failed',
    );
  });

  it('list pages with --after, oldest first with --oldest, and does not repeat the id in LAST ERROR', async () => {
    const made = await insert({}, {}, {});
    const db = await database();
    Object.assign(db.rows.get(made[0]!.id)!, {
      status: 'failed',
      lastError: `event ${made[0]!.id} is 3000000 bytes; max 1048576`,
    });
    const first = JSON.parse((await run(['events', 'list', '--limit', '2', '--json'])).out());
    expect(first.events.map((event: { id: string }) => event.id)).toEqual([made[2]!.id, made[1]!.id]);
    const text = await run(['events', 'list', '--limit', '2']);
    expect(text.out()).toContain(`(more: the next page is --after ${first.next}`);
    const second = await run(['events', 'list', '--limit', '2', '--after', first.next]);
    expect(second.out()).toContain(made[0]!.id);
    expect(second.out()).toContain('the event is 3000000 bytes; max 1048576');
    expect(second.out().split(made[0]!.id).length).toBe(2);
    const oldest = JSON.parse((await run(['events', 'list', '--oldest', '--limit', '1', '--json'])).out());
    expect(oldest.events[0].id).toBe(made[0]!.id);
  });

  it('fail marks pending events failed but never in-flight or published ones', async () => {
    const [pending, processing, published] = await insert({}, {}, {});
    const db = await database();
    Object.assign(db.rows.get(processing!.id)!, { status: 'processing' });
    Object.assign(db.rows.get(published!.id)!, { status: 'published' });
    const result = await run([
      'events',
      'fail',
      pending!.id,
      processing!.id,
      published!.id,
      '--reason',
      'INC-42',
    ]);
    expect(result.code).toBe(1);
    expect(result.out()).toContain('marked 1 event failed');
    expect(result.err()).toContain(`${processing!.id}: is being published by a worker right now`);
    expect(result.err()).toContain(`${published!.id}: is published`);
    expect(db.rows.get(pending!.id)).toMatchObject({ status: 'failed', lastError: 'INC-42' });
    expect(db.rows.get(processing!.id)!.status).toBe('processing');
    const none = await run(['events', 'fail']);
    expect(none.code).not.toBe(0);
    expect(none.err()).toMatch(/missing required argument 'ids'/);
  });
});

describe('dispatch dashboard', () => {
  it('refuses half of the basic-auth pair from the environment', async () => {
    vi.stubEnv('DISPATCH_DASHBOARD_USER', 'ops');
    try {
      const result = await run(['dashboard', '--port', '0']);
      expect(result.code).toBe(1);
      expect(result.err()).toContain('set both DISPATCH_DASHBOARD_USER and DISPATCH_DASHBOARD_PASSWORD');
      expect(result.err()).not.toContain('ops');
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
