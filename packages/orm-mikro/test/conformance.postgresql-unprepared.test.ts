import { runStoreConformance } from '@dispatch/core/testing';
import type { MikroORM } from '@mikro-orm/core';
import { mikroOrmStore } from '../src/index.js';
import { dropOutbox, openOrm, uniqueTable } from './databases.js';

let orm: MikroORM;

runStoreConformance({
  name: 'mikro-orm (postgresql, preparedStatements: false)',
  setup: async () => {
    orm = await openOrm('postgresql');
  },
  teardown: async () => {
    await orm.close(true);
  },
  store: async () => {
    const tableName = uniqueTable('conf');
    return {
      definition: mikroOrmStore,
      options: { orm, tableName, preparedStatements: false },
      transaction: (work) => orm.em.fork().transactional((em) => work(em)),
      cleanup: () => dropOutbox(orm, 'postgresql', tableName),
    };
  },
  capabilities: { transactions: true, wakeups: true },
});
