import { LoadError } from '@dispatch/core';

/** The chosen client library is not installed: a `LoadError` naming the packages to install. */
export class MissingClientError extends LoadError {
  constructor(packageName: string, cause?: unknown) {
    super(
      packageName,
      `@dispatch/backend-nats needs the package "${packageName}", but it is not installed. ` +
        'Install the NATS client next to @dispatch/backend-nats: pnpm add @nats-io/transport-node @nats-io/jetstream',
      cause === undefined ? {} : { cause },
    );
  }
}

async function importPeer<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
      throw new MissingClientError(name, error);
    throw error;
  }
}

export type TransportModule = typeof import('@nats-io/transport-node');
export type JetStreamModule = typeof import('@nats-io/jetstream');

/** Import the NATS client (both packages), or fail with a `LoadError` naming what to install. */
export async function loadClient(): Promise<{ transport: TransportModule; jetstream: JetStreamModule }> {
  const transport = await importPeer('@nats-io/transport-node', () => import('@nats-io/transport-node'));
  const jetstream = await importPeer('@nats-io/jetstream', () => import('@nats-io/jetstream'));
  return { transport, jetstream };
}
