/**
 * Import an optional peer dependency (a client library an adapter loads on first use). When it
 * is not installed, throw what `missing` makes of the failure: an adapter's `LoadError` that names
 * what to install. Any other failure (the module throws while loading) passes through unchanged.
 */
export async function importPeer<T>(load: () => Promise<T>, missing: (cause: unknown) => Error): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw missing(error);
    throw error;
  }
}
