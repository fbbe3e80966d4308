import {
  eventNameResolver,
  hasPlaceholder,
  isPlainName,
  NAME_TEMPLATE_PLACEHOLDERS,
  type OutboxEvent,
  placeholderProblems,
} from '@dispatch/core';

/** Picks the subject for an event; must return a subject the stream takes. */
export type SubjectFunction = (event: OutboxEvent) => string;

/** The placeholders a `subject` template may use: the same as the Redis backend's `stream_name`. */
export const SUBJECT_PLACEHOLDERS = NAME_TEMPLATE_PLACEHOLDERS;

// Subjects JetStream or the client own: publishing outbox events there breaks them.
const SYSTEM_PREFIXES = ['$JS.', '$SYS.', '_INBOX.'];
// The protocol's control line is 4096 bytes and also carries the reply inbox and sizes.
const MAX_SUBJECT_BYTES = 3000;
const FORBIDDEN_CHARACTER = /[\s\p{Cc}]/u;

function tokenProblem(subject: string, wildcards: boolean): string | undefined {
  const tokens = subject.split('.');
  for (const [index, token] of tokens.entries()) {
    if (token === '') return 'has an empty token (a leading, trailing or doubled ".")';
    if (token === '*' || token === '>') {
      if (!wildcards) return `contains the wildcard "${token}"; a message is published to one exact subject`;
      if (token === '>' && index !== tokens.length - 1) return 'has ">" before its last token';
      continue;
    }
    if (token.includes('*') || token.includes('>')) {
      return `has "*" or ">" inside the token "${token}"; wildcards are whole tokens only`;
    }
  }
  return undefined;
}

function commonProblem(subject: string): string | undefined {
  if (subject.length === 0) return 'is empty';
  if (FORBIDDEN_CHARACTER.test(subject)) return 'contains whitespace or a control character';
  if (Buffer.byteLength(subject, 'utf8') > MAX_SUBJECT_BYTES) {
    return `is longer than ${MAX_SUBJECT_BYTES} bytes`;
  }
  const prefix = SYSTEM_PREFIXES.find((p) => subject.startsWith(p));
  if (prefix) return `starts with "${prefix}", which NATS reserves for itself`;
  return undefined;
}

/** Why a message cannot be published to `subject`, or undefined when it can. */
export function publishSubjectProblem(subject: string): string | undefined {
  return commonProblem(subject) ?? tokenProblem(subject, false);
}

/** Why `pattern` is not a valid stream subject (wildcards allowed), or undefined when it is. */
export function subjectPatternProblem(pattern: string): string | undefined {
  return commonProblem(pattern) ?? tokenProblem(pattern, true);
}

/**
 * Whether every subject that `inner` matches is matched by `outer` too (`*`: one token, `>`: one
 * or more). For an exact subject as `inner`, whether the pattern `outer` takes it.
 */
export function patternCovers(outer: string, inner: string): boolean {
  const a = outer.split('.');
  const b = inner.split('.');
  for (let i = 0; i < a.length; i++) {
    const token = a[i] as string;
    if (token === '>') return b.length > i;
    const other = b[i];
    if (other === undefined) return false;
    if (other === '>') return false;
    if (token === '*') continue;
    if (token !== other) return false;
  }
  return a.length === b.length;
}

/** True for a plain subject: every event goes to it. */
export function isStaticSubject(subject: string | SubjectFunction): subject is string {
  return isPlainName(subject);
}

/**
 * The subjects a stream needs for `subject`: the subject itself when it is plain, else the literal
 * tokens before the first placeholder followed by `>` (a value such as `order.created` spans
 * several tokens). Undefined when that cannot be worked out (a function, or a template that starts
 * with a placeholder): `stream_subjects` must say.
 */
export function streamSubjectsFor(subject: string | SubjectFunction): string[] | undefined {
  if (typeof subject === 'function') return undefined;
  if (!hasPlaceholder(subject)) return [subject];
  const literal: string[] = [];
  for (const token of subject.split('.')) {
    if (hasPlaceholder(token)) break;
    literal.push(token);
  }
  return literal.length === 0 ? undefined : [`${literal.join('.')}.>`];
}

/** Resolves each event's subject from `subject` (a subject, a template, or a function). */
export function subjectResolver(subject: string | SubjectFunction): (event: OutboxEvent) => string {
  return eventNameResolver(subject, (name) =>
    typeof name === 'string' ? undefined : `the subject function returned ${typeof name}; expected a string`,
  );
}

/** The options `subjectOptionProblems` checks together. */
export interface SubjectOptions {
  subject: string | SubjectFunction;
  stream_subjects?: string[] | undefined;
  stream_mode: 'create' | 'expect';
}

/** What is wrong with `subject` and `stream_subjects` taken together, as [option, message] pairs. */
export function subjectOptionProblems(options: SubjectOptions): [string, string][] {
  const problems: [string, string][] = [];
  if (typeof options.subject === 'string') {
    const unknown = placeholderProblems(options.subject);
    for (const message of unknown) problems.push(['subject', message]);
    if (unknown.length === 0) {
      // A template's own structure must be valid whatever the values: check it with a sample value.
      const sample = options.subject.replace(/\{[a-z_]+\}/g, 'x');
      const problem = publishSubjectProblem(sample);
      if (problem) problems.push(['subject', `is not a valid NATS subject: it ${problem}`]);
    }
  }
  const subjects = options.stream_subjects ?? streamSubjectsFor(options.subject);
  if (subjects === undefined && options.stream_mode === 'create') {
    problems.push([
      'stream_subjects',
      'is needed: the subjects the stream takes cannot be worked out from a subject function or a template that starts with a placeholder; list them (e.g. ["events.>"]), or use stream_mode "expect"',
    ]);
  }
  const subject = options.subject;
  if (options.stream_subjects && isStaticSubject(subject)) {
    if (!options.stream_subjects.some((pattern) => patternCovers(pattern, subject))) {
      problems.push(['stream_subjects', `none of them takes the subject "${subject}"`]);
    }
  }
  return problems;
}
