export { type ActivityBuckets, activityBuckets } from './activity-buckets.js';
export {
  BACKEND_BRAND,
  type Backend,
  type BackendCapabilities,
  type BackendContext,
  type BackendDefinition,
  type BackendDefinitionInput,
  type BackendDriver,
  type BackendHealth,
  backendCapabilities,
  type CapabilitiesOf,
  defineBackend,
  type FailureKind,
  failed,
  isBackendDefinition,
  type PublishOutcome,
  published,
  type ResolvedBackendCapabilities,
} from './backend.js';
export { type CloudEvent, cloudEventJson, toCloudEvent } from './cloud-event.js';
export {
  DEFAULT_PUBLISH_TIMEOUT,
  DEFAULT_STORE_TIMEOUT,
  PUBLISHING_DEFAULTS,
  RETENTION_DEFAULTS,
  resolveConfig,
  WORKER_DEFAULTS,
} from './config.js';
export { CONFIG_FILE_NAMES, type LoadedConfigFile, loadConfigFile } from './config-file.js';
export {
  type DispatchConfig,
  defineConfig,
  type HookSettings,
  type LoggingSettings,
  type OptionsInputOf,
  type PublisherConfig,
  type PublishingSettings,
  type ResolvedConfig,
  type RetentionSettings,
  type StoreConfig,
  type TypedDispatchConfig,
  type TypedPublisherConfig,
  type TypedStoreConfig,
  type WorkerSettings,
} from './config-types.js';
export {
  type CreateDispatchOptions,
  createDispatch,
  type Dispatch,
  type Publisher,
  type PublishOptions,
} from './dispatch.js';
export {
  BackendUnavailableError,
  ClosedError,
  ConfigError,
  DispatchError,
  type DispatchErrorCode,
  EventRejectedError,
  hasErrorCode,
  InvalidArgumentError,
  InvalidEventError,
  type Issue,
  isDispatchError,
  LoadError,
  PublishFailedError,
  StoreNotReadyError,
  StoreUnavailableError,
  StoreUnsupportedError,
  TimeoutError,
  TransactionRequiredError,
  UnknownBackendError,
} from './errors.js';
export {
  type AttemptRecord,
  CLOUDEVENT_ATTRIBUTES,
  EVENT_STATUSES,
  type EventContent,
  type EventStatus,
  type JsonValue,
  MAX_ATTEMPT_HISTORY,
  type NewEvent,
  type OutboxEvent,
  RESERVED_FIELDS,
  type ScalarValue,
} from './event.js';
export { type PublishCloudEventOptions, type PublishEventInput, prepareEvent } from './event-input.js';
export { failedWith } from './failed-with.js';
export { dispatchFailureKind, errorForFailure } from './failure-kinds.js';
export { type EventHandler, type HookEvents, type HookHandler, type HookName, Hooks } from './hooks.js';
export { importPeer } from './import-peer.js';
export { findJsonProblems } from './json.js';
export { loadDefinition } from './loader.js';
export {
  type ConsoleLoggerOptions,
  childLogger,
  createConsoleLogger,
  LOG_LEVELS,
  type Logger,
  type LogLevel,
  silentLogger,
} from './logger.js';
export {
  type CreateBackendOptions,
  createBackend,
  failureKindOf,
  validateBackendOptions,
} from './managed-backend.js';
export { type CreateStoreOptions, createStore } from './managed-store.js';
export {
  type EventName,
  eventNameResolver,
  hasPlaceholder,
  isPlainName,
  NAME_TEMPLATE_PLACEHOLDERS,
  type NameTemplatePlaceholder,
  PLACEHOLDER_LIST,
  placeholderProblems,
  renderNameTemplate,
  unknownPlaceholders,
} from './name-template.js';
export { CONNECTION_FAILURE_CODES, UNREACHED_ERROR_CODES } from './network-error-codes.js';
export { missingCertOrKey, optionSchemas, type SameKeys, type TlsFileOptions } from './option-schemas.js';
export { redactOptions, redactText, redactUrl } from './redact.js';
export { resolveBackendName, resolvePublisherName } from './routing.js';
export { formatPath, suggestKey, toIssues, validateWith } from './schema-issues.js';
export {
  type ActivityBucket,
  type ActivityReport,
  type ActivityRequest,
  type ClaimRequest,
  type CleanupRequest,
  defineStore,
  type EventFilter,
  type InsertContext,
  isStoreDefinition,
  type ListPage,
  type ListRequest,
  type MigrateResult,
  type OutboxStore,
  type OutcomeRecord,
  type RecordResult,
  type ResolvedStoreCapabilities,
  STORE_BRAND,
  type StoreCapabilities,
  type StoreContext,
  type StoreDefinition,
  type StoreDefinitionInput,
  type StoreDriver,
  type StoreHealth,
  type StoreStats,
  storeCapabilities,
} from './store.js';
export { type CallContext, withDeadline, withTimeout } from './timeout.js';
export {
  fieldsToObject,
  formatTimestamp,
  TIMESTAMP_FORMATS,
  type TimestampFormat,
  type WireFieldOptions,
  wireFields,
} from './wire-fields.js';
