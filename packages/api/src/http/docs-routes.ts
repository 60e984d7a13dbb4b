import type { OpenAPIHono } from '@hono/zod-openapi';
import { VERSION } from '../version';
import type { ApiEnv } from './auth';

const escapeHtml = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

type Doc = ReturnType<OpenAPIHono['getOpenAPIDocument']>;

/** Renders the OpenAPI document as one self-contained page: no CDN, works offline. */
export function renderReference(doc: Doc): string {
  const sections: string[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item as Record<string, Record<string, unknown>>)) {
      const operation = op as {
        summary?: string;
        description?: string;
        security?: Record<string, unknown>[];
        requestBody?: { content?: Record<string, { schema?: unknown }> };
        parameters?: unknown[];
        responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
      };
      const credentials = (operation.security ?? []).flatMap((s) => Object.keys(s)).join(', ') || 'none';
      const body = operation.requestBody?.content?.['application/json']?.schema;
      const ok = Object.entries(operation.responses ?? {}).find(([status]) => status.startsWith('2'));
      const answer = ok?.[1].content ? Object.values(ok[1].content)[0]?.schema : undefined;
      sections.push(`<section id="${escapeHtml(method + path)}">
<h2><span class="m ${escapeHtml(method)}">${escapeHtml(method.toUpperCase())}</span> <code>${escapeHtml(path)}</code></h2>
<p>${escapeHtml(operation.summary)}</p>${operation.description ? `<p class="d">${escapeHtml(operation.description)}</p>` : ''}
<p><b>Credential:</b> ${escapeHtml(credentials)}</p>
${operation.parameters?.length ? `<details open><summary>Parameters</summary><pre>${escapeHtml(JSON.stringify(operation.parameters, null, 2))}</pre></details>` : ''}
${body ? `<details open><summary>Body</summary><pre>${escapeHtml(JSON.stringify(body, null, 2))}</pre></details>` : ''}
${answer ? `<details><summary>${escapeHtml(ok?.[0])} answer</summary><pre>${escapeHtml(JSON.stringify(answer, null, 2))}</pre></details>` : ''}
</section>`);
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Threadline API ${escapeHtml(VERSION)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1f2330}
section{border-top:1px solid #e3e6ee;padding:.5rem 0}h2{font-size:1.05rem}code{font-size:1rem}
.m{display:inline-block;min-width:4rem;padding:0 .4rem;border-radius:4px;color:#fff;font-size:.8rem;text-align:center}
.get{background:#2f7d4f}.post{background:#2f5fb3}.put,.patch{background:#a8731c}.delete{background:#b33a3a}
pre{background:#f5f6fa;padding:.75rem;overflow:auto;font-size:12px}.d{color:#4a5068}</style></head><body>
<h1>Threadline API <small>${escapeHtml(VERSION)}</small></h1>
<p>Errors always look like <code>{"error":{"code":"snake_case","message":"…","issues":[…]}}</code>. The machine-readable document is at <a href="/openapi.json">/openapi.json</a>.</p>
${sections.join('\n')}
</body></html>`;
}

export function mountDocs(app: OpenAPIHono<ApiEnv>) {
  const document = () =>
    app.getOpenAPIDocument({
      openapi: '3.0.3',
      info: {
        title: 'Threadline API',
        version: VERSION,
        description: 'One customer, one history, every channel. See the SDKs for clients.',
      },
    });
  let cached: { json: Doc; html: string } | null = null;
  const built = () => {
    cached ??= { json: document(), html: '' };
    cached.html ||= renderReference(cached.json);
    return cached;
  };
  app.get('/openapi.json', (c) => c.json(built().json));
  app.get('/docs', (c) => c.html(built().html));
}
