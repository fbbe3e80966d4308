import type { BackendDefinition } from '../backend.js';
import { type ConfigError, hasErrorCode } from '../errors.js';
import { silentLogger } from '../logger.js';
import { createBackend } from '../managed-backend.js';

/**
 * The error Dispatch raises when it builds the publisher "default" from `definition` with
 * `options` (nothing connects): for a backend's tests of its option checks, which read its
 * `issues` (path and message) and its message. Fails when the options are accepted, and passes
 * any other error on.
 */
export async function backendOptionsError<O>(
  definition: BackendDefinition<O>,
  options: unknown,
): Promise<ConfigError> {
  let backend: Awaited<ReturnType<typeof createBackend>>;
  try {
    backend = await createBackend(definition, options, { name: 'default', logger: silentLogger });
  } catch (error) {
    if (hasErrorCode(error, 'DISPATCH_CONFIG_INVALID')) return error as ConfigError;
    throw error;
  }
  await backend.close();
  throw new Error(
    `expected the options of the "${definition.type}" backend to be refused; they were accepted`,
  );
}
