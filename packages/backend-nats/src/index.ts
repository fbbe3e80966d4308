import { natsBackend } from './nats-backend.js';

export { apiErrorCode, classifyError, isNoResponders, JS_ERR } from './classify.js';
export { MissingClientError } from './client.js';
export { describeServers } from './connection.js';
export {
  type CloudEventMode,
  type MessageResult,
  type NatsMessage,
  STRUCTURED_CONTENT_TYPE,
  toNatsMessage,
} from './message.js';
export { natsBackend } from './nats-backend.js';
export { type NatsOptions, type NatsOptionsInput, natsOptionsSchema, type TlsFiles } from './options.js';
export { StreamSetupError } from './stream-setup.js';
export {
  patternCovers,
  publishSubjectProblem,
  SUBJECT_PLACEHOLDERS,
  type SubjectFunction,
  streamSubjectsFor,
  subjectPatternProblem,
  subjectResolver,
} from './subject.js';

// `BACKEND: '@dispatch/backend-nats'` loads the default export.
export default natsBackend;
