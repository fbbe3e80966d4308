import {
  BackendUnavailableError,
  EventRejectedError,
  LoadError,
  PublishFailedError,
  TimeoutError,
} from '@dispatch/core';
import { describe, expect, it } from 'vitest';
import { classifyError, isBlamedOn, replyCodeOf } from './classify.js';
import { importPeer, MissingClientError } from './load-amqplib.js';

// The messages below are the ones amqplib and RabbitMQ 3.10 give; test/classify.test.ts provokes
// them from a real broker.
const amqpError = (message: string, code?: number) => Object.assign(new Error(message), code ? { code } : {});

describe('classifying RabbitMQ errors', () => {
  it.each([
    [
      "Channel closed by server: 404 (NOT-FOUND) with message \"NOT_FOUND - no exchange 'x' in vhost '/'\"",
      404,
      'rejected',
    ],
    [
      "Channel closed by server: 403 (ACCESS-REFUSED) with message \"ACCESS_REFUSED - access to exchange 'x' in vhost '/' refused for user 'u'\"",
      403,
      'rejected',
    ],
    [
      'Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - message size 5000 is larger than configured max size 4096"',
      406,
      'rejected',
    ],
    [
      'Connection closed: 320 (CONNECTION-FORCED) with message "CONNECTION_FORCED - broker forced connection closure with reason \'shutdown\'"',
      320,
      'unavailable',
    ],
    ['Channel closed by server: 541 (INTERNAL-ERROR) with message "INTERNAL_ERROR"', 541, 'retryable'],
  ])('%s is %s', (message, code, kind) => {
    expect(classifyError(amqpError(message, code))).toBe(kind);
    // The code is read from the message when amqplib did not set it.
    expect(classifyError(amqpError(message))).toBe(kind);
  });

  it('treats a lost connection as unavailable', () => {
    expect(
      classifyError(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5672'), { code: 'ECONNREFUSED' }),
      ),
    ).toBe('unavailable');
    expect(classifyError(new Error('Heartbeat timeout'))).toBe('unavailable');
    expect(classifyError(new Error('Unexpected close'))).toBe('unavailable');
    expect(classifyError(new Error('channel closed'))).toBe('unavailable');
    expect(classifyError(Object.assign(new Error('Channel closed'), { name: 'IllegalOperationError' }))).toBe(
      'unavailable',
    );
    expect(classifyError(new Error('Connection closed (Error: Heartbeat timeout)'))).toBe('unavailable');
  });

  it('treats a refused login or vhost as unavailable, not as the event at fault', () => {
    expect(
      classifyError(
        new Error(
          'Handshake terminated by server: 403 (ACCESS-REFUSED) with message "ACCESS_REFUSED - Login was refused"',
        ),
      ),
    ).toBe('unavailable');
    expect(classifyError(new Error('Expected ConnectionOpenOk; got <ConnectionClose channel:0>'))).toBe(
      'unavailable',
    );
  });

  it('rejects what amqplib cannot encode', () => {
    expect(
      classifyError(
        new RangeError('Encoded field table (headers or arguments) exceeds the 65536 byte encoding buffer'),
      ),
    ).toBe('rejected');
    expect(
      classifyError(new TypeError("Field 'type' is the wrong type; must be a string (up to 255 chars)")),
    ).toBe('rejected');
  });

  it('keeps the kinds of Dispatch errors, follows causes, and defaults to retryable', () => {
    expect(classifyError(new BackendUnavailableError('x'))).toBe('unavailable');
    expect(classifyError(new TimeoutError('publish', 10))).toBe('unavailable');
    expect(classifyError(new EventRejectedError('x'))).toBe('rejected');
    expect(classifyError(new PublishFailedError('x'))).toBe('retryable');
    expect(classifyError(new Error('wrapped', { cause: new Error('Heartbeat timeout') }))).toBe(
      'unavailable',
    );
    expect(classifyError(new Error('something odd'))).toBe('retryable');
    expect(classifyError('not even an error')).toBe('retryable');
  });

  it('reads reply codes', () => {
    expect(replyCodeOf(amqpError('x', 404))).toBe(404);
    expect(
      replyCodeOf(
        new Error('Operation failed: ExchangeDeclare; 406 (PRECONDITION-FAILED) with message "..."'),
      ),
    ).toBe(406);
    expect(replyCodeOf(new Error('no code'))).toBeUndefined();
  });
});

describe('pinning a channel error on the event that caused it', () => {
  const notFound = amqpError(
    "Channel closed by server: 404 (NOT-FOUND) with message \"NOT_FOUND - no exchange 'orders.it's' in vhost '/'\"",
    404,
  );
  const tooLarge = amqpError(
    'Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - message size 5000 is larger than configured max size 4096"',
    406,
  );

  it('by exchange for 404 and 403, by body size for a message over the limit', () => {
    expect(isBlamedOn(notFound, { exchange: "orders.it's", bodyBytes: 10 })).toBe(true);
    expect(isBlamedOn(notFound, { exchange: 'orders', bodyBytes: 10 })).toBe(false);
    expect(isBlamedOn(tooLarge, { exchange: 'x', bodyBytes: 5000 })).toBe(true);
    expect(isBlamedOn(tooLarge, { exchange: 'x', bodyBytes: 4000 })).toBe(false);
    expect(
      isBlamedOn(amqpError('Channel closed by server: 541 (INTERNAL-ERROR)', 541), {
        exchange: 'x',
        bodyBytes: 1,
      }),
    ).toBe(false);
  });
});

describe('the optional amqplib peer', () => {
  it('says which package to install when it is missing', async () => {
    const missing = importPeer('amqplib', () => import('@dispatch/no-such-package' as string));
    await expect(missing).rejects.toBeInstanceOf(MissingClientError);
    await expect(missing).rejects.toBeInstanceOf(LoadError);
    await expect(missing).rejects.toThrow(/pnpm add amqplib/);
  });
});
