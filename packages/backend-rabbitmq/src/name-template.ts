import {
  eventNameResolver,
  isPlainName,
  NAME_TEMPLATE_PLACEHOLDERS,
  type OutboxEvent,
  placeholderProblems,
} from '@dispatch/core';

/** The placeholders `exchange` and `routing_key` templates may use (the same as Redis's `stream_name`). */
export const NAME_PLACEHOLDERS = NAME_TEMPLATE_PLACEHOLDERS;

/**
 * What is wrong with a template, if anything. AMQP names have no use for braces (there are no hash
 * tags as in Redis Cluster), so any `{...}` that is not a placeholder is refused: it is almost
 * always a misspelt one. A name with literal braces can still come from a function.
 */
export function templateProblems(template: string): string[] {
  return placeholderProblems(template, { note: 'for literal braces use a function of the event' });
}

/** True for a plain name: every event gets that one value. */
export function isStaticName(name: string | ((event: OutboxEvent) => string)): name is string {
  return isPlainName(name);
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
  return eventNameResolver(name, (value, event) =>
    typeof value === 'string'
      ? undefined
      : `${what} function returned ${JSON.stringify(value) ?? String(value)} for event ${event.id}; expected a string`,
  );
}
