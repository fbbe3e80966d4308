import type { ListenRequest } from './executor.js';

/** The members of a `pg` Client that LISTEN needs (structural: this package does not depend on pg). */
export interface PgListenClient {
  connect(): Promise<unknown>;
  query(sql: string): Promise<unknown>;
  end(): Promise<unknown>;
  on(event: 'notification', listener: (message: { channel: string }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  removeAllListeners(): unknown;
}

/**
 * `SqlExecutor.listen` for a PostgreSQL adapter whose driver is `pg`: connect the given new Client,
 * run the LISTEN, report notifications and the end of the connection, and close it when asked.
 */
export async function listenWithPgClient(
  client: PgListenClient,
  request: ListenRequest,
): Promise<{ close(): Promise<void> }> {
  const close = async () => {
    client.removeAllListeners();
    await client.end().catch(() => {});
  };
  try {
    await client.connect();
    client.on('notification', (message) => {
      if (message.channel === request.channel) request.onNotify();
    });
    client.on('error', (error) => request.onLost(error));
    client.on('end', () => request.onLost());
    await client.query(request.sql);
  } catch (error) {
    await close();
    throw error;
  }
  return { close };
}
