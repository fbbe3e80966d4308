import { redisStreamBackend } from './redis-stream-backend.js';

export { classifyError, classifyReply } from './classify.js';
export { MissingClientError } from './clients/redis-client.js';
export { IDEMPOTENT_APPEND_SCRIPT } from './idempotent-append.js';
export {
  type NodeAddress,
  type RedisStreamOptions,
  type RedisStreamOptionsInput,
  redisStreamOptionsSchema,
  STREAM_NAME_PLACEHOLDERS,
  type StreamNameFunction,
} from './options.js';
export { redisStreamBackend } from './redis-stream-backend.js';
export { entryToObject, type StreamEntry, toStreamEntry } from './stream-entry.js';
export { dedupeKeyFor, hashTagOf } from './stream-key.js';

// `BACKEND: '@dispatch/backend-redis-stream'` loads the default export.
export default redisStreamBackend;
