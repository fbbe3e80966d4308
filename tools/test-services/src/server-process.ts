import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { exited, isRunning, killOnExit, logFile, logTail, sleep } from './processes.js';
import { waitFor } from './wait-for.js';

export interface LaunchOptions {
  /** Where its stdout and stderr go; a failed start quotes the end of it. */
  log: string;
  env?: NodeJS.ProcessEnv | undefined;
  /** Polled until it holds: the server is up and answers. */
  ready: () => boolean | Promise<boolean>;
  timeoutMs: number;
  intervalMs?: number | undefined;
  /** What is awaited, for the timeout message. Default "<program> on port <port> to answer". */
  what?: string | undefined;
  /** Run synchronously if this process exits while the child is up. Default: SIGKILL the child. */
  onExit?: ((child: ChildProcess) => void) | undefined;
}

/**
 * What every throwaway server shares: one child process at a time, with a port and a temp folder
 * that outlive it, so it can be killed and started again on the same data. Its output goes to a
 * log file and a start waits until it answers (or fails at once, quoting the log, if it exits).
 * `stop()` is a SIGKILL, as a crash would be; a child still running when this process exits is
 * killed.
 */
export abstract class ServerProcess {
  readonly port: number;
  readonly dir: string;
  /** "redis-server on port 1234", for messages. */
  protected readonly label: string;
  #child: ChildProcess | undefined;
  #unregister: (() => void) | undefined;

  protected constructor(program: string, port: number, dir: string) {
    this.port = port;
    this.dir = dir;
    this.label = `${program} on port ${port}`;
  }

  /** Start the server, on the same port and folder as before; resolves once it answers. */
  abstract start(): Promise<void>;

  /**
   * Start a server the caller has just made; on failure remove it, since nobody else holds a
   * reference to it and it would outlive the run.
   */
  protected static async startOrDestroy<T extends ServerProcess>(
    server: T,
    prepare?: () => void,
  ): Promise<T> {
    try {
      prepare?.();
      await server.start();
    } catch (error) {
      await server.destroy();
      throw error;
    }
    return server;
  }

  /** Whether it was started and not stopped since, and is still there. */
  get running(): boolean {
    return this.#child !== undefined && isRunning(this.#child);
  }

  /** The child from the last start, until it is stopped. */
  protected get child(): ChildProcess | undefined {
    return this.#child;
  }

  /** Spawn the server with its output to `options.log` and wait until `options.ready` holds. */
  protected async launch(command: string, args: readonly string[], options: LaunchOptions): Promise<void> {
    const log = logFile(options.log);
    const child = spawn(command, [...args], {
      env: options.env ?? process.env,
      stdio: ['ignore', log.fd, log.fd],
    });
    log.close();
    this.#child = child;
    const onExit = options.onExit ?? ((gone: ChildProcess) => gone.kill('SIGKILL'));
    this.#unregister = killOnExit(() => onExit(child));
    await waitFor(options.ready, {
      what: options.what ?? `${this.label} to answer`,
      timeoutMs: options.timeoutMs,
      ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
      failure: () =>
        isRunning(child)
          ? undefined
          : new Error(
              `${this.label} exited with ${child.exitCode ?? child.signalCode}\n${logTail(options.log)}`,
            ),
    });
  }

  /**
   * Freeze the child (SIGSTOP): connections stay open, nothing is answered. `stop` still works.
   * Resolves once the kernel reports the process stopped (the signal takes effect asynchronously).
   */
  protected async freeze(): Promise<void> {
    const child = this.#child;
    if (!child?.pid) throw new Error(`${this.label} is not running`);
    child.kill('SIGSTOP');
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      // The state is the field after the parenthesised command name.
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      if (/\)\s+[Tt]\s/.test(stat)) return;
      await sleep(10);
    }
    throw new Error(`${this.label} did not stop on SIGSTOP`);
  }

  /** Let a frozen child go on (SIGCONT). */
  protected thaw(): void {
    this.#child?.kill('SIGCONT');
  }

  /**
   * Forget the child and its exit hook; if it still runs, `signal` it and wait until it has exited.
   * Returns what `signal` returned, or undefined when there was nothing to signal.
   */
  protected async end<T>(signal: (child: ChildProcess) => T): Promise<T | undefined> {
    const child = this.#child;
    this.#child = undefined;
    this.#unregister?.();
    this.#unregister = undefined;
    if (!child || !isRunning(child)) return undefined;
    const done = exited(child);
    const result = signal(child);
    await done;
    return result;
  }

  /** Kill it outright (SIGKILL), as a crash or a pulled plug would. */
  async stop(): Promise<void> {
    await this.end((child) => child.kill('SIGKILL'));
  }

  /** The same as `stop()`: a crash. */
  kill(): Promise<void> {
    return this.stop();
  }

  /** SIGKILL now, synchronously (a last resort on a second Ctrl-C). */
  killNow(): void {
    if (this.#child && isRunning(this.#child)) this.#child.kill('SIGKILL');
  }

  /** Stop it and remove its folder. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
