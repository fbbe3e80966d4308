import { CLOUDEVENT_ATTRIBUTES, type EventContent, type JsonValue, type ScalarValue } from './event.js';

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

/**
 * The CloudEvents JSON text of an event, the same text as `JSON.stringify(toCloudEvent(event))`.
 * Backends send this once per event, so it is written out directly instead of through an
 * intermediate object.
 */
export function cloudEventJson(event: EventContent): string {
  let json = `{"specversion":"1.0","id":${JSON.stringify(event.id)},"source":${JSON.stringify(event.source)},"type":${JSON.stringify(event.eventType)},"time":"${event.createdAt.toISOString()}","datacontenttype":${JSON.stringify(event.dataContentType)}`;
  if (event.subject !== null) json += `,"subject":${JSON.stringify(event.subject)}`;
  if (event.dataSchema !== null) json += `,"dataschema":${JSON.stringify(event.dataSchema)}`;
  for (const name of Object.keys(event.extensions)) {
    // Names that would not keep this place in the object route's key order (a context attribute's
    // name, refused on write but possible in an old row; an all-digit name, which objects list
    // first) leave the whole event to that route.
    if (name.charCodeAt(0) <= 57 || CLOUDEVENT_ATTRIBUTES.includes(name)) {
      return JSON.stringify(toCloudEvent(event));
    }
    const value = event.extensions[name];
    if (value === undefined) continue;
    json += `,${JSON.stringify(name)}:${JSON.stringify(value)}`;
  }
  if (event.data !== null) json += `,"data":${JSON.stringify(event.data)}`;
  return `${json}}`;
}
