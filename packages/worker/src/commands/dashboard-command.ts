import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { childLogger, type Logger, type OutboxStore } from '@dispatch/core';
import { openDispatch } from '../cli-context.js';
import { CliFailure, type CliIo } from '../cli-io.js';

export interface DashboardCommandOptions {
  config?: string | undefined;
  port?: number | undefined;
  host?: string | undefined;
  basePath?: string | undefined;
  readOnly?: boolean | undefined;
  insecure?: boolean | undefined;
}

/** The part of `@dispatch/dashboard` this command uses; the package is installed next to the config. */
interface DashboardModule {
  serveDashboard(options: {
    store: OutboxStore;
    publishers: readonly string[];
    logger: Logger;
    port?: number | undefined;
    host?: string | undefined;
    basePath?: string | undefined;
    readOnly?: boolean | undefined;
    insecure?: boolean | undefined;
    basicAuth?: { username: string; password: string } | undefined;
    bearerToken?: string | undefined;
  }): Promise<{ url: string; close(): Promise<void> }>;
}

const PACKAGE = '@dispatch/dashboard';

/** `@dispatch/dashboard` as the project holding the config file sees it, else as this package does. */
async function loadDashboard(configDir: string): Promise<DashboardModule> {
  for (const from of [join(configDir, '_dispatch_dashboard.js'), import.meta.url]) {
    let resolved: string;
    try {
      resolved = createRequire(from).resolve(PACKAGE);
    } catch {
      continue;
    }
    return (await import(pathToFileURL(resolved).href)) as DashboardModule;
  }
  throw new CliFailure(
    `dispatch dashboard needs the package ${PACKAGE}: install it in the project that holds the config file (pnpm add ${PACKAGE})`,
  );
}

/** Credentials come from the environment, never from flags (which other users can see in `ps`). */
function credentials(env: NodeJS.ProcessEnv) {
  const user = env.DISPATCH_DASHBOARD_USER;
  const password = env.DISPATCH_DASHBOARD_PASSWORD;
  if ((user === undefined) !== (password === undefined)) {
    throw new CliFailure('set both DISPATCH_DASHBOARD_USER and DISPATCH_DASHBOARD_PASSWORD, or neither');
  }
  return {
    basicAuth: user !== undefined && password !== undefined ? { username: user, password } : undefined,
    bearerToken: env.DISPATCH_DASHBOARD_TOKEN || undefined,
  };
}

/**
 * `dispatch dashboard`: serve `@dispatch/dashboard` on the configured store until SIGINT/SIGTERM,
 * bound to 127.0.0.1 unless told otherwise.
 */
export async function dashboardCommand(options: DashboardCommandOptions, io: CliIo): Promise<number> {
  const auth = credentials(process.env);
  const dispatch = await openDispatch({ cwd: io.cwd, config: options.config, logLevel: 'info' });
  try {
    const dashboard = await loadDashboard(dispatch.configDir);
    const server = await dashboard.serveDashboard({
      store: dispatch.store,
      publishers: [...dispatch.backends.keys()],
      logger: childLogger(dispatch.logger, 'dashboard'),
      port: options.port,
      host: options.host,
      basePath: options.basePath,
      readOnly: options.readOnly,
      insecure: options.insecure,
      ...auth,
    });
    io.stdout.write(`dashboard on ${server.url}${options.readOnly ? ' (read-only)' : ''}\n`);
    await new Promise<void>((resolve) => {
      const remove = io.onSignal(() => {
        remove();
        resolve();
      });
    });
    await server.close();
    return 0;
  } finally {
    await dispatch.close();
  }
}
