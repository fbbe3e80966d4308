export { type MemoryBackendOptions, memoryBackend, memoryBackend as default } from './memory-backend.js';
export {
  type EntryListener,
  type FailNextOptions,
  isMemoryBroker,
  MemoryBroker,
  type MemoryEntry,
  sharedBroker,
  toEntryFields,
  type WaitForOptions,
} from './memory-broker.js';
