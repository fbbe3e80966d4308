import type { JetStreamManager, StreamConfig, StreamInfo } from '@nats-io/jetstream';
import { apiErrorCode, JS_ERR } from './classify.js';
import type { NatsOptions } from './options.js';
import { patternCovers, streamSubjectsFor } from './subject.js';

/** JetStream says "stream name already in use": another worker created it a moment ago. */
const STREAM_NAME_IN_USE = 10058;

/** The stream is not usable as configured (missing with `expect`, or not taking the subjects needed). */
export class StreamSetupError extends Error {
  override name = 'StreamSetupError';
}

export function isStreamNotFound(error: unknown): boolean {
  return (
    apiErrorCode(error) === JS_ERR.streamNotFound ||
    (error as { name?: unknown })?.name === 'StreamNotFoundError'
  );
}

/** The subjects the stream must take: `stream_subjects`, else what `subject` needs. */
export function wantedSubjects(options: NatsOptions): string[] | undefined {
  return options.stream_subjects ?? streamSubjectsFor(options.subject);
}

const nanos = (seconds: number): number => Math.round(seconds * 1e9);

/** The configuration of a stream this backend creates. */
export function streamConfigFor(
  options: NatsOptions,
  subjects: string[],
): Partial<StreamConfig> & { name: string } {
  return {
    name: options.stream,
    subjects,
    storage: 'file',
    num_replicas: options.replicas,
    duplicate_window: nanos(options.duplicate_window),
    max_age: options.max_age === null ? 0 : nanos(options.max_age),
    max_msgs: options.max_msgs ?? -1,
  };
}

async function create(jsm: JetStreamManager, options: NatsOptions, subjects: string[]): Promise<StreamInfo> {
  try {
    return await jsm.streams.add(streamConfigFor(options, subjects));
  } catch (error) {
    if (apiErrorCode(error) === STREAM_NAME_IN_USE) return jsm.streams.info(options.stream);
    if (apiErrorCode(error) === undefined) throw error;
    throw new StreamSetupError(
      `cannot create JetStream stream "${options.stream}" with subjects ${JSON.stringify(subjects)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * Make sure the stream exists (creating it with `stream_mode: 'create'`) and takes the subjects the
 * backend publishes to; returns its info.
 */
export async function ensureStream(jsm: JetStreamManager, options: NatsOptions): Promise<StreamInfo> {
  const wanted = wantedSubjects(options);
  let info: StreamInfo;
  try {
    info = await jsm.streams.info(options.stream);
  } catch (error) {
    if (!isStreamNotFound(error)) throw error;
    if (options.stream_mode === 'expect') {
      const needs = wanted ? ` with subjects ${JSON.stringify(wanted)}` : '';
      throw new StreamSetupError(
        `JetStream stream "${options.stream}" does not exist (stream_mode "expect"): create it${needs}, or set stream_mode to "create"`,
        { cause: error },
      );
    }
    // `wanted` is always known here: options validation requires stream_subjects otherwise.
    return create(jsm, options, wanted ?? []);
  }
  const has = info.config.subjects ?? [];
  const missing = (wanted ?? []).filter((subject) => !has.some((pattern) => patternCovers(pattern, subject)));
  if (missing.length > 0) {
    throw new StreamSetupError(
      `JetStream stream "${options.stream}" exists but does not take ${JSON.stringify(missing)} (its subjects: ${JSON.stringify(has)}): add them to the stream, or change subject / stream_subjects`,
    );
  }
  return info;
}
