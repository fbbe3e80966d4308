// NATS JetStream for bench/brokers: the backend as createBackend builds it, and the official
// client's own pipelined publish of the same messages (every `js.publish` of a batch started
// together, each with its msgID, then awaited with Promise.all).
import { fromPackage } from '../lib/from-package.mjs';

const pkg = fromPackage('backend-nats');
const { natsBackend, toNatsMessage } = await pkg.dist();
const { connect, headers } = await pkg.import('@nats-io/transport-node');
const { jetstream, jetstreamManager } = await pkg.import('@nats-io/jetstream');

const SERVER = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const PUBLISH_TIMEOUT_MS = 5000;

export const name = 'nats';
export const definition = natsBackend;

export async function open(runId) {
  const nc = await connect({ servers: SERVER, name: 'dispatch-bench-raw' });
  const js = jetstream(nc, { timeout: PUBLISH_TIMEOUT_MS });
  const jsm = await jetstreamManager(nc);
  const streams = new Set();
  let targets = 0;
  return {
    info: `nats-server ${nc.info?.version} at ${SERVER}`,
    /** A stream of its own (created by the backend on first use): ids seen before would be dedup hits. */
    target() {
      targets += 1;
      const stream = `BENCH_${runId}_${targets}`;
      const prefix = `bench_${runId}_${targets}`;
      streams.add(stream);
      return {
        options: { servers: SERVER, stream, subject: `${prefix}.{event_type}`, stream_mode: 'create' },
        async count() {
          return (await jsm.streams.info(stream)).state.messages;
        },
        async clear() {
          await jsm.streams.purge(stream).catch(() => undefined);
        },
        /** The message the backend sends for `event`, sent by the client itself. */
        async raw(events, batch) {
          for (let i = 0; i < events.length; i += batch) {
            await Promise.all(
              events.slice(i, i + batch).map((event) => {
                const built = toNatsMessage(event, 'structured', 'isoformat');
                if (!built.ok) throw new Error(built.problem);
                const h = headers();
                for (const [header, value] of built.message.headers) h.append(header, value);
                return js.publish(`${prefix}.${event.eventType}`, built.message.body, {
                  msgID: event.id,
                  headers: h,
                  timeout: PUBLISH_TIMEOUT_MS,
                  expect: { streamName: stream },
                });
              }),
            );
          }
        },
      };
    },
    async close() {
      for (const stream of streams) await jsm.streams.delete(stream).catch(() => undefined);
      await nc.close();
    },
  };
}
