import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoApi, launchChromium, startDemoApi } from './harness';

/**
 * Review of issue 10: merchant pages we wrote ourselves, each one a way a real host page differs
 * from the demo shop (strict CSP with Trusted Types, sandboxed and tiny iframes, transformed or
 * zoomed ancestors, a page that already owns the element's name, the bundle loaded twice,
 * aggressive `!important` CSS on the element), in Chromium against the real API.
 */
const WAIT = { timeout: 15_000 };
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 15_000, interval: 100 });
const VIEWPORT = { width: 1280, height: 800 };

type Box = { x: number; y: number; width: number; height: number };
const inside = (inner: Box, outer: Box) =>
  inner.x >= outer.x - 0.5 &&
  inner.y >= outer.y - 0.5 &&
  inner.x + inner.width <= outer.x + outer.width + 0.5 &&
  inner.y + inner.height <= outer.y + outer.height + 0.5;

describe('the widget on host pages we wrote ourselves', () => {
  let api: DemoApi;
  let browser: Browser;
  let host: Server;
  let hostUrl: string;
  /** Pages by path: their HTML and extra response headers. */
  const pages = new Map<string, { html: string; headers?: Record<string, string> }>();

  const script = (extra = '') =>
    `<script src="${api.info.apiUrl}/sdk/widget.js" data-app-key="${api.keys.publishableKey}" data-api-url="${api.info.apiUrl}" data-lang="en"${extra}></script>`;
  const serve = (path: string, body: string, headers?: Record<string, string>, head = '') => {
    pages.set(path, {
      html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${path}</title>${head}</head><body>${body}</body></html>`,
      headers,
    });
    return `${hostUrl}${path}`;
  };

  beforeAll(async () => {
    [api, browser] = await Promise.all([startDemoApi(), launchChromium()]);
    host = createServer((request, response) => {
      const found = pages.get(new URL(request.url ?? '/', 'http://x').pathname);
      if (!found) return response.writeHead(404).end();
      response
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...found.headers })
        .end(found.html);
    });
    await new Promise<void>((done) => host.listen(0, '127.0.0.1', done));
    hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await browser?.close();
    host?.closeAllConnections();
    await new Promise((done) => host?.close(done));
    await api?.close();
  });

  async function visit(url: string, viewport = VIEWPORT) {
    const context = await browser.newContext({ locale: 'en-US', viewport });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(url);
    return { context, page, errors };
  }

  /** The widget's parts in a page or frame, whatever tag the element was registered under. */
  const parts = (where: Page | Frame, tag = 'threadline-chat') => {
    const part = (name: string) => where.locator(`${tag} [data-part=${name}]`);
    return {
      part,
      async sendAndHear(text: string) {
        await part('launcher').click();
        await part('panel').waitFor({ state: 'visible', ...WAIT });
        await part('input').fill(text);
        await part('send').click();
        await where
          .locator(`${tag} [data-part=message][data-author=customer]:not([data-pending])`)
          .filter({ hasText: text })
          .waitFor(WAIT);
        await where.locator(`${tag} [data-part=message][data-author=bot]`).first().waitFor(WAIT);
      },
    };
  };

  it('a strict CSP with Trusted Types: the widget builds its DOM without HTML strings, QR code included', async () => {
    const origin = api.info.apiUrl;
    const url = serve('/trusted-types.html', `<h1>Strict shop</h1>${script()}`, {
      'content-security-policy': [
        "default-src 'none'",
        `script-src ${origin}`,
        `connect-src ${origin}`,
        "style-src 'none'",
        "img-src 'none'",
        "require-trusted-types-for 'script'",
        'trusted-types',
      ].join('; '),
    });
    const { context, page, errors } = await visit(url);
    try {
      const chat = parts(page);
      await chat.sendAndHear('Do you ship to Shenzhen?');
      await chat.part('handoff').click();
      await chat.part('qr').locator('svg path').waitFor(WAIT);
      await expect(chat.part('launcher').locator('svg').count()).resolves.toBe(1);
      expect(errors.filter((e) => /TrustedHTML|Trusted Type|Content Security Policy/i.test(e))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a sandboxed iframe without allow-forms: the send button still sends', async () => {
    const inner = serve('/sandboxed-inner.html', `<p>Help centre</p>${script()}`);
    const url = serve(
      '/sandboxed-outer.html',
      `<iframe sandbox="allow-scripts allow-same-origin" src="${inner}" style="width:420px;height:700px;border:0"></iframe>`,
    );
    const { context, page: outer } = await visit(url);
    try {
      const frame = await (await outer.waitForSelector('iframe')).contentFrame();
      const chat = parts(frame!);
      await chat.sendAndHear('Sent from a sandboxed frame');
    } finally {
      await context.close();
    }
  });

  it('an opaque-origin sandboxed iframe (no storage, no Web Locks): the widget sends and hears live events', async () => {
    const inner = serve('/opaque-inner.html', `<p>Embedded help</p>${script()}`);
    const url = serve(
      '/opaque-outer.html',
      `<iframe sandbox="allow-scripts" src="${inner}" style="width:420px;height:700px;border:0"></iframe>`,
    );
    const { context, page: outer } = await visit(url);
    try {
      const frame = (await (await outer.waitForSelector('iframe')).contentFrame())!;
      const chat = parts(frame);
      await chat.sendAndHear('Hello from an opaque frame');
      await frame.locator('threadline-chat [data-part=status][data-connection=online]').waitFor(WAIT);
      // A live event for this shopper (another session of the same customer says something).
      const anonymousId = await frame.evaluate(
        () => (window as any).Threadline.client.getState().anonymousId,
      );
      const other = await api.sessionFor('web', { anonymousId });
      await api.call('POST', '/v1/messages', other, {
        clientMessageId: 'opaque-live-0001',
        text: 'live into the frame',
      });
      await frame
        .locator('threadline-chat [data-part=message]')
        .filter({ hasText: 'live into the frame' })
        .waitFor(WAIT);
    } finally {
      await context.close();
    }
  });

  it('tiny iframes (320×400, a short 720×360 strip): the panel and the handoff view fit, nothing cut off', async () => {
    const inner = serve('/tiny-inner.html', `<p>Tiny</p>${script()}`);
    for (const [width, height] of [
      [320, 400],
      [720, 360],
    ] as const) {
      const url = serve(
        `/tiny-outer-${width}.html`,
        `<iframe src="${inner}" style="width:${width}px;height:${height}px;border:0"></iframe>`,
      );
      const { context, page: outer } = await visit(url);
      try {
        const frame = (await (await outer.waitForSelector('iframe')).contentFrame())!;
        const chat = parts(frame);
        await chat.part('launcher').click();
        await chat.part('panel').waitFor({ state: 'visible', ...WAIT });
        const frameBox = (await outer.locator('iframe').boundingBox())!;
        // Polled: the panel slides in (a short animation) before it settles.
        for (const name of ['panel', 'input', 'send', 'close'])
          await poll(async () => inside((await chat.part(name).boundingBox())!, frameBox)).toBe(true);
        await chat.part('handoff').click();
        await chat.part('qr').locator('svg path').waitFor(WAIT);
        for (const selector of [
          '.hv-title',
          '[data-part=back]',
          '[data-part=handoff-targets]',
          '[data-part=qr] svg',
        ])
          await expect
            .poll(
              async () =>
                inside((await frame.locator(`threadline-chat ${selector}`).boundingBox())!, frameBox),
              { timeout: 15_000, message: `${selector} inside the ${width}×${height} frame` },
            )
            .toBe(true);
      } finally {
        await context.close();
      }
    }
  });

  it('a transformed page wrapper and a CSS-zoomed page: the launcher stays in the viewport at its size', async () => {
    for (const [path, css] of [
      ['/transformed.html', 'body{transform:translateZ(0);min-height:3000px;margin:0}'],
      ['/filtered.html', 'body{filter:saturate(1.1);min-height:3000px;margin:0}'],
      ['/zoomed.html', 'html{zoom:2}body{min-height:3000px;margin:0}'],
    ] as const) {
      const url = serve(
        path,
        `<main style="height:3000px">Long page</main>${script()}`,
        undefined,
        `<style>${css}</style>`,
      );
      const { context, page: host } = await visit(url);
      try {
        const chat = parts(host);
        await chat.part('launcher').waitFor({ state: 'visible', ...WAIT });
        const box = (await chat.part('launcher').boundingBox())!;
        expect(inside(box, { x: 0, y: 0, ...VIEWPORT }), `${path}: launcher in the viewport`).toBe(true);
        expect(box.width, `${path}: launcher width`).toBeLessThan(80);
        expect(box.x + box.width, `${path}: launcher on the right`).toBeGreaterThan(VIEWPORT.width - 60);
        await chat.part('launcher').click();
        await poll(async () =>
          inside((await chat.part('panel').boundingBox())!, { x: 0, y: 0, ...VIEWPORT }),
        ).toBe(true);
      } finally {
        await context.close();
      }
    }
  });

  it('aggressive !important CSS aimed at the element cannot move or restyle the launcher', async () => {
    const css =
      'threadline-chat{all:unset!important;top:0!important;left:0!important;right:auto!important;bottom:auto!important;overflow:hidden!important;width:1px!important;height:1px!important}';
    const url = serve('/aggressive.html', `<h1>Shop</h1>${script()}`, undefined, `<style>${css}</style>`);
    const { context, page: host } = await visit(url);
    try {
      const chat = parts(host);
      await chat.part('launcher').waitFor({ state: 'visible', ...WAIT });
      const box = (await chat.part('launcher').boundingBox())!;
      expect(box.x).toBeGreaterThan(VIEWPORT.width - 100);
      expect(box.y).toBeGreaterThan(VIEWPORT.height - 100);
      await chat.sendAndHear('Still reachable?');
    } finally {
      await context.close();
    }
  });

  it('a page whose own element already took the name <threadline-chat>: the widget still appears, once', async () => {
    const own = `<script>customElements.define('threadline-chat', class extends HTMLElement {});</script>`;
    const url = serve(
      '/name-taken.html',
      `<threadline-chat>the page's own</threadline-chat>${script()}`,
      undefined,
      own,
    );
    const { context, page: host } = await visit(url);
    try {
      const chat = parts(host, 'threadline-chat-2');
      await chat.sendAndHear('Hello from a crowded page');
      await expect(host.locator('[data-part=launcher]').count()).resolves.toBe(1);
    } finally {
      await context.close();
    }
  });

  it('widget.js loaded twice (a theme and a plugin): one launcher, one client', async () => {
    const url = serve('/twice.html', `<h1>Shop</h1>${script()}${script()}`);
    const { context, page: host } = await visit(url);
    try {
      const chat = parts(host);
      await chat.part('launcher').waitFor({ state: 'visible', ...WAIT });
      await host.waitForTimeout(500);
      await expect(host.locator('[data-part=launcher]').count()).resolves.toBe(1);
      await chat.sendAndHear('Only once please');
      await expect(
        host.evaluate(
          () =>
            (window as any).Threadline.client === (document.querySelector('threadline-chat') as any).client,
        ),
      ).resolves.toBe(true);
    } finally {
      await context.close();
    }
  });

  it('a message the API stores changed (a card number, masked) leaves no "sending" stand-in behind', async () => {
    const url = serve('/card.html', `<h1>Shop</h1>${script()}`);
    const { context, page: host } = await visit(url);
    try {
      const chat = parts(host);
      await chat.part('launcher').click();
      await chat.part('input').fill('my card is 4111 1111 1111 1111, was I charged twice?');
      await chat.part('send').click();
      await host
        .locator('threadline-chat [data-part=message][data-author=customer]:not([data-pending])')
        .first()
        .waitFor(WAIT);
      await poll(() => host.locator('threadline-chat [data-pending]').count()).toBe(0);
      const shown = await host
        .locator('threadline-chat [data-part=message][data-author=customer]')
        .allTextContents();
      expect(shown.join(' ')).not.toContain('4111 1111 1111 1111');
    } finally {
      await context.close();
    }
  });
});
