// The MikroORM the worker-side benchmarks keep their outbox with: on the local PostgreSQL, with no
// entities of its own, since the store needs only its connection.

/**
 * `MikroORM.init` on PostgreSQL. `load` imports a specifier as the calling benchmark resolves it
 * (each loads the ORM the worker package sees); `pg` is the connection as node-postgres takes it.
 */
export async function openMikroOrm(load, pg) {
  const { MikroORM } = await load('@mikro-orm/core');
  const { PostgreSqlDriver } = await load('@mikro-orm/postgresql');
  return MikroORM.init({
    driver: PostgreSqlDriver,
    host: pg.host,
    port: pg.port,
    user: pg.user,
    dbName: pg.database,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: true,
    debug: false,
  });
}
