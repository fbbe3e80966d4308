import { type OutboxEvent, suggestKey } from '@dispatch/core';

/** The placeholders `exchange` and `routing_key` templates may use (the same as Redis's `stream_name`). */
export const NAME_PLACEHOLDERS = ['event_type', 'source', 'subject', 'key', 'backend'] as const;

const PLACEHOLDER_SOURCE = `\\{(${NAME_PLACEHOLDERS.join('|')})\\}`;
const PLACEHOLDER = new RegExp(PLACEHOLDER_SOURCE, 'g');
// A separate non-global copy: `test` on a global regex moves its lastIndex.
const HAS_PLACEHOLDER = new RegExp(PLACEHOLDER_SOURCE);
const ANY_BRACES = /\{([^{}]*)\}/g;

const LIST = NAME_PLACEHOLDERS.map((name) => `{${name}}`).join(' ');

/**
 * What is wrong with a template, if anything. AMQP names have no use for braces (there are no hash
 * tags as in Redis Cluster), so any `{...}` that is not a placeholder is refused: it is almost
 * always a misspelt one. A name with literal braces can still come from a function.
 */
export function templateProblems(template: string): string[] {
  const problems: string[] = [];
  for (const match of template.matchAll(ANY_BRACES)) {
    const name = match[1] ?? '';
    if ((NAME_PLACEHOLDERS as readonly string[]).includes(name)) continue;
    const suggestion = suggestKey(name, NAME_PLACEHOLDERS);
    const hint = suggestion ? `did you mean {${suggestion}}? ` : '';
    problems.push(
      `unknown placeholder {${name}}; ${hint}(placeholders: ${LIST}; for literal braces use a function of the event)`,
    );
  }
  return problems;
}

/** True for a plain name: every event gets that one value. */
export function isStaticName(name: string | ((event: OutboxEvent) => string)): name is string {
  return typeof name === 'string' && !HAS_PLACEHOLDER.test(name);
}

/**
 * Resolves each event's exchange or routing key from a name, a template, or a function. `what`
 * names the option in errors. A placeholder the event does not have (`{subject}`, `{key}`) becomes
 * the empty string.
 */
export function nameResolver(
  what: string,
  name: string | ((event: OutboxEvent) => string),
): (event: OutboxEvent) => string {
  if (typeof name === 'function') {
    return (event) => {
      const value = name(event);
      if (typeof value !== 'string') {
        throw new TypeError(
          `${what} function returned ${JSON.stringify(value) ?? String(value)} for event ${event.id}; expected a string`,
        );
      }
      return value;
    };
  }
  if (!HAS_PLACEHOLDER.test(name)) return () => name;
  return (event) =>
    name.replace(PLACEHOLDER, (_match, placeholder: string) => {
      switch (placeholder) {
        case 'event_type':
          return event.eventType;
        case 'source':
          return event.source;
        case 'subject':
          return event.subject ?? '';
        case 'key':
          return event.key ?? '';
        default:
          return event.backend;
      }
    });
}
