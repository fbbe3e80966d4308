import { runStoreConformance } from '@dispatch/core/testing';
import type { MikroORM } from '@mikro-orm/core';
import { mikroOrmStore } from '../src/index.js';
import { dropOutbox, openOrm, uniqueTable } from './databases.js';

let orm: MikroORM;

runStoreConformance({
  name: 'mikro-orm (mysql driver on mariadb)',
  setup: async () => {
    orm = await openOrm('mysql');
  },
  teardown: async () => {
    await orm.close(true);
  },
  store: async () => {
    const tableName = uniqueTable('conf');
    return {
      definition: mikroOrmStore,
      options: { orm, tableName },
      transaction: (work) => orm.em.fork().transactional((em) => work(em)),
      cleanup: () => dropOutbox(orm, 'mysql', tableName),
    };
  },
  capabilities: { transactions: true, wakeups: false },
});
