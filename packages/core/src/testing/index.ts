export type { BackendCapabilities } from '../backend.js';
export { MemoryDatabase, type MemoryStoreOptions, MemoryTransaction, memoryStore } from '../memory-store.js';
export type { StoreCapabilities } from '../store.js';
export { type BackendConformanceOptions, runBackendConformance } from './backend-suite.js';
export {
  countingEvents,
  type EventMakers,
  makeNewEvent,
  makeOutboxEvent,
  makeWireEvent,
  SAMPLE_TRACEPARENT,
  sleep,
  WIRE_FIELD_NAMES,
  wireSampleBatch,
} from './fixtures.js';
export { backendOptionsError } from './options-error.js';
export { outcomeKinds } from './outcome-kinds.js';
export { type LogLine, recordingLogger } from './recording-logger.js';
export {
  runStoreConformance,
  type StoreConformanceOptions,
  type StoreUnderTest,
} from './store-suite.js';
