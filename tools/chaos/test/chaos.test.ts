import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChaosResult } from '../src/harness.js';

const root = join(import.meta.dirname, '..');

/** The real command, as a user runs it: a short round on throwaway servers. */
function chaos(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'main.ts'), ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('pnpm chaos', () => {
  it('a 40 s round with kills, pauses, cuts and restarts loses, duplicates and reorders nothing', async () => {
    const { code, stdout, stderr } = await chaos(['--duration', '40', '--seed', '20261127', '--json']);
    expect(stdout, stderr).not.toBe('');
    const result = JSON.parse(stdout) as ChaosResult;
    const failing = result.verdict.rows.filter((row) => !row.ok);
    expect(failing, `${stderr}\n${JSON.stringify(result.verdict.samples, null, 2)}`).toEqual([]);
    expect(code).toBe(0);
    expect(result.seed).toBe(20261127);
    expect(result.drained).toBe(true);
    const committed = result.verdict.rows.find((row) => row.name.startsWith('events committed'));
    expect(committed?.value).toBeGreaterThan(100);
    // Every kind of chaos happened at least once.
    expect(
      Object.values(result.chaos).every((count) => count > 0),
      JSON.stringify(result.chaos),
    ).toBe(true);
    // Nothing the harness started is left running (its temp folders are gone on a pass).
    expect(result.runDir).toBeNull();
  }, 180_000);
});
