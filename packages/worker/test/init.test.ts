import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKEND_PACKAGES, configTemplate, STORE_PACKAGES } from '../src/commands/config-template.js';
import { type CliIo, runCli } from '../src/index.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A project folder; inside this package when its config must load (so @dispatch/core resolves). */
function project(dependencies: Record<string, string> | undefined, inside = false): string {
  const base = inside ? join(import.meta.dirname, 'fixtures') : tmpdir();
  mkdirSync(base, { recursive: true });
  const folder = mkdtempSync(join(base, 'init-'));
  folders.push(folder);
  if (dependencies)
    writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: 'app', dependencies }));
  return folder;
}

async function run(argv: string[], cwd: string) {
  let out = '';
  let err = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    cwd,
    onSignal: () => () => {},
    exit: () => {},
  };
  const code = await runCli(argv, io);
  return { code, out, err };
}

/** Syntax and grammar problems TypeScript finds in the file alone (imports are not resolved). */
function syntaxProblems(source: string): string[] {
  const { diagnostics = [] } = ts.transpileModule(source, {
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  return diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('dispatch init', () => {
  it('writes a config for the store and backend the project depends on', async () => {
    const cwd = project({
      '@dispatch/orm-drizzle': '^0.1.0',
      '@dispatch/backend-nats': '^0.1.0',
      'drizzle-orm': '*',
    });
    const result = await run(['init'], cwd);
    expect(result.code, result.err).toBe(0);
    expect(result.out).toContain(
      'wrote dispatch.config.ts (store: @dispatch/orm-drizzle, backend: @dispatch/backend-nats)',
    );
    expect(result.out).toContain('then run `dispatch migrate` and `dispatch worker`');
    expect(result.out).not.toContain('not in package.json yet');
    const written = readFileSync(join(cwd, 'dispatch.config.ts'), 'utf8');
    expect(written).toContain("STORE: '@dispatch/orm-drizzle',");
    expect(written).toContain("BACKEND: '@dispatch/backend-nats',");
    expect(written).toContain("import { drizzle } from 'drizzle-orm/node-postgres';");
    expect(syntaxProblems(written)).toEqual([]);
  });

  it('refuses to replace a config without --force, and --store / --backend choose', async () => {
    const cwd = project({ '@dispatch/orm-mikro': '*', '@dispatch/orm-kysely': '*' });
    expect((await run(['init'], cwd)).out).toContain(
      'also installed, not used: @dispatch/orm-kysely (stores; --store / --backend picks)',
    );
    const again = await run(['init'], cwd);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/dispatch\.config\.ts exists; pass --force to replace it/);
    const chosen = await run(['init', '--force', '--store', 'kysely', '--backend', 'rabbitmq'], cwd);
    expect(chosen.code, chosen.err).toBe(0);
    expect(chosen.out).toContain('not in package.json yet: pnpm add @dispatch/backend-rabbitmq');
    expect(readFileSync(join(cwd, 'dispatch.config.ts'), 'utf8')).toContain("STORE: '@dispatch/orm-kysely',");
    const wrong = await run(['init', '--force', '--store', 'sequelize'], cwd);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('--store "sequelize": use one of @dispatch/orm-mikro, @dispatch/orm-prisma');
  });

  it('with nothing installed, writes an in-memory config that the other commands then load', async () => {
    const cwd = project(undefined, true);
    const init = await run(['init'], cwd);
    expect(init.code, init.err).toBe(0);
    expect(init.out).toContain('(store: memory, backend: @dispatch/backend-memory)');
    const stats = await run(['stats', '--json'], cwd);
    expect(stats.code, stats.err).toBe(0);
    expect(JSON.parse(stats.out).counts).toMatchObject({ pending: 0, published: 0 });
  });

  it('writes valid TypeScript for every store and backend', () => {
    for (const store of [...STORE_PACKAGES, 'memory' as const]) {
      for (const backend of BACKEND_PACKAGES) {
        expect(syntaxProblems(configTemplate(store, backend)), `${store} + ${backend}`).toEqual([]);
      }
    }
  });
});
