import { createInterface } from 'node:readline/promises';

/** Where the command writes and what it reacts to; `runCli` takes fakes in tests. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean | undefined };
  stderr: { write(text: string): unknown; isTTY?: boolean | undefined };
  /** Folder `dispatch.config.*` is looked up in. */
  cwd: string;
  /** Register a handler for SIGINT/SIGTERM; returns a function removing it. */
  onSignal(handler: (signal: NodeJS.Signals) => void): () => void;
  /** Leave at once (a second signal during shutdown). */
  exit(code: number): void;
  /**
   * Ask a yes/no question on the terminal; absent when there is no terminal to ask on (stdin
   * piped or closed), and then a command that needs a yes wants `--yes` instead.
   */
  ask?: ((question: string) => Promise<boolean>) | undefined;
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    onSignal(handler) {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
    exit(code) {
      process.exit(code);
    },
    ask: process.stdin.isTTY
      ? async (question) => {
          const prompt = createInterface({ input: process.stdin, output: process.stderr });
          try {
            return /^y(es)?$/i.test((await prompt.question(question)).trim());
          } finally {
            prompt.close();
          }
        }
      : undefined,
  };
}

/** Thrown by a command to end with `exitCode` after printing `message` to stderr. */
export class CliFailure extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliFailure';
    this.exitCode = exitCode;
  }
}
