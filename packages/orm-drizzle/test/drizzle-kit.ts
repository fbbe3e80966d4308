import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const packageDir = resolve(import.meta.dirname, '..');
// The package's own bin (its exports map does not list it).
const bin = join(packageDir, 'node_modules', 'drizzle-kit', 'bin.cjs');

/** A folder with a drizzle-kit config and a user schema, as a Drizzle project would have them. */
export interface KitProject {
  dir: string;
  /** Run the drizzle-kit CLI (no TTY: a prompt fails the command instead of waiting). */
  kit(...args: string[]): Promise<{ code: number; output: string }>;
  /** The SQL of the migrations `generate` wrote, in order. */
  migrations(): string[];
  remove(): void;
}

export function kitProject(options: {
  dialect: 'postgresql' | 'mysql' | 'sqlite';
  /** The body of schema.ts; it imports this package's tables from 'dispatch-schema'. */
  schema: string;
  dbCredentials?: Record<string, unknown>;
  /** More drizzle-kit config keys (tablesFilter, schemaFilter). */
  extra?: Record<string, unknown>;
}): KitProject {
  const dir = mkdtempSync(join(tmpdir(), 'dispatch-drizzle-kit-'));
  // The schema file resolves drizzle-orm (and drizzle-kit its config helpers) from here.
  symlinkSync(join(packageDir, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(
    join(dir, 'schema.ts'),
    options.schema.replaceAll("'dispatch-schema'", JSON.stringify(join(packageDir, 'src', 'schema.ts'))),
  );
  const config = {
    dialect: options.dialect,
    schema: './schema.ts',
    out: './drizzle',
    ...(options.dbCredentials ? { dbCredentials: options.dbCredentials } : {}),
    ...options.extra,
  };
  writeFileSync(join(dir, 'drizzle.config.ts'), `export default ${JSON.stringify(config)};\n`);
  return {
    dir,
    kit: (...args) =>
      new Promise((done) => {
        const child = execFile(
          process.execPath,
          [bin, ...args, '--config', 'drizzle.config.ts'],
          { cwd: dir, timeout: 120_000, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } },
          (error, stdout, stderr) => {
            const code = error ? Number((error as { code?: unknown }).code ?? 1) || 1 : 0;
            done({ code, output: `${stdout}\n${stderr}` });
          },
        );
        child.stdin?.end();
      }),
    migrations: () => {
      const out = join(dir, 'drizzle');
      return readdirSync(out)
        .filter((file) => file.endsWith('.sql'))
        .sort()
        .map((file) => readFileSync(join(out, file), 'utf8'));
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The statements of a generated migration file. */
export const statementsOf = (migration: string): string[] =>
  migration
    .split('--> statement-breakpoint')
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
