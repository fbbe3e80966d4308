import { runStoreConformance } from '@dispatch/core/testing';
import { withTransaction } from './driver-executors.js';
import { DRIVER_DATABASES, driverStore, type OpenedDriver, openDriver } from './driver-stores.js';

let tables = 0;
const uniqueTable = () => `sqlconf_${process.pid}_${Date.now().toString(36)}_${tables++}`;

for (const db of DRIVER_DATABASES) {
  let opened: OpenedDriver;
  runStoreConformance({
    name: `store-sql on the bare driver (${db})`,
    setup: async () => {
      opened = await openDriver(db);
    },
    teardown: () => opened.close(),
    store: async () => {
      const tableName = uniqueTable();
      return {
        definition: driverStore,
        options: { executor: opened.executor, tableName },
        transaction: (work) => withTransaction(opened.executor, work),
        cleanup: () => opened.drop(tableName),
      };
    },
  });
}
