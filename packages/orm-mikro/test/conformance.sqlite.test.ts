import { runStoreConformance } from '@dispatch/core/testing';
import type { MikroORM } from '@mikro-orm/core';
import { mikroOrmStore } from '../src/index.js';
import { dropOutbox, openOrm, removeTempFiles, uniqueTable } from './databases.js';

let orm: MikroORM;

runStoreConformance({
  name: 'mikro-orm (sqlite)',
  setup: async () => {
    orm = await openOrm('sqlite');
  },
  teardown: async () => {
    await orm.close(true);
    removeTempFiles();
  },
  store: async () => {
    const tableName = uniqueTable('conf');
    return {
      definition: mikroOrmStore,
      options: { orm, tableName },
      transaction: (work) => orm.em.fork().transactional((em) => work(em)),
      cleanup: () => dropOutbox(orm, 'sqlite', tableName),
    };
  },
  capabilities: { transactions: true, wakeups: false },
});
