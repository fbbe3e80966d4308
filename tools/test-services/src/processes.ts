import { type ChildProcess, execFile, execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Run a command to completion; rejects with its output when it exits non-zero. */
export function run(
  command: string,
  args: readonly string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args],
      {
        timeout: options.timeoutMs ?? 60_000,
        env: options.env ?? process.env,
        cwd: options.cwd,
        maxBuffer: 16 << 20,
      },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/** Whether `name` is a command on PATH. */
export function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Resolves when the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (!isRunning(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Ask politely, then SIGKILL after `graceMs`. SIGCONT first, so a paused process can act on it. */
export async function stopChild(
  child: ChildProcess,
  graceMs: number,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (!isRunning(child)) return;
  const done = exited(child);
  child.kill('SIGCONT');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await done;
  clearTimeout(timer);
}

/** SIGKILL the child and wait until it is gone. */
export async function killChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || !isRunning(child)) return;
  const done = exited(child);
  child.kill('SIGKILL');
  await done;
}

/** Whether a process id is still alive (signal 0 only checks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const onExit = new Set<() => void>();
let hooked = false;

/**
 * Run `kill` (synchronous) when this process exits, so a server is not left behind by a test run
 * that ends without its teardown. Returns the function that unregisters it.
 */
export function killOnExit(kill: () => void): () => void {
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const fn of onExit) {
        try {
          fn();
        } catch {
          // Already gone.
        }
      }
    });
  }
  onExit.add(kill);
  return () => onExit.delete(kill);
}

/** A file to hand a child as stdout and stderr: `{ fd, close }`. */
export function logFile(path: string): { fd: number; close: () => void } {
  const fd = openSync(path, 'a');
  return { fd, close: () => closeSync(fd) };
}

/** The last `lines` lines of a log file, for an error message (the folder may be gone after it). */
export function logTail(path: string, lines = 20): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
