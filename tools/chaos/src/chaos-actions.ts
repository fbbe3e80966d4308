import type { PostgresServer } from '@dispatch/test-services/postgres-server';
import { sleep } from '@dispatch/test-services/processes';
import type { TcpProxy } from '@dispatch/test-services/tcp-proxy';
import type { BrokerServer } from './backends/backend-kit.js';
import type { ChaosAction } from './schedule.js';
import { describeAction } from './schedule.js';
import type { Timeline } from './timeline.js';
import type { Query } from './verify.js';
import type { WorkerPool } from './worker-pool.js';

/**
 * Wait (up to `ms`) until the worker holds leases, so a kill or pause lands mid-batch rather than
 * while it sleeps. Resolves to the number of leases it held, 0 if it never held any in time.
 */
async function leasesHeld(
  query: Query,
  outbox: string,
  pid: number | undefined | 'any',
  ms: number,
): Promise<number> {
  if (pid === undefined) return 0;
  const owner = pid === 'any' ? '' : ` AND lease_owner LIKE '%:${pid}:%'`;
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      const rows = await query<{ n: string }>(
        `SELECT count(*) AS n FROM ${outbox} WHERE status = 'processing'${owner}`,
      );
      const n = Number(rows[0]?.n);
      if (n > 0) return n;
    } catch {
      // PostgreSQL is restarting: act without aiming.
      return 0;
    }
    await sleep(5);
  }
  return 0;
}

/** Carry out one action; resolves to whether a kill or pause caught its worker holding leases. */
export async function perform(
  action: ChaosAction,
  context: {
    workers: WorkerPool;
    /** The throwaway broker, and its name for the timeline (`Redis`, `NATS`, `RabbitMQ`). */
    broker: BrokerServer | undefined;
    brokerLabel: string;
    pg: PostgresServer | undefined;
    proxy: TcpProxy;
    timeline: Timeline;
    signal: AbortSignal;
    query: Query;
    outbox: string;
  },
): Promise<boolean> {
  const { workers, timeline } = context;
  switch (action.kind) {
    case 'kill-worker': {
      const held = await leasesHeld(context.query, context.outbox, workers.pid(action.worker), 3000);
      timeline.note(
        `SIGKILL ${workers.name(action.worker)} holding ${held} leases (a replacement starts at once)`,
      );
      await workers.kill(action.worker);
      return held > 0;
    }
    case 'pause-worker': {
      const held = await leasesHeld(context.query, context.outbox, workers.pid(action.worker), 3000);
      const name = workers.name(action.worker);
      workers.pause(action.worker, action.ms);
      timeline.note(
        `SIGSTOP ${name} holding ${held} leases, for ${(action.ms / 1000).toFixed(1)} s (past its lease)`,
      );
      return held > 0;
    }
    case 'cut-broker-connections': {
      const held = await leasesHeld(context.query, context.outbox, 'any', 3000);
      const cut = context.proxy.dropAll();
      timeline.note(`cut ${cut} connections to ${context.brokerLabel} while workers held ${held} leases`);
      return held > 0;
    }
    case 'restart-broker': {
      const broker = context.broker;
      if (!broker) return false;
      timeline.note(
        `restart ${context.brokerLabel}: SIGKILL, down for ${(action.downMs / 1000).toFixed(1)} s`,
      );
      await broker.kill();
      await sleep(action.downMs);
      const booting = Date.now();
      await broker.start();
      timeline.note(
        `${context.brokerLabel} is back (it took ${((Date.now() - booting) / 1000).toFixed(1)} s to start)`,
      );
      return false;
    }
    case 'restart-postgres': {
      const pg = context.pg;
      if (!pg) return false;
      timeline.note(
        `restart PostgreSQL: ${action.mode} stop, down for ${(action.downMs / 1000).toFixed(1)} s`,
      );
      await pg.stop(action.mode);
      await sleep(action.downMs);
      await pg.start();
      timeline.note('PostgreSQL is back');
      return false;
    }
    default:
      throw new Error(`unknown chaos action ${describeAction(action)}`);
  }
}
