import { html, type SafeHtml } from './html.js';

/**
 * A time the browser shows in the viewer's time zone (the client rewrites the text), with the UTC
 * value on hover and as the fallback text without JavaScript.
 */
export function timeTag(date: Date | null): SafeHtml {
  if (!date) return html`<span class="muted">-</span>`;
  const iso = date.toISOString();
  return html`<time datetime="${iso}" title="${iso.replace('T', ' ').replace('Z', ' UTC')}">${iso}</time>`;
}

/** `1h 2m`, `3.4s`, `120ms`: an age or duration for people. */
export function formatAge(ms: number | null): string {
  if (ms === null) return 'none';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m ${Math.floor((ms % 60_000) / 1000)}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}
