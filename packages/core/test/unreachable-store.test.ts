import { connect, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../src/logger.js';
import { createStore } from '../src/managed-store.js';
import { defineStore, type StoreDriver } from '../src/store.js';

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A store whose connect opens a real TCP connection, as a database driver would. */
function socketStore(host: string, port: number, wrap?: (error: Error) => Error) {
  const reach = () =>
    new Promise<void>((resolve, reject) => {
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', (error) => reject(wrap ? wrap(error) : error));
    });
  return defineStore({
    type: 'socket',
    create: () =>
      ({
        connect: reach,
        migrate: reach,
        stats: async () => ({}),
        close: async () => {},
      }) as unknown as StoreDriver,
  });
}

describe('a store whose database cannot be reached', () => {
  it('says so with the address and what to check, keeping the driver error as the cause', async () => {
    const port = await closedPort();
    const store = await createStore(socketStore('127.0.0.1', port), {}, { logger: silentLogger });
    const error = await store.stats().then(
      () => undefined,
      (thrown: unknown) => thrown as Error & { code?: string; cause?: { code?: string } },
    );
    expect(error).toMatchObject({ code: 'DISPATCH_STORE_UNAVAILABLE' });
    expect(error?.message).toBe(
      `Outbox store (socket) cannot reach its database at 127.0.0.1:${port} (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${port}). Check that the database is running and that the store's connection settings (host, port) point at it.`,
    );
    expect(error?.cause?.code).toBe('ECONNREFUSED');
    await expect(store.migrate()).rejects.toMatchObject({ code: 'DISPATCH_STORE_UNAVAILABLE' });
    await store.close();
  });

  it('finds the socket error inside a driver error that wraps it, and names an unknown host', async () => {
    const port = await closedPort();
    const wrapped = await createStore(
      socketStore('127.0.0.1', port, (error) => new Error('pool could not connect', { cause: error })),
      {},
      { logger: silentLogger },
    );
    await expect(wrapped.stats()).rejects.toMatchObject({ code: 'DISPATCH_STORE_UNAVAILABLE' });
    await wrapped.close();
    const unknown = await createStore(
      socketStore('no-such-host.invalid', 5432),
      {},
      { logger: silentLogger },
    );
    await expect(unknown.stats()).rejects.toThrow(
      /cannot reach its database at no-such-host\.invalid \(its host name does not resolve: /,
    );
    await unknown.close();
  });

  it('leaves other connect errors (a wrong password, a missing table) as the driver gave them', async () => {
    const definition = defineStore({
      type: 'auth',
      create: () =>
        ({
          connect: async () => {
            throw Object.assign(new Error('password authentication failed for user "app"'), {
              code: '28P01',
            });
          },
          close: async () => {},
        }) as unknown as StoreDriver,
    });
    const store = await createStore(definition, {}, { logger: silentLogger });
    await expect(store.stats()).rejects.toMatchObject({ code: '28P01' });
    await store.close();
  });
});
