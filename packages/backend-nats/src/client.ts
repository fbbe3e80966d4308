import { importPeer, LoadError } from '@dispatch/core';

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

const importClient = <T>(name: string, load: () => Promise<T>): Promise<T> =>
  importPeer(load, (cause) => new MissingClientError(name, cause));

export type TransportModule = typeof import('@nats-io/transport-node');
export type JetStreamModule = typeof import('@nats-io/jetstream');

/** Import the NATS client (both packages), or fail with a `LoadError` naming what to install. */
export async function loadClient(): Promise<{ transport: TransportModule; jetstream: JetStreamModule }> {
  const transport = await importClient('@nats-io/transport-node', () => import('@nats-io/transport-node'));
  const jetstream = await importClient('@nats-io/jetstream', () => import('@nats-io/jetstream'));
  return { transport, jetstream };
}
