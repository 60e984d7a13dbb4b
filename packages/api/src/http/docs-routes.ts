import { createRequire } from 'node:module';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { VERSION } from '../version';
import type { ApiEnv } from './auth';
import { securePage } from './page-security';
import { serveFile } from './site-assets';

type Doc = ReturnType<OpenAPIHono['getOpenAPI31Document']>;

const require = createRequire(import.meta.url);

/** Scalar's standalone bundle, served by the API itself: /docs needs no CDN and works offline. */
function scalarBundlePath(): string | undefined {
  try {
    // The package exports no path to it; the bundle sits in dist/browser beside its entry.
    return require
      .resolve('@scalar/api-reference')
      .replace(/dist[\\/][^\\/]*$/, 'dist/browser/standalone.js');
  } catch {
    return undefined;
  }
}

const DESCRIPTION = `One customer, one history, every channel.

**Credentials** go in \`Authorization: Bearer …\`: the publishable key \`pk_…\` (safe to embed; starts sessions, only from the app's allowed origins), a session token (from \`POST /v1/sessions\`), the secret key \`sk_…\` (your backend only) or an agent token \`at_…\`. Each operation lists the ones it takes.

**Errors** always come as \`{"error":{"code":"snake_case","message":"…","issues":[…]}}\` with a 4xx status; \`code\` is stable and machine-readable, \`issues\` lists validation failures by path.

**Clients**: \`@threadline/sdk-web\` (the widget), \`@threadline/sdk-core\` (any JavaScript runtime), \`@threadline/sdk-miniprogram\`. This document is generated from the same zod schemas the API validates with; fetch it at \`/openapi.json\` to generate a client.`;

const TAGS = [
  { name: 'Meta', description: 'Liveness and version.' },
  {
    name: 'Sessions',
    description:
      'A session per channel instance (a tab, an app install, a mini-program launch). Identity tokens, WeChat codes and handoff codes bind it to a verified customer.',
  },
  {
    name: 'Conversation',
    description:
      "The session's customer: send messages, read the cross-channel timeline, ask for a human, track events.",
  },
  {
    name: 'Realtime',
    description: 'Live events of the customer (Server-Sent Events or long-poll), resumable from a cursor.',
  },
  { name: 'Handoff', description: 'Codes that continue a conversation on another channel.' },
  {
    name: 'Server channels',
    description: 'Traffic from channels without an SDK (phone, livestream, SMS…), posted by your backend.',
  },
  { name: 'App', description: "Your app's settings (secret key)." },
  { name: 'Knowledge base', description: 'Articles, products and intents the AI answers from (secret key).' },
  { name: 'Tickets', description: 'Return, exchange and complaint tickets opened by the bot or your team.' },
  { name: 'Insights', description: 'Questions the bot could not answer, clustered per channel.' },
];

/** The page around Scalar: its settings keep it offline (no fonts, no proxy, no telemetry, no AI agent). */
const docsPage = () => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Threadline API ${VERSION} — reference</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head>
<body>
<noscript>The reference needs JavaScript. The machine-readable document is at <a href="/openapi.json">/openapi.json</a>.</noscript>
<div id="reference" data-document="/openapi.json"></div>
<script src="/docs/assets/scalar.js"></script>
<script src="/docs/assets/docs.js"></script>
</body>
</html>`;

const DOCS_SCRIPT = `(function () {
  var mount = document.getElementById('reference');
  Scalar.createApiReference(mount, {
    url: mount.getAttribute('data-document'),
    withDefaultFonts: false,
    telemetry: false,
    hideClientButton: false,
    showDeveloperTools: 'never',
    agent: { disabled: true },
    mcp: { disabled: true },
    documentDownloadType: 'json',
    defaultOpenAllTags: false,
    customCss: ':root{--scalar-font:system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;--scalar-font-code:ui-monospace,Menlo,Consolas,monospace}'
  });
})();
`;

/**
 * The OpenAPI 3.1 document at `/openapi.json` (generated from the routes' zod schemas; `servers`
 * is `PUBLIC_URL` when set, else the origin the document was fetched from) and the reference
 * page at `/docs`, rendered by Scalar's bundled standalone build.
 */
export function mountDocs(app: OpenAPIHono<ApiEnv>, options: { publicUrl?: string } = {}) {
  let cached: Doc | undefined;
  const document = (origin: string): Doc => {
    cached ??= app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'Threadline API',
        version: VERSION,
        description: DESCRIPTION,
        license: { name: 'MIT', url: 'https://opensource.org/license/mit' },
      },
      tags: TAGS,
    });
    return {
      ...cached,
      servers: [{ url: options.publicUrl ?? origin, description: 'This Threadline server' }],
    };
  };
  /** For tests and tools: the document as served, for a given server URL. */
  (app as unknown as { openApiDocument: typeof document }).openApiDocument = document;

  app.get('/openapi.json', (c) => c.json(document(new URL(c.req.url).origin)));
  app.get('/docs', securePage('docs'), (c) => c.html(docsPage()));
  app.get(
    '/docs/assets/scalar.js',
    serveFile(scalarBundlePath, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=3600',
    }),
  );
  app.get('/docs/assets/docs.js', (c) =>
    c.body(DOCS_SCRIPT, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=300',
      'x-content-type-options': 'nosniff',
    }),
  );
}
