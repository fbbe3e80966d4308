import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Backend,
  createBackend,
  type Logger,
  type OutboxEvent,
  type PublishOutcome,
  silentLogger,
} from '@dispatch/core';
import { makeOutboxEvent } from '@dispatch/core/testing';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { type NatsOptionsInput, natsBackend } from '../src/index.js';

/** The machine's shared nats-server with JetStream (see environment.md). */
export const SHARED_NATS = 'nats://127.0.0.1:4222';

export const NATS_SERVER = '/usr/sbin/nats-server';

/** A suffix that keeps stream names and subjects of parallel runs apart. */
export function uniqueSuffix(): string {
  return randomBytes(6).toString('hex');
}

/** A stream name and subject prefix of its own for one test. */
export function testTarget(label = 't'): { stream: string; prefix: string } {
  const suffix = uniqueSuffix();
  return {
    stream: `DISPATCH_TEST_${label.toUpperCase()}_${suffix}`,
    prefix: `dispatch-test.${label}.${suffix}`,
  };
}

export function makeEvents(count: number, overrides: Partial<OutboxEvent> = {}): OutboxEvent[] {
  return Array.from({ length: count }, (_, n) => makeOutboxEvent({ data: { n }, ...overrides }));
}

export const kinds = (outcomes: readonly PublishOutcome[]) =>
  outcomes.map((outcome) => (outcome.ok ? 'published' : outcome.failure));

/** A backend built the way Dispatch builds it: options validated, wrapped by core. */
export function openBackend(
  options: NatsOptionsInput,
  timeoutMs = 15_000,
  logger: Logger = silentLogger,
): Promise<Backend> {
  return createBackend(natsBackend, options, { name: 'default', logger, timeoutMs });
}

/** A plain connection for reading back what the backend wrote. */
export function inspector(
  servers = SHARED_NATS,
  extra: Partial<NodeConnectionOptions> = {},
): Promise<NatsConnection> {
  return connect({ servers, reconnect: false, timeout: 3000, ...extra });
}

/** One stored message: its subject, sequence, headers (last value of each name) and body. */
export interface StoredMessage {
  seq: number;
  subject: string;
  headers: Record<string, string>;
  body: string;
}

/** Every message of a stream, in stream order, through an ordered consumer. */
export async function readStream(nc: NatsConnection, stream: string): Promise<StoredMessage[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream);
  const total = info.state.messages;
  if (total === 0) return [];
  const consumer = await jetstream(nc).consumers.get(stream);
  const out: StoredMessage[] = [];
  while (out.length < total) {
    const batch = await consumer.fetch({ max_messages: total - out.length, expires: 2000 });
    let got = 0;
    for await (const msg of batch) {
      got += 1;
      const headers: Record<string, string> = {};
      for (const name of msg.headers?.keys() ?? []) headers[name] = msg.headers?.get(name) ?? '';
      out.push({ seq: msg.seq, subject: msg.subject, headers, body: msg.string() });
    }
    if (got === 0) throw new Error(`stream ${stream}: read ${out.length} of ${total} messages`);
  }
  return out;
}

/** A message as the flat string map the conformance suite reads: headers, and the body as `cloud_event`. */
export function asEntry(message: StoredMessage): Record<string, string> {
  return { ...message.headers, cloud_event: message.body };
}

export async function deleteStreams(nc: NatsConnection, streams: Iterable<string>): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const stream of streams) await jsm.streams.delete(stream).catch(() => undefined);
}

/** A port nobody listens on right now, from the kernel's ephemeral range. */
export function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free port below the ephemeral range (32768 and up on Linux), for a server that is stopped and
 * started again on it: no outgoing connection and no `listen(0)` elsewhere can take it meanwhile.
 */
async function restartablePort(): Promise<number> {
  for (;;) {
    const port = 10_000 + Math.floor(Math.random() * 22_000);
    if (await isFree(port)) return port;
  }
}

/**
 * A throwaway `nats-server -js` owned by one test, on a spare port with its own store folder:
 * stop it and start it again on the same port and folder.
 */
export class NatsServer {
  readonly port: number;
  readonly dir: string;
  private process: ChildProcess | undefined;
  private readonly extraArgs: string[];
  private readonly probe: Partial<NodeConnectionOptions>;
  /** Server name, checked when probing: the server that answers is this one, not a stranger on the port. */
  private readonly name = `dispatch-test-${uniqueSuffix()}`;

  private constructor(port: number, extraArgs: string[], probe: Partial<NodeConnectionOptions>) {
    this.port = port;
    this.extraArgs = extraArgs;
    this.probe = probe;
    this.dir = mkdtempSync(join(tmpdir(), 'dispatch-nats-'));
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** `probe`: connection options that get past the server's auth / TLS, for the readiness check. */
  static async start(
    extraArgs: string[] = [],
    probe: Partial<NodeConnectionOptions> = {},
  ): Promise<NatsServer> {
    const server = new NatsServer(await restartablePort(), extraArgs, probe);
    try {
      await server.start();
    } catch (error) {
      await server.destroy();
      throw error;
    }
    return server;
  }

  async start(): Promise<void> {
    const args = [
      '-a',
      '127.0.0.1',
      '-p',
      String(this.port),
      '-n',
      this.name,
      '-js',
      '-sd',
      this.dir,
      ...this.extraArgs,
    ];
    const child = spawn(NATS_SERVER, args, { stdio: 'ignore' });
    this.process = child;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null)
        throw new Error(`nats-server on port ${this.port} exited with ${child.exitCode}`);
      if (await this.ready()) return;
      await sleep(100);
    }
    throw new Error(`nats-server on port ${this.port} did not start`);
  }

  /**
   * Freeze the server (SIGSTOP): connections stay open, nothing is answered. `stop` still works.
   * Resolves once the kernel reports the process stopped (the signal takes effect asynchronously).
   */
  async pause(): Promise<void> {
    const child = this.process;
    if (!child?.pid) throw new Error(`nats-server on port ${this.port} is not running`);
    child.kill('SIGSTOP');
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      // The state is the field after the parenthesised command name.
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      if (/\)\s+[Tt]\s/.test(stat)) return;
      await sleep(10);
    }
    throw new Error(`nats-server on port ${this.port} did not stop on SIGSTOP`);
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Up, with JetStream answering (it needs a moment after the port opens). */
  private async ready(): Promise<boolean> {
    let nc: NatsConnection | undefined;
    try {
      nc = await connect({ servers: this.url, reconnect: false, timeout: 1000, ...this.probe });
      if (nc.info?.server_name !== this.name) return false;
      await (await jetstreamManager(nc, { timeout: 1000 })).getAccountInfo();
      return true;
    } catch {
      return false;
    } finally {
      await nc?.close().catch(() => undefined);
    }
  }
}
