/** Socket and DNS error codes (Node's `code`) that mean the server was not reached at all. */
export const UNREACHED_ERROR_CODES: readonly string[] = [
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ECONNRESET',
];

/**
 * Codes of a connection that cannot be made, or broke under a write (an aborted or piped-out
 * socket, a network that went down): nothing goes through it, whatever the message, so a backend
 * reports them as unavailable. Each backend adds its client's own codes.
 */
export const CONNECTION_FAILURE_CODES: readonly string[] = [
  ...UNREACHED_ERROR_CODES,
  'ECONNABORTED',
  'EPIPE',
  'ENETDOWN',
  'EHOSTDOWN',
];
