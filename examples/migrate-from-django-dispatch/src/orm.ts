import { MikroORM } from '@mikro-orm/postgresql';

/**
 * The application's MikroORM instance (in a Django project, the `DATABASES['default']` the seed
 * wrote its outbox rows to). libpq's variables, with this machine's defaults.
 */
export function openOrm(env: NodeJS.ProcessEnv = process.env): Promise<MikroORM> {
  return MikroORM.init({
    host: env.PGHOST ?? '127.0.0.1',
    port: Number(env.PGPORT ?? 5432),
    user: env.PGUSER ?? 'postgres',
    ...(env.PGPASSWORD === undefined ? {} : { password: env.PGPASSWORD }),
    dbName: env.PGDATABASE ?? 'test',
    // Your entities go here; the outbox needs none (the store runs its own SQL).
    entities: [],
    discovery: { warnWhenNoEntities: false },
    debug: false,
  });
}
