import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { ResolvedOptions } from './options.js';

/** Headers every answer carries: no inline script or style, no framing, nothing cached. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

export const CSRF_COOKIE = 'dispatch_dashboard_csrf';
export const CSRF_FIELD = '_csrf';

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Who the request is, or why it is refused. */
export type AuthOutcome = { ok: true; user: string } | { ok: false; status: 401 | 403 };

/** Any configured way that accepts the request lets it in; none configured lets everyone in. */
export async function authenticate(request: Request, options: ResolvedOptions): Promise<AuthOutcome> {
  const { basicAuth, bearerToken, authorize } = options;
  if (!basicAuth && !bearerToken && !authorize) return { ok: true, user: 'anonymous' };
  const header = request.headers.get('authorization') ?? '';
  if (basicAuth && header.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    const password = colon < 0 ? '' : decoded.slice(colon + 1);
    // Both compared, always, so timing tells nothing about which one was wrong.
    const userOk = same(user, basicAuth.username);
    const passwordOk = same(password, basicAuth.password);
    if (userOk && passwordOk) return { ok: true, user };
  }
  if (bearerToken && header.toLowerCase().startsWith('bearer ')) {
    if (same(header.slice(7).trim(), bearerToken)) return { ok: true, user: 'bearer' };
  }
  if (authorize) {
    const answer = await authorize(request);
    if (answer === true) return { ok: true, user: 'authorized' };
    if (typeof answer === 'string' && answer !== '') return { ok: true, user: answer };
    if (typeof answer === 'object' && answer !== null && typeof answer.user === 'string') {
      return { ok: true, user: answer.user };
    }
  }
  return { ok: false, status: basicAuth || bearerToken ? 401 : 403 };
}

export function readCookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

export function newCsrfToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Double-submit check: the form's token must equal the cookie's (which another site can neither
 * read nor set), and a browser's Origin, when sent, must be this host.
 */
export function checkCsrf(request: Request, form: URLSearchParams): boolean {
  const cookie = readCookie(request, CSRF_COOKIE);
  const field = form.get(CSRF_FIELD);
  if (!cookie || !field || !same(cookie, field)) return false;
  const origin = request.headers.get('origin');
  if (origin && origin !== 'null') {
    const host = request.headers.get('host') ?? new URL(request.url).host;
    try {
      if (new URL(origin).host !== host) return false;
    } catch {
      return false;
    }
  }
  return request.headers.get('sec-fetch-site') !== 'cross-site';
}

export function csrfCookie(token: string, basePath: string, secure: boolean): string {
  return `${CSRF_COOKIE}=${token}; Path=${basePath || '/'}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}
