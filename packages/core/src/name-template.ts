import type { OutboxEvent } from './event.js';
import { suggestKey } from './schema-issues.js';

/**
 * The placeholders a backend's name template (a stream, subject, exchange or routing key) may use.
 * Every backend takes the same ones, so a template moves from one backend to another unchanged.
 * `{publisher}` and `{backend}` are the same: the event's publisher name (`{backend}` is its
 * original name, which existing templates and stream names keep).
 */
export const NAME_TEMPLATE_PLACEHOLDERS = [
  'event_type',
  'source',
  'subject',
  'key',
  'publisher',
  'backend',
] as const;

export type NameTemplatePlaceholder = (typeof NAME_TEMPLATE_PLACEHOLDERS)[number];

/** A name for each event: a fixed name, a template, or a function of the event. */
export type EventName = string | ((event: OutboxEvent) => string);

/** What each placeholder stands for; one the event does not have (`subject`, `key`) is empty. */
const VALUE_OF: Record<NameTemplatePlaceholder, (event: OutboxEvent) => string> = {
  event_type: (event) => event.eventType,
  source: (event) => event.source,
  subject: (event) => event.subject ?? '',
  key: (event) => event.key ?? '',
  publisher: (event) => event.publisher,
  backend: (event) => event.publisher,
};

const PLACEHOLDER_SOURCE = `\\{(${NAME_TEMPLATE_PLACEHOLDERS.join('|')})\\}`;
const PLACEHOLDER = new RegExp(PLACEHOLDER_SOURCE, 'g');
// A separate non-global copy: `test` on a global regex moves its lastIndex.
const HAS_PLACEHOLDER = new RegExp(PLACEHOLDER_SOURCE);

/** Whether `text` holds at least one placeholder (and so differs from event to event). */
export function hasPlaceholder(text: string): boolean {
  return HAS_PLACEHOLDER.test(text);
}

/** True for a plain name: every event gets that one value. */
export function isPlainName(name: EventName): name is string {
  return typeof name === 'string' && !hasPlaceholder(name);
}

/**
 * Every `{...}` in a template that is not a placeholder, `{}` included, in order. Whether that is
 * a mistake is the backend's to say (a Redis hash tag is written that way on purpose).
 */
export function unknownPlaceholders(template: string): string[] {
  const unknown: string[] = [];
  for (const match of template.matchAll(/\{([^{}]*)\}/g)) {
    const name = match[1] ?? '';
    if (!(NAME_TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name)) unknown.push(name);
  }
  return unknown;
}

/** `{event_type} {source} ...`: the placeholder list as error messages show it. */
export const PLACEHOLDER_LIST = NAME_TEMPLATE_PLACEHOLDERS.map((name) => `{${name}}`).join(' ');

/**
 * A message for each `{...}` of `template` that is not a placeholder, with the placeholder it
 * is probably a misspelling of: `unknown placeholder {evnt_type}; did you mean {event_type}?
 * (placeholders: ...)`. `note` ends the parenthesis (what else braces do in this backend);
 * `nearMissesOnly` skips the braces that are close to no placeholder, for a backend that keeps
 * them as written.
 */
export function placeholderProblems(
  template: string,
  { note, nearMissesOnly = false }: { note?: string | undefined; nearMissesOnly?: boolean | undefined } = {},
): string[] {
  const problems: string[] = [];
  for (const name of unknownPlaceholders(template)) {
    const suggestion = suggestKey(name, NAME_TEMPLATE_PLACEHOLDERS);
    if (nearMissesOnly && !suggestion) continue;
    const hint = suggestion ? `did you mean {${suggestion}}? ` : '';
    problems.push(
      `unknown placeholder {${name}}; ${hint}(placeholders: ${PLACEHOLDER_LIST}${note ? `; ${note}` : ''})`,
    );
  }
  return problems;
}

/** Fills in a template's placeholders for each event; anything else in it is kept as written. */
export function renderNameTemplate(template: string): (event: OutboxEvent) => string {
  if (!hasPlaceholder(template)) return () => template;
  return (event) =>
    template.replace(PLACEHOLDER, (_match, name: NameTemplatePlaceholder) => VALUE_OF[name](event));
}

/**
 * Resolves each event's name from a fixed name, a template, or a function. What a function
 * returns goes through `functionResultProblem` first, which describes a value the backend cannot
 * use (each backend words its own message); that problem is thrown as a `TypeError`.
 */
export function eventNameResolver(
  name: EventName,
  functionResultProblem: (value: unknown, event: OutboxEvent) => string | undefined,
): (event: OutboxEvent) => string {
  if (typeof name === 'string') return renderNameTemplate(name);
  return (event) => {
    const value: unknown = name(event);
    const problem = functionResultProblem(value, event);
    if (problem !== undefined) throw new TypeError(problem);
    return value as string;
  };
}
