import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import type { ApiEnv } from '../http/auth';

/**
 * The console page allows only its own script, stylesheet and API: no inline script or style, no
 * third-party origin, no framing. The bundle is built to satisfy it (Preact sets styles through the
 * CSSOM, which CSP does not restrict; the notification sound is synthesised with Web Audio).
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

/**
 * Where the built console lives: next to the bundled server (dist/console) or, when the API runs
 * from source (tests, tsx), in the package's dist folder.
 */
export function consoleAssetsDir(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [resolve(here, 'console'), resolve(here, '../../dist/console')])
    if (existsSync(resolve(candidate, 'index.html'))) return candidate;
  return null;
}

/**
 * GET /console: the agent console (a static page and its bundle; it talks to `/v1/agent/*` with
 * the agent's token). Files are read once and kept in memory; unknown paths are 404.
 */
export function consoleRouter(options: { assetsDir?: string | null } = {}) {
  const router = new Hono<ApiEnv>();
  const dir = options.assetsDir === undefined ? consoleAssetsDir() : options.assetsDir;
  const cache = new Map<string, Buffer>();
  const read = (name: string): Buffer | null => {
    if (!dir || !/^[a-z0-9][a-z0-9._-]*$/i.test(name) || !CONTENT_TYPES[extname(name)]) return null;
    let body = cache.get(name);
    if (!body) {
      const file = resolve(dir, name);
      if (!existsSync(file)) return null;
      body = readFileSync(file);
      cache.set(name, body);
    }
    return body;
  };
  const serve = (name: string) => {
    const body = read(name);
    if (!body) return null;
    return new Response(new Uint8Array(body), {
      headers: {
        ...SECURITY_HEADERS,
        'content-type': CONTENT_TYPES[extname(name)]!,
        // The page is small and always fresh; the bundle's name does not change between builds.
        'cache-control': 'no-cache',
      },
    });
  };
  const missing = () =>
    new Response(
      dir
        ? 'Not found.'
        : 'The console is not built: run `npm run build` (packages/api/dist/console is missing).',
      { status: 404, headers: { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' } },
    );
  router.get('/console', (c) => c.redirect('/console/'));
  router.get('/console/', () => serve('index.html') ?? missing());
  router.get('/console/:file', (c) => serve(c.req.param('file')) ?? missing());
  return router;
}
