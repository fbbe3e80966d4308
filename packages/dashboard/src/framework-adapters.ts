import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dashboard } from './dashboard.js';
import { toWebRequest } from './node-adapter.js';

/** The few parts of a Koa context the middleware uses (no Koa types needed at run time). */
interface KoaLikeContext {
  req: IncomingMessage;
  path: string;
  request: { body?: unknown };
  status: number;
  body: unknown;
  set(name: string, value: string | string[]): void;
}

/** Koa middleware: `app.use(dashboardKoa(dashboard))`; other paths go on to `next`. */
export function dashboardKoa(dashboard: Dashboard) {
  const base = dashboard.options.basePath;
  return async (context: KoaLikeContext, next: () => Promise<unknown>): Promise<void> => {
    if (base && context.path !== base && !context.path.startsWith(`${base}/`)) {
      await next();
      return;
    }
    const parsed = context.request.body as Parameters<typeof toWebRequest>[1];
    const answer = await dashboard.fetch(await toWebRequest(context.req, parsed));
    context.status = answer.status;
    answer.headers.forEach((value, name) => {
      if (name !== 'set-cookie') context.set(name, value);
    });
    const cookies = answer.headers.getSetCookie();
    if (cookies.length > 0) context.set('set-cookie', cookies);
    context.body = Buffer.from(await answer.arrayBuffer());
  };
}

interface FastifyLikeRequest {
  raw: IncomingMessage;
  body?: unknown;
}
interface FastifyLikeReply {
  raw: ServerResponse;
  code(status: number): FastifyLikeReply;
  header(name: string, value: string | string[]): FastifyLikeReply;
  send(body: Buffer): unknown;
}
interface FastifyLikeInstance {
  addContentTypeParser(
    type: string,
    options: { parseAs: 'string' | 'buffer' },
    parser: (
      request: unknown,
      body: string | Buffer,
      done: (error: Error | null, body?: unknown) => void,
    ) => void,
  ): void;
  all(
    path: string,
    handler: (request: FastifyLikeRequest, reply: FastifyLikeReply) => Promise<unknown>,
  ): void;
}

/**
 * A Fastify plugin: `app.register(dashboardFastify(dashboard))`. It serves `basePath` and below,
 * and reads forms as text inside its own scope only (Fastify refuses them by default).
 */
export function dashboardFastify(dashboard: Dashboard) {
  const base = dashboard.options.basePath;
  return async (instance: FastifyLikeInstance): Promise<void> => {
    instance.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_request, body, done) => done(null, body),
    );
    const handler = async (request: FastifyLikeRequest, reply: FastifyLikeReply) => {
      const answer = await dashboard.fetch(
        await toWebRequest(request.raw, request.body as Parameters<typeof toWebRequest>[1]),
      );
      reply.code(answer.status);
      answer.headers.forEach((value, name) => {
        if (name !== 'set-cookie') reply.header(name, value);
      });
      const cookies = answer.headers.getSetCookie();
      if (cookies.length > 0) reply.header('set-cookie', cookies);
      return reply.send(Buffer.from(await answer.arrayBuffer()));
    };
    instance.all(base || '/', handler);
    instance.all(`${base}/*`, handler);
  };
}
