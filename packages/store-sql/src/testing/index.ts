export { type DescribeSql, describeTable } from './describe-schema.js';
export { runSqlStoreSuites } from './run-sql-store-suites.js';
export type {
  ClaimerStore,
  ClaimerStoreRequest,
  OpenClaimerStore,
  SqlStoreCapabilities,
  SqlStoreRequest,
  SqlStoreSuiteOptions,
  SqlStoreUnderTest,
} from './suite-options.js';
