import { sparePort } from '@dispatch/test-services/spare-port';
import { TcpProxy } from '@dispatch/test-services/tcp-proxy';
import amqp, { type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyError } from '../src/index.js';
import { Inspector, randomName, SHARED_URL } from './helpers.js';

/** The error a promise rejects with (the test fails if it resolves). */
async function errorOf(work: () => Promise<unknown>): Promise<Error> {
  try {
    await work();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

/** The errors below come from the machine's RabbitMQ and from amqplib themselves, not from fixtures. */
describe('classifying real broker and client errors', () => {
  let inspector: Inspector;

  beforeAll(async () => {
    inspector = await Inspector.open();
  });

  afterAll(async () => {
    await inspector.close();
  });

  it('connection refused is unavailable', async () => {
    const port = await sparePort();
    const error = await errorOf(() => amqp.connect(`amqp://127.0.0.1:${port}`));
    expect(error.message).toContain('ECONNREFUSED');
    expect(classifyError(error)).toBe('unavailable');
  });

  it('a refused login and a missing vhost are unavailable (no event is at fault)', async () => {
    const login = await errorOf(() => amqp.connect('amqp://guest:not-the-password@127.0.0.1:5672'));
    expect(login.message).toContain('ACCESS-REFUSED');
    expect(classifyError(login)).toBe('unavailable');
    const vhost = await errorOf(() => amqp.connect(`${SHARED_URL}/${randomName('no-such-vhost')}`));
    expect(classifyError(vhost)).toBe('unavailable');
  });

  it('a missing exchange (404) is rejected', async () => {
    const error = await inspector.scratch((channel) =>
      errorOf(() => channel.checkExchange(randomName('missing'))),
    );
    expect(error.message).toContain('NOT_FOUND');
    expect(classifyError(error)).toBe('rejected');
  });

  it('access refused (403) is rejected', async () => {
    // The broker reserves the amq. prefix: declaring under it is refused for any user.
    const error = await inspector.scratch((channel) =>
      errorOf(() => channel.assertExchange(`amq.${randomName('reserved')}`, 'topic')),
    );
    expect(error.message).toContain('ACCESS_REFUSED');
    expect(classifyError(error)).toBe('rejected');
  });

  it('an exchange declared with other settings (406) is rejected', async () => {
    const name = await inspector.exchange(randomName('inequivalent'), 'topic');
    const error = await inspector.scratch((channel) => errorOf(() => channel.assertExchange(name, 'direct')));
    expect(error.message).toContain('PRECONDITION_FAILED');
    expect(classifyError(error)).toBe('rejected');
  });

  it('a header table amqplib cannot encode is rejected', async () => {
    const error = await inspector.scratch(async (channel) => {
      try {
        channel.publish('', 'nowhere', Buffer.from('x'), { headers: { big: 'x'.repeat(70_000) } });
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('expected publish to throw');
    });
    expect(error).toBeInstanceOf(RangeError);
    expect(classifyError(error)).toBe('rejected');
  });

  describe('through a proxy that fails the network', () => {
    let proxy: TcpProxy;
    let model: ChannelModel | undefined;

    beforeAll(async () => {
      proxy = await TcpProxy.start(5672);
    });

    afterAll(async () => {
      await model?.close().catch(() => undefined);
      await proxy.close();
    });

    const connectThroughProxy = async (heartbeat: number) => {
      proxy.restore();
      const opened = await amqp.connect({ hostname: '127.0.0.1', port: proxy.port, heartbeat });
      model = opened;
      const closed = new Promise<Error | undefined>((resolve) => opened.once('close', resolve));
      opened.on('error', () => undefined);
      return { opened, closed };
    };

    it('a dropped connection, and the channels and confirms it takes along, are unavailable', async () => {
      const { opened, closed } = await connectThroughProxy(0);
      const channel = await opened.createConfirmChannel();
      channel.on('error', () => undefined);
      const confirm = new Promise<Error>((resolve) => {
        channel.publish('amq.topic', 'x', Buffer.from('x'), {}, (error: Error) => resolve(error));
        proxy.cut();
      });
      const lost = await confirm;
      expect(lost.message).toBe('channel closed');
      expect(classifyError(lost)).toBe('unavailable');
      const cause = await closed;
      expect(cause).toBeInstanceOf(Error);
      expect(classifyError(cause)).toBe('unavailable');
      let thrown: unknown;
      try {
        channel.publish('amq.topic', 'x', Buffer.from('x'));
      } catch (error) {
        thrown = error;
      }
      expect((thrown as Error).name).toBe('IllegalOperationError');
      expect(classifyError(thrown)).toBe('unavailable');
    });

    it('a heartbeat timeout is unavailable', async () => {
      const { closed } = await connectThroughProxy(1);
      proxy.blackhole();
      const cause = await closed;
      expect(cause?.message).toBe('Heartbeat timeout');
      expect(classifyError(cause)).toBe('unavailable');
    });
  });
});
