import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendUnavailableError, EventRejectedError, PublishFailedError } from '@dispatch/core';
import { NatsServer } from '@dispatch/test-services/nats-server';
import { sparePort } from '@dispatch/test-services/spare-port';
import { DiscardPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiErrorCode, classifyError, isNoResponders, JS_ERR } from '../src/index.js';
import { inspector, testTarget, uniqueSuffix } from './helpers.js';

/** What the client rejected with, so each case classifies a real error of the real client. */
async function errorOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('classifyError on errors of the real NATS client', () => {
  let nc: NatsConnection;
  const streams: string[] = [];

  beforeAll(async () => {
    nc = await inspector();
  });

  afterAll(async () => {
    const jsm = await jetstreamManager(nc);
    for (const stream of streams) await jsm.streams.delete(stream).catch(() => undefined);
    await nc.close();
  });

  it('connection refused: unavailable', async () => {
    const port = await sparePort();
    const error = await errorOf(() =>
      connect({ servers: `127.0.0.1:${port}`, reconnect: false, timeout: 1000 }),
    );
    expect((error as Error).name).toBe('ConnectionError');
    expect(classifyError(error)).toBe('unavailable');
  });

  it('timeout connecting (a server that never says hello): unavailable', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const error = await errorOf(() =>
        connect({ servers: `127.0.0.1:${port}`, reconnect: false, timeout: 300 }),
      );
      expect(classifyError(error)).toBe('unavailable');
    } finally {
      silent.close();
    }
  });

  it('closed connection: unavailable', async () => {
    const closed = await inspector();
    await closed.close();
    const error = await errorOf(() => jetstream(closed).publish('dispatch-test.closed', 'x'));
    expect((error as Error).name).toBe('ClosedConnectionError');
    expect(classifyError(error)).toBe('unavailable');
  });

  it('no responders (no stream takes the subject): retryable on its own, and recognised', async () => {
    const error = await errorOf(() => jetstream(nc).publish(`dispatch-test.unbound.${uniqueSuffix()}`, 'x'));
    expect(isNoResponders(error)).toBe(true);
    expect(classifyError(error)).toBe('retryable');
  });

  it('stream missing: retryable, with its JetStream code', async () => {
    const error = await errorOf(async () =>
      (await jetstreamManager(nc)).streams.info(`NOPE_${uniqueSuffix()}`),
    );
    expect(apiErrorCode(error)).toBe(JS_ERR.streamNotFound);
    expect(classifyError(error)).toBe('retryable');
  });

  it('larger than the stream max_msg_size, or bound to another stream: rejected', async () => {
    const { stream, prefix } = testTarget('classify');
    streams.push(stream);
    await (await jetstreamManager(nc)).streams.add({
      name: stream,
      subjects: [`${prefix}.>`],
      max_msg_size: 100,
    });
    const js = jetstream(nc);
    const tooBig = await errorOf(() => js.publish(`${prefix}.a`, 'x'.repeat(200)));
    expect(apiErrorCode(tooBig)).toBe(JS_ERR.messageTooBig);
    expect(classifyError(tooBig)).toBe('rejected');
    const wrongStream = await errorOf(() =>
      js.publish(`${prefix}.a`, 'x', { expect: { streamName: 'OTHER' } }),
    );
    expect(apiErrorCode(wrongStream)).toBe(JS_ERR.wrongStream);
    expect(classifyError(wrongStream)).toBe('rejected');
  });

  it('a stream full under discard "new": unavailable (no message gets in until it has room)', async () => {
    const { stream, prefix } = testTarget('full');
    streams.push(stream);
    await (await jetstreamManager(nc)).streams.add({
      name: stream,
      subjects: [`${prefix}.>`],
      max_msgs: 1,
      discard: DiscardPolicy.New,
    });
    const js = jetstream(nc);
    await js.publish(`${prefix}.a`, 'first');
    const error = await errorOf(() => js.publish(`${prefix}.a`, 'second'));
    expect(classifyError(error)).toBe('unavailable');
  });

  it('no PubAck within the timeout: unavailable', async () => {
    const subject = `dispatch-test.silent.${uniqueSuffix()}`;
    const sub = nc.subscribe(subject);
    try {
      const error = await errorOf(() => jetstream(nc, { timeout: 300 }).publish(subject, 'x'));
      expect((error as Error).name).toBe('TimeoutError');
      expect(classifyError(error)).toBe('unavailable');
    } finally {
      sub.unsubscribe();
    }
  });

  it('maps Dispatch errors to their kinds, and anything unknown to retryable', () => {
    expect(classifyError(new BackendUnavailableError('x'))).toBe('unavailable');
    expect(classifyError(new EventRejectedError('x'))).toBe('rejected');
    expect(classifyError(new PublishFailedError('x'))).toBe('retryable');
    expect(classifyError(new Error('something else'))).toBe('retryable');
    expect(classifyError('a string')).toBe('retryable');
  });
});

describe('classifyError on a server with permissions and a small max_payload', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  const login = { user: 'writer', pass: 'pw-writer' };
  const config = join(tmpdir(), `dispatch-nats-${uniqueSuffix()}.conf`);

  beforeAll(async () => {
    writeFileSync(
      config,
      `max_payload: 2048
authorization {
  users = [ { user: writer, password: "pw-writer", permissions: { publish: { deny: ["forbidden.>"] } } } ]
}
`,
    );
    server = await NatsServer.start({ args: ['-c', config], probe: login });
    nc = await connect({ servers: server.url, reconnect: false, ...login });
    await (await jetstreamManager(nc)).streams.add({ name: 'ALL', subjects: ['forbidden.>', 'open.>'] });
  });

  afterAll(async () => {
    await nc?.close();
    await server?.destroy();
    rmSync(config, { force: true });
  });

  it('publish permission denied: rejected', async () => {
    const error = await errorOf(() => jetstream(nc).publish('forbidden.x', 'x'));
    expect(String((error as Error).message)).toMatch(/Permissions Violation/);
    expect(classifyError(error)).toBe('rejected');
  });

  it('over the server max_payload: rejected', async () => {
    const error = await errorOf(() => jetstream(nc).publish('open.x', new Uint8Array(4096)));
    expect(classifyError(error)).toBe('rejected');
  });

  it('wrong password: unavailable (no event is at fault)', async () => {
    const error = await errorOf(() =>
      connect({ servers: server.url, reconnect: false, user: 'writer', pass: 'nope' }),
    );
    expect((error as Error).name).toBe('AuthorizationError');
    expect(classifyError(error)).toBe('unavailable');
  });
});
