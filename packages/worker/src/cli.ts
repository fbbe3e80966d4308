#!/usr/bin/env node
import { runCli } from './program.js';

// The `dispatch` bin. A config file may hold resources Dispatch does not own (an ORM's pool), so
// leave explicitly once the command is done, after stdout and stderr are flushed.
const leave = (code: number): void => {
  process.stdout.write('', () => {
    process.stderr.write('', () => process.exit(code));
  });
};

runCli(process.argv.slice(2)).then(leave, (error: unknown) => {
  console.error(error);
  leave(1);
});
