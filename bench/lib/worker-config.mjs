// A `dispatch.config.mjs` for a `dispatch worker` process started by a benchmark: the MikroORM
// store on the local PostgreSQL and the Redis stream backend for every publisher.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Write `dispatch.config.mjs` into `dir` and return its path. `resolveUrl` turns a package name into
 * the file URL the benchmark itself loads, so the worker runs the same builds. `settings` is the
 * rest of the configuration as plain JSON (`OUTBOX_PUBLISHERS` without `BACKEND`, `OUTBOX_WORKER`,
 * ...); `pg` the MikroORM connection options.
 */
export function writeWorkerConfig(dir, { resolveUrl, pg, table, settings }) {
  const file = join(dir, 'dispatch.config.mjs');
  const url = (specifier) => JSON.stringify(resolveUrl(specifier));
  writeFileSync(
    file,
    `import { MikroORM } from ${url('@mikro-orm/core')};
import { PostgreSqlDriver } from ${url('@mikro-orm/postgresql')};
import { mikroOrmStore } from ${url('@dispatch/orm-mikro')};
import { redisStreamBackend } from ${url('@dispatch/backend-redis-stream')};

const orm = await MikroORM.init({ driver: PostgreSqlDriver, ...${JSON.stringify(pg)}, entities: [], discovery: { warnWhenNoEntities: false } });
const config = ${JSON.stringify(settings, null, 2)};
for (const publisher of Object.values(config.OUTBOX_PUBLISHERS)) publisher.BACKEND = redisStreamBackend;
config.OUTBOX_STORE = { STORE: mikroOrmStore, OPTIONS: { orm, tableName: ${JSON.stringify(table)} } };
export default config;
`,
  );
  return file;
}
