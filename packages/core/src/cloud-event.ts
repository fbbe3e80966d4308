import type { EventContent, JsonValue, ScalarValue } from './event.js';

/** A CloudEvents 1.0 event in its JSON format. */
export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time?: string;
  subject?: string;
  datacontenttype?: string;
  dataschema?: string;
  data?: JsonValue;
  [extension: string]: JsonValue | undefined;
}

/**
 * The CloudEvents 1.0 JSON view of an event. `id` and `time` are always present; subject,
 * datacontenttype, dataschema, data and every extension attribute are kept when set.
 */
export function toCloudEvent(event: EventContent): CloudEvent {
  const cloudEvent: CloudEvent = {
    specversion: '1.0',
    id: event.id,
    source: event.source,
    type: event.eventType,
    time: event.createdAt.toISOString(),
    datacontenttype: event.dataContentType,
  };
  if (event.subject !== null) cloudEvent.subject = event.subject;
  if (event.dataSchema !== null) cloudEvent.dataschema = event.dataSchema;
  for (const [name, value] of Object.entries(event.extensions) as [string, ScalarValue][]) {
    cloudEvent[name] = value;
  }
  if (event.data !== null) cloudEvent.data = event.data;
  return cloudEvent;
}
