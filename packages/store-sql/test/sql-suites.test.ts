import { join } from 'node:path';
import { runSqlStoreSuites } from '../src/testing/index.js';
import { withTransaction } from './driver-executors.js';
import { DRIVER_DATABASES, dialectOf, openDriverStore } from './driver-stores.js';

// The SQL store suites on the engine alone, through the executors on the bare drivers.
for (const db of DRIVER_DATABASES) {
  runSqlStoreSuites({
    name: `store-sql on the bare driver (${db})`,
    dialect: dialectOf(db),
    open: async ({ options, connections }) => {
      const { store, driver, close } = await openDriverStore(db, options, connections);
      return {
        store,
        executor: driver.executor,
        transaction: (work) => withTransaction(driver.executor, work),
        processContext: { db, file: driver.file },
        close,
      };
    },
    claimerModule: join(import.meta.dirname, 'fixtures', 'claimer-store.ts'),
    capabilities: { crossProcess: true, wakeups: db === 'postgresql' },
  });
}
