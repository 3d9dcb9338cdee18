import type { Route } from '../http/route-definition.js';
import { openApiPath, type OpenApiDocument } from './openapi.document.js';

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/**
 * A self-contained page listing every route (nothing is fetched: no CDN is
 * reachable from where operators run this). Rendered once at start; the full
 * schemas are in `/api/v1/openapi.json`.
 */
export function renderDocsPage(routes: readonly Route[], document: OpenApiDocument): string {
  const rows = routes
    .map(
      (r) =>
        `<tr><td class="m">${r.method.toUpperCase()}</td><td><code>${escapeHtml(
          openApiPath(r.path),
        )}</code></td><td>${r.scope}</td><td>${escapeHtml(r.summary)}${
          r.description ? `<br><small>${escapeHtml(r.description)}</small>` : ''
        }</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(document.info.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}
.m{font-weight:bold;font-family:monospace}small{color:#555}
</style></head><body>
<h1>${escapeHtml(document.info.title)} <small>${escapeHtml(document.info.version)}</small></h1>
<p>${escapeHtml(document.info.description)}</p>
<p>Machine-readable description: <code>GET /api/v1/openapi.json</code> (needs a token). Probes without a token: <code>/health</code>, <code>/ready</code>, <code>/metrics</code>.</p>
<table><thead><tr><th>Method</th><th>Path</th><th>Scope</th><th>What it does</th></tr></thead>
<tbody>
${rows}
</tbody></table></body></html>
`;
}
