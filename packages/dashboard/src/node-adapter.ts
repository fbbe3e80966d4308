import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dashboard } from './dashboard.js';

/** What a Node request may carry after a framework's body parser already read it. */
type ParsedBody = string | Buffer | Record<string, unknown> | undefined | null;

const MAX_BODY = 1_000_000;

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is dropped; the dashboard then refuses the form as too large.
      if (size <= MAX_BODY + 1) chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function encodeParsed(body: ParsedBody): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (Buffer.isBuffer(body)) return body;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(body)) {
    for (const item of Array.isArray(value) ? value : [value]) params.append(name, String(item));
  }
  return Buffer.from(params.toString());
}

/**
 * A Web `Request` from a Node request. `parsed` is the body a framework already read (Express's
 * `req.body`, Fastify's `request.body`); without it the body is read from the stream.
 */
export async function toWebRequest(request: IncomingMessage, parsed?: ParsedBody): Promise<Request> {
  const original = (request as IncomingMessage & { originalUrl?: string }).originalUrl ?? request.url ?? '/';
  const secure = (request.socket as { encrypted?: boolean }).encrypted === true;
  const url = new URL(original, `${secure ? 'https' : 'http'}://${request.headers.host ?? 'localhost'}`);
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const method = request.method ?? 'GET';
  let body: Buffer | undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    body = encodeParsed(parsed) ?? (request.readableEnded ? Buffer.alloc(0) : await readBody(request));
    headers.delete('content-length');
  }
  return new Request(url, { method, headers, ...(body ? { body } : {}) });
}

/** Write a Web `Response` to a Node response. */
export async function sendWebResponse(
  response: Response,
  target: ServerResponse,
  head = false,
): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  const body = head ? undefined : Buffer.from(await response.arrayBuffer());
  target.writeHead(response.status, headers);
  target.end(body);
}

/**
 * The dashboard as a Node `http` listener, also usable as Express or Connect middleware
 * (`app.use('/dispatch', toNodeHandler(dashboard))`). Requests outside `basePath` go to `next`
 * when there is one, else get a 404.
 */
export function toNodeHandler(
  dashboard: Dashboard,
): (request: IncomingMessage, response: ServerResponse, next?: (error?: unknown) => void) => void {
  const base = dashboard.options.basePath;
  return (request, response, next) => {
    const original =
      (request as IncomingMessage & { originalUrl?: string }).originalUrl ?? request.url ?? '/';
    const path = original.split('?')[0] ?? '/';
    if (next && base && path !== base && !path.startsWith(`${base}/`)) {
      next();
      return;
    }
    const parsed = (request as IncomingMessage & { body?: ParsedBody }).body;
    toWebRequest(request, parsed)
      .then((web) => dashboard.fetch(web))
      .then((answer) => sendWebResponse(answer, response, request.method === 'HEAD'))
      .catch((error: unknown) => {
        if (next) next(error);
        else if (!response.headersSent) {
          response.writeHead(500, { 'content-type': 'text/plain' });
          response.end('The dashboard could not answer');
        }
      });
  };
}
