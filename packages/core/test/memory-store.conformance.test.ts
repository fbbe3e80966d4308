import { MemoryDatabase, memoryStore, runStoreConformance } from '../src/testing/index.js';

runStoreConformance({
  name: 'memory',
  store: async () => {
    const database = new MemoryDatabase();
    return {
      definition: memoryStore,
      options: { database },
      transaction: (work) => database.transaction(work),
    };
  },
});
