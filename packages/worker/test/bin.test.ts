import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', 'bin', 'dispatch.js');
const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
  version: string;
};

/** Run the built `dispatch` bin. */
function run(args: string[], cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // Without NODE_PATH: pnpm's bin shims point it at every package of the workspace, which an
  // installed bin never sees.
  const { NODE_PATH: _, ...env } = process.env;
  const child = spawn(process.execPath, [bin, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('the dispatch bin', () => {
  it('prints its version', async () => {
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  // The built bin resolves @dispatch/dashboard as an installed worker does: from the project that
  // holds the config, then from the worker package, neither of which has it here.
  it('names the package to install when dispatch dashboard cannot find @dispatch/dashboard', async () => {
    const result = await run(['dashboard', '--port', '0'], join(import.meta.dirname, 'fixtures', 'memory'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'dispatch dashboard needs the package @dispatch/dashboard: install it in the project that holds the config file (pnpm add @dispatch/dashboard)',
    );
  });
});
