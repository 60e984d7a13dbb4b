import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Context, Hono } from 'hono';
import type { ApiEnv } from './auth';

/** The Threadline mark: a speech bubble with a thread through it, in the widget's accent colour. */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#c2255c"/><path d="M8 9h16a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2h-8l-5 4v-4H8a2 2 0 0 1-2-2v-9a2 2 0 0 1 2-2z" fill="#fff"/><path d="M10 16c3-3 5 3 8 0s4-2 4-2" fill="none" stroke="#c2255c" stroke-width="2" stroke-linecap="round"/></svg>`;

interface CachedFile {
  mtimeMs: number;
  body: ArrayBuffer;
  etag: string;
}

/**
 * A file from disk with a strong ETag, re-read only when its modification time changes (a rebuild
 * during development), answered with 304 when the browser already has it.
 */
export function serveFile(
  path: () => string | undefined,
  headers: Record<string, string>,
): (c: Context) => Response {
  let cached: CachedFile | undefined;
  return (c) => {
    const file = path();
    let mtimeMs: number;
    try {
      if (!file) throw new Error('not built');
      mtimeMs = statSync(file).mtimeMs;
    } catch {
      return c.json(
        { error: { code: 'not_found', message: 'This asset is not built (npm run build).' } },
        404,
      );
    }
    if (!cached || cached.mtimeMs !== mtimeMs) {
      const bytes = readFileSync(file!);
      cached = {
        mtimeMs,
        body: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
        etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`,
      };
    }
    const common = { ...headers, etag: cached.etag, 'x-content-type-options': 'nosniff' };
    const known = c.req.header('if-none-match');
    if (known?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === cached!.etag))
      return new Response(null, { status: 304, headers: common });
    return new Response(cached.body, { status: 200, headers: common });
  };
}

const require = createRequire(import.meta.url);

/** Where the installed @threadline/sdk-web keeps its `<script>` bundle, if it is installed and built. */
export function widgetBundlePath(): string | undefined {
  try {
    return require.resolve('@threadline/sdk-web/widget.js');
  } catch {
    return undefined;
  }
}

/**
 * `/sdk/widget.js` (the `<script>` bundle merchants embed, from @threadline/sdk-web) and the
 * favicon. The bundle may be cached for 5 minutes and then revalidated by ETag, so a new
 * release reaches shoppers within minutes without every page view downloading it again; any
 * site may embed it (`Cross-Origin-Resource-Policy: cross-origin`).
 */
export function mountSiteAssets(app: Hono<ApiEnv>, options: { widgetPath?: () => string | undefined } = {}) {
  app.get(
    '/sdk/widget.js',
    serveFile(options.widgetPath ?? widgetBundlePath, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=300, stale-while-revalidate=86400',
      'cross-origin-resource-policy': 'cross-origin',
      'access-control-allow-origin': '*',
    }),
  );
  const favicon = (c: Context) =>
    c.body(FAVICON_SVG, 200, {
      'content-type': 'image/svg+xml',
      'cache-control': 'public, max-age=86400',
      'x-content-type-options': 'nosniff',
    });
  app.get('/favicon.svg', favicon);
  app.get('/favicon.ico', favicon);
}
