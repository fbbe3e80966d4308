import { rabbitmqBackend } from './rabbitmq-backend.js';

export {
  CLOUDEVENTS_PREFIX,
  type CloudEventMode,
  isJsonContentType,
  messageFields,
  type ReceivedMessage,
  STRUCTURED_CONTENT_TYPE,
  toAmqpMessage,
} from './amqp-message.js';
export { classifyError } from './classify.js';
export { MissingClientError } from './load-amqplib.js';
export { NAME_PLACEHOLDERS } from './name-template.js';
export {
  EXCHANGE_TYPES,
  type NameFunction,
  type RabbitmqOptions,
  type RabbitmqOptionsInput,
  rabbitmqOptionsSchema,
  type TlsFilesInput,
} from './options.js';
export { rabbitmqBackend } from './rabbitmq-backend.js';

// `BACKEND: '@dispatch/backend-rabbitmq'` loads the default export.
export default rabbitmqBackend;
