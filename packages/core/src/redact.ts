const SECRET_KEY = /pass(word)?|secret|token|credential|api[-_]?key|auth/i;

/** A URL with any password (and the user, if there is a password) replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@\s]*):[^@/\s]*@/g, '//$1:***@');
  }
}

/** Credentials embedded in free text (URLs with passwords), masked. */
export function redactText(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)([^:/@\s]*):[^@/\s]*@/gi, '$1$2:***@');
}

/** A copy of an options object safe to log: secret-looking keys masked, URLs stripped of passwords. */
export function redactOptions(value: unknown, depth = 0): unknown {
  if (depth > 5) return '…';
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((item) => redactOptions(item, depth + 1));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] =
      SECRET_KEY.test(key) && item !== undefined && item !== null ? '***' : redactOptions(item, depth + 1);
  }
  return out;
}
