import {
  type BackendDefinition,
  backendCapabilities,
  type ResolvedBackendCapabilities,
} from '@dispatch/core';
import type { RunNames } from '../run-names.js';

/** One message as the broker holds it, in the order it was stored. */
export interface BrokerEntry {
  /** Where it sits: a stream, a subject, a routing key. */
  destination: string;
  /** The broker's own id of the message (a stream entry id, a sequence, a queue position). */
  id: string;
  /** When the broker stored it (epoch ms), if the broker records that. */
  time: number | null;
  eventId: string;
  eventType: string;
  key: string | null;
}

/** A broker of the harness's own: `kill` then `start` is the outage of the run. */
export interface BrokerServer {
  readonly url: string;
  readonly port: number;
  start(): Promise<void>;
  /** A crash: SIGKILL. */
  kill(): Promise<void>;
  /** SIGKILL now, synchronously (the last resort on a second Ctrl-C). */
  killNow(): void;
  /** Once the run's destinations are declared: make sure a crash keeps them (a clean restart). */
  settle?(): Promise<void>;
  destroy(): Promise<void>;
}

/** What the ledger reads back: declared before producing starts, so it holds every message. */
export interface BrokerLedger {
  /** What the run created on the broker, for a message: `streams chaos:<run>:*`. */
  readonly description: string;
  read(): Promise<BrokerEntry[]>;
  /** On the user's own server: remove what the run created. */
  drop(): Promise<void>;
  close(): Promise<void>;
}

export interface WorkerBackendInput {
  /** The URL the workers use (the latency proxy's). */
  url: string;
  names: RunNames;
  idempotent: boolean;
  redisClient: 'ioredis' | 'node-redis';
}

/** One backend in the harness: its throwaway server, the workers' options and the ledger's read-back. */
export interface BackendKit {
  /** In the report: `Redis`, `NATS`, `RabbitMQ`. */
  readonly label: string;
  /** The package the generated worker config imports as `BACKEND` (its default export). */
  readonly module: string;
  readonly definition: BackendDefinition<never>;
  /** URL schemes a given server (`--broker-url`) may use, and the port when a URL has none. */
  readonly protocols: readonly string[];
  readonly defaultPort: number;
  startServer(): Promise<BrokerServer>;
  /** Where an event of this type must land. */
  destinationOf(names: RunNames, eventType: string): string;
  workerOptions(input: WorkerBackendInput): Record<string, unknown>;
  /** Create what the workers publish to and what the ledger reads, on the direct URL. */
  prepare(input: { url: string; names: RunNames; idempotent: boolean }): Promise<BrokerLedger>;
}

/**
 * What a backend's definition declares, with idempotent append as the run has it (`--no-idempotent`
 * turns the option off where the backend has one).
 */
export function capabilitiesOf(kit: BackendKit, run: { idempotent: boolean }): ResolvedBackendCapabilities {
  return backendCapabilities(kit.definition as BackendDefinition<{ idempotent: boolean }>, run);
}
