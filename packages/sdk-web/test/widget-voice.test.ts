import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoApi, launchChromium, repoRoot, startDemoApi, widget } from './harness';

const WAIT = { timeout: 20_000 };
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 20_000, interval: 100 });
const SHOTS = join(repoRoot, 'docs/screenshots');

/**
 * A stand-in for the browser's SpeechRecognition (headless Chromium has no speech service to talk
 * to): it "hears" what the test put in window.__heard, the way the real one reports a final result.
 */
const FAKE_RECOGNITION = `
  window.__recognitions = [];
  window.SpeechRecognition = class {
    constructor() { window.__recognitions.push(this); }
    start() {
      const text = window.__heard || '';
      setTimeout(() => {
        const interim = [Object.assign([{ transcript: text.slice(0, 2) }], { isFinal: false })];
        this.onresult && this.onresult({ resultIndex: 0, results: interim });
      }, 30);
      setTimeout(() => {
        const final = [Object.assign([{ transcript: text }], { isFinal: true })];
        this.onresult && this.onresult({ resultIndex: 0, results: final });
        this.onend && this.onend();
      }, 400);
    }
    stop() { this.onend && this.onend(); }
    abort() { this.onend && this.onend(); }
  };
`;

/** Records what the page asks speechSynthesis to say. */
const RECORD_SYNTHESIS = `
  window.__spoken = [];
  const speak = window.speechSynthesis && window.speechSynthesis.speak.bind(window.speechSynthesis);
  if (window.speechSynthesis) window.speechSynthesis.speak = (u) => { window.__spoken.push({ text: u.text, lang: u.lang }); };
`;

describe('voice in the widget: dictation, read-aloud and step-by-step how-tos, in Chromium', () => {
  let api: DemoApi;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    [api, browser] = await Promise.all([
      startDemoApi(),
      launchChromium(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream']),
    ]);
    context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1200, height: 820 } });
    await context.addInitScript(FAKE_RECOGNITION + RECORD_SYNTHESIS);
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  const openShop = async (target: Page = page) => {
    await target.goto(api.info.shopUrl);
    await target.locator('body[data-ready=true]').waitFor(WAIT);
  };

  it('sends what SpeechRecognition heard, and walks the how-to answer step by step', async () => {
    await openShop();
    const chat = widget(page);
    await chat.open();
    const mic = chat.part('mic');
    await expect(mic.isVisible()).resolves.toBe(true);
    await page.evaluate(() => {
      (window as unknown as { __heard: string }).__heard = '退货流程是什么';
    });
    const sent = page.waitForResponse(
      (r) => r.url().endsWith('/v1/messages') && r.request().method() === 'POST',
    );
    await mic.click();
    await poll(() => mic.getAttribute('data-listening')).toBe('');
    await expect(
      page.evaluate(
        () => (window as unknown as { __recognitions: { lang: string }[] }).__recognitions[0]?.lang,
      ),
    ).resolves.toBe('zh-CN');
    const response = await sent;
    expect(response.status()).toBe(201);
    expect(JSON.parse(response.request().postData()!).text).toBe('退货流程是什么');
    await chat.messages('customer').filter({ hasText: '退货流程是什么' }).waitFor(WAIT);
    await poll(() => mic.getAttribute('data-listening')).toBe(null);

    // The answer is a how-to: a walker with back / repeat / next.
    const walker = chat.messages('bot').last().locator('[data-part=steps]');
    await walker.waitFor(WAIT);
    await expect(walker.locator('.st').textContent()).resolves.toMatch(
      /^第 1\/6 步：在订单详情点「申请售后」/,
    );
    await expect(walker.locator('[data-part=step-previous]').isDisabled()).resolves.toBe(true);
    await walker.locator('[data-part=step-next]').click();
    await expect(walker.locator('.st').textContent()).resolves.toMatch(/^第 2\/6 步：选择「退货退款」/);
    await page.screenshot({ path: join(SHOTS, 'voice-steps-desktop.png') });

    // Repeat reads the step aloud (here with the browser's voice: read-aloud is off, no server audio asked).
    await walker.locator('[data-part=step-repeat]').click();
    await poll(() =>
      page.evaluate(() => (window as unknown as { __spoken: { text: string }[] }).__spoken.length),
    ).toBeGreaterThan(0);
  });

  it('reads new answers aloud through the speech endpoint when read-aloud is on', async () => {
    await openShop();
    const chat = widget(page);
    await chat.open();
    const toggle = chat.part('read-aloud');
    await expect(toggle.getAttribute('aria-pressed')).resolves.toBe('false');
    await toggle.click();
    await expect(toggle.getAttribute('aria-pressed')).resolves.toBe('true');
    const speech = page.waitForResponse((r) => r.url().endsWith('/v1/voice/speech'), WAIT);
    await chat.send('玻尿酸面霜保质期多久');
    const audio = await speech;
    expect(audio.status()).toBe(200);
    expect(audio.headers()['content-type']).toBe('audio/wav');
    const asked = JSON.parse(audio.request().postData()!).text as string;
    // The answer it read is the one shown: the bot's reply.
    await chat.messages('bot').filter({ hasText: '开封' }).last().waitFor(WAIT);
    expect(asked).toMatch(/保质期/);
    await expect(chat.messages('bot').last().textContent()).resolves.toContain(asked.slice(0, 8));
    await page.screenshot({ path: join(SHOTS, 'voice-read-aloud-desktop.png') });
  });

  it('tells the shopper when the microphone is refused, and takes the mic button away (review 15)', async () => {
    const denied = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1200, height: 820 } });
    // What Chromium's SpeechRecognition does when the microphone permission is denied.
    await denied.addInitScript(`
      window.SpeechRecognition = class {
        start() {
          setTimeout(() => {
            this.onerror && this.onerror({ error: 'not-allowed' });
            this.onend && this.onend();
          }, 30);
        }
        stop() { this.onend && this.onend(); }
        abort() { this.onend && this.onend(); }
      };
    `);
    const tab = await denied.newPage();
    try {
      await openShop(tab);
      const chat = widget(tab);
      await chat.open();
      const mic = chat.part('mic');
      await expect(mic.isVisible()).resolves.toBe(true);
      await mic.click();
      await poll(() => mic.isHidden()).toBe(true);
      const note = chat.part('composer-note');
      await poll(() => note.textContent()).toContain('麦克风没有权限');
      await expect(note.isVisible()).resolves.toBe(true);
      await tab.screenshot({ path: join(SHOTS, 'voice-mic-blocked-desktop.png') });
      // Typing still works.
      await chat.send('退货流程是什么');
      await chat.messages('bot').last().waitFor(WAIT);
    } finally {
      await denied.close();
    }
  });

  it('uses speechSynthesis with read-aloud-voice="browser", and hides the mic where there is no SpeechRecognition', async () => {
    const plain = await browser.newContext({
      locale: 'en-US',
      viewport: { width: 390, height: 780 },
      isMobile: true,
      hasTouch: true,
    });
    await plain.addInitScript(
      `delete window.SpeechRecognition; delete window.webkitSpeechRecognition; ${RECORD_SYNTHESIS}`,
    );
    const mobile = await plain.newPage();
    try {
      await openShop(mobile);
      await mobile.evaluate(() => {
        const chat = document.querySelector('threadline-chat')!;
        chat.setAttribute('read-aloud-voice', 'browser');
        chat.setAttribute('lang', 'en');
        // The attribute, not the button: markup and later scripts turn read-aloud on alike.
        chat.setAttribute('read-aloud', '');
      });
      const chat = widget(mobile);
      await chat.open();
      await expect(chat.part('mic').isHidden()).resolves.toBe(true);
      await expect(chat.part('read-aloud').getAttribute('aria-pressed')).resolves.toBe('true');
      await chat.send('How do I return an item?');
      await chat.messages('bot').last().waitFor(WAIT);
      await poll(() =>
        mobile.evaluate(() => (window as unknown as { __spoken: unknown[] }).__spoken.length),
      ).toBeGreaterThan(0);
      const spoken = await mobile.evaluate(
        () => (window as unknown as { __spoken: { text: string; lang: string }[] }).__spoken[0]!,
      );
      const shown = await chat.messages('bot').last().locator('.t').textContent();
      expect(spoken.lang).toBe('en-US');
      // A how-to answer is read from its first step; any other answer as it is shown.
      expect(shown).toContain(spoken.text.replace(/^Step 1 of \d+: /, '').slice(0, 12));
      await mobile.screenshot({ path: join(SHOTS, 'voice-mobile-en.png') });
    } finally {
      await plain.close();
    }
  });
});
