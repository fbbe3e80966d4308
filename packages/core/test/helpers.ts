import {
  type CallContext,
  defineBackend,
  type Logger,
  type OutboxEvent,
  type PublishOutcome,
} from '../src/index.js';

/** A backend recording what it was given; `behaviour` decides each call's result. */
export function recordingBackend(
  behaviour?: (events: readonly OutboxEvent[], call: CallContext) => Promise<PublishOutcome[]>,
) {
  const state = { created: 0, connected: 0, closed: 0, batches: [] as OutboxEvent[][] };
  const definition = defineBackend({
    type: 'recording',
    create: () => {
      state.created++;
      return {
        connect: async () => {
          state.connected++;
        },
        publish: async (events, call) => {
          state.batches.push([...events]);
          return behaviour
            ? behaviour(events, call)
            : events.map((event) => ({ id: event.id, ok: true as const }));
        },
        health: async () => ({ ok: true }),
        close: async () => {
          state.closed++;
        },
      };
    },
  });
  return { definition, state };
}

/** A logger that keeps its lines for assertions. */
export function memoryLogger() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, message: string): void => {
      lines.push({ level, fields, message });
    };
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}
