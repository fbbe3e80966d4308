import { html, type SafeHtml } from './html.js';

export interface PageContext {
  basePath: string;
  title: string;
  readOnly: boolean;
  /** The CSRF token the page's forms carry. */
  csrf: string;
  url: URL;
  refreshSeconds: number;
  assetVersion: string;
}

/** A link inside the dashboard: `href('/events')` under the mount path. */
export function link(context: PageContext, path: string): string {
  return `${context.basePath}${path}`;
}

export function csrfField(context: PageContext): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${context.csrf}">`;
}

export interface PageParts {
  heading: string;
  section: 'overview' | 'events' | 'event' | 'action';
  body: SafeHtml;
  /** The page refreshes its main part on its own (the overview): true for the configured period, or seconds. */
  refresh?: boolean | number | undefined;
}

/** The page shell: header, navigation, the one stylesheet and the one script, both from this server. */
export function layout(context: PageContext, parts: PageParts): SafeHtml {
  const nav = (section: PageParts['section'], path: string, label: string) =>
    html`<a href="${link(context, path)}"${section === parts.section ? html` aria-current="page"` : ''}>${label}</a>`;
  const notice = context.url.searchParams.get('done');
  const refresh =
    typeof parts.refresh === 'number'
      ? String(parts.refresh)
      : parts.refresh && context.refreshSeconds > 0
        ? String(context.refreshSeconds)
        : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${parts.heading} · ${context.title}</title>
<link rel="stylesheet" href="${link(context, `/assets/app.css?v=${context.assetVersion}`)}">
<script src="${link(context, `/assets/app.js?v=${context.assetVersion}`)}" defer></script>
</head>
<body>
<header class="top">
<a class="brand" href="${link(context, '/')}">${context.title}</a>
<nav>${nav('overview', '/', 'Overview')}${nav('events', '/events', 'Events')}<a href="${link(context, '/events?status=failed')}">Failed</a></nav>
${context.readOnly ? html`<span class="badge">read-only</span>` : ''}
</header>
<main id="main" data-refresh="${refresh}">
${notice ? html`<p class="notice" role="status">${notice.slice(0, 300)}</p>` : ''}
<h1>${parts.heading}</h1>
${parts.body}
</main>
</body>
</html>`;
}

export function errorPage(context: PageContext, heading: string, message: string): SafeHtml {
  return layout(context, {
    heading,
    section: 'action',
    body: html`<p class="error">${message}</p><p><a href="${link(context, '/events')}">Back to the events</a></p>`,
  });
}
