import { withDispatch } from '../cli-context.js';
import type { CliIo } from '../cli-io.js';
import { paintFor, table, toJson } from '../format.js';

/** `dispatch health [--json]`: check the store and every backend; exit 1 when any is down. */
export async function healthCommand(
  options: { config?: string | undefined; json?: boolean | undefined },
  io: CliIo,
): Promise<number> {
  return withDispatch({ cwd: io.cwd, config: options.config, logLevel: 'silent' }, async (dispatch) => {
    const [store, ...backends] = await Promise.all([
      dispatch.store.health(),
      ...[...dispatch.backends].map(async ([name, backend]) => ({
        name,
        type: backend.type,
        ...(await backend.health()),
      })),
    ]);
    const ok = store?.ok === true && backends.every((backend) => backend.ok);
    if (options.json) {
      io.stdout.write(toJson({ ok, store: { type: dispatch.store.type, ...store }, backends }));
    } else {
      const rows = [
        ['store', dispatch.store.type, store?.ok ? 'ok' : 'DOWN', '', store?.error ?? ''],
        ...backends.map((backend) => [
          `backend ${backend.name}`,
          backend.type,
          backend.ok ? 'ok' : 'DOWN',
          backend.latencyMs === undefined ? '' : `${backend.latencyMs.toFixed(1)} ms`,
          backend.error ?? '',
        ]),
      ];
      const tone = (cell: string, column: number) =>
        column === 2 ? (cell === 'ok' ? 'good' : 'bad') : column === 4 && cell !== '' ? 'bad' : undefined;
      io.stdout.write(
        table(['CHECK', 'TYPE', 'STATUS', 'LATENCY', 'ERROR'], rows, tone, paintFor(io.stdout)),
      );
    }
    return ok ? 0 : 1;
  });
}
