import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

/** CSP directives by Hono's camel-case names (`scriptSrc` → `script-src`). */
export type CspDirectives = Partial<
  Record<
    | 'defaultSrc'
    | 'scriptSrc'
    | 'connectSrc'
    | 'imgSrc'
    | 'fontSrc'
    | 'styleSrc'
    | 'objectSrc'
    | 'baseUri'
    | 'formAction'
    | 'frameAncestors'
    | 'workerSrc',
    string[]
  >
>;

/**
 * What every HTML page the API serves may load. Nothing leaves the origin: scripts, styles, fonts
 * and the documents they fetch all come from the API itself, so the pages work offline and an
 * injected `<script>` or a third-party beacon is refused by the browser.
 */
const BASE: CspDirectives = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  connectSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'", 'data:'],
  styleSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'self'"],
};

/** The policies of the pages the API serves, by page. */
export const PAGE_POLICIES = {
  /**
   * `/docs`: the bundled API-reference renderer (Scalar) injects its stylesheet as `<style>`
   * elements and sets inline styles, and renders example images from `data:`/`blob:` URLs.
   */
  docs: {
    ...BASE,
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:', 'blob:'],
    workerSrc: ["'self'", 'blob:'],
  },
  /**
   * `/shop` (the demo shop) and `/console`: own scripts and stylesheets only. The widget styles
   * its shadow root through a constructed stylesheet, which `style-src` does not govern, so it
   * needs no `'unsafe-inline'` on the merchant's page either. Link-card pictures come from the
   * app's card hosts only: the demo adds its own (`shopPolicy` in demo.ts), never `https:` at large.
   */
  shop: BASE,
  console: BASE,
} satisfies Record<string, CspDirectives>;

export type PagePolicy = keyof typeof PAGE_POLICIES;

/**
 * Middleware for an HTML page: its Content-Security-Policy plus `X-Content-Type-Options: nosniff`,
 * a same-origin referrer policy and no framing by other sites (Hono's secureHeaders).
 */
export function securePage(policy: PagePolicy | CspDirectives): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy: typeof policy === 'string' ? PAGE_POLICIES[policy] : policy,
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: 'same-origin',
    referrerPolicy: 'strict-origin-when-cross-origin',
    xFrameOptions: 'SAMEORIGIN',
  });
}
