// The in-memory store on its own, without the conformance suites (which import vitest), so it can
// be used outside tests, from ESM and CommonJS alike.
export {
  MemoryDatabase,
  type MemoryStoreOptions,
  MemoryTransaction,
  memoryStore,
} from './memory-store.js';
