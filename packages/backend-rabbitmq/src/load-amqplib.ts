import { importPeer as importOptional, LoadError } from '@dispatch/core';
import type * as Amqplib from 'amqplib';

/** The part of amqplib the backend uses. */
export type AmqplibModule = Pick<typeof Amqplib, 'connect'>;

/** amqplib is not installed: a `LoadError` naming the package to install. */
export class MissingClientError extends LoadError {
  constructor(packageName: string, cause?: unknown) {
    super(
      packageName,
      `@dispatch/backend-rabbitmq needs the package "${packageName}", but it is not installed. ` +
        `Install it next to @dispatch/backend-rabbitmq (pnpm add ${packageName}).`,
      cause === undefined ? {} : { cause },
    );
  }
}

/** Import an optional peer dependency, or say exactly what to install. */
export const importPeer = <T>(name: string, load: () => Promise<T>): Promise<T> =>
  importOptional(load, (cause) => new MissingClientError(name, cause));

/** amqplib, imported on first use so that loading this package alone pulls in no client. */
export async function loadAmqplib(): Promise<AmqplibModule> {
  const loaded = (await importPeer('amqplib', () => import('amqplib'))) as AmqplibModule & {
    default?: AmqplibModule;
  };
  // ESM sees a CommonJS module's exports as its default export (and usually as named ones too).
  return typeof loaded.connect === 'function' ? loaded : (loaded.default as AmqplibModule);
}
