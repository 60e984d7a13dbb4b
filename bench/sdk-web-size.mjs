// The web widget (SPEC §10: the <script> bundle, core included, ≤ 30 KB gzip) and how soon it is
// usable: packages/sdk-web/dist/widget.js gzipped with node:zlib, then the demo shop (started as
// `npm start` does, `threadline demo` on a fresh data folder) loaded in headless Debian Chromium,
// timing from the moment widget.js starts loading to a visible launcher in the shadow root.
// Baseline in the same run: a navigation to a tiny page on the same server (GET /v1/health).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launchChromium } from '../packages/sdk-web/scripts/launch-chromium.mjs';
import { ratio, repoRoot, sleep, summarize, tempDir } from './lib/common.mjs';

const WIDGET_BUDGET_BYTES = 30 * 1024;

/** Resolves with performance.now() when <threadline-chat>'s launcher is rendered and visible. */
const WATCH_LAUNCHER = () => {
  window.__launcherReady = new Promise((resolve) => {
    const check = () => {
      const button = document
        .querySelector('threadline-chat')
        ?.shadowRoot?.querySelector('[data-part=launcher]');
      if (button && button.getBoundingClientRect().width > 0) {
        resolve(performance.now());
        return true;
      }
      return false;
    };
    const observer = new MutationObserver(() => check() && observer.disconnect());
    observer.observe(document, { childList: true, subtree: true });
    const frame = () => !check() && requestAnimationFrame(frame);
    frame();
  });
};

async function startDemo(dir) {
  const env = { ...process.env, PORT: '0', HOST: '127.0.0.1', THREADLINE_DIR: dir.path };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [join(repoRoot, 'packages/api/dist/cli.js'), 'demo'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const infoPath = dir.file('demo.json');
  for (let i = 0; i < 600 && !existsSync(infoPath); i++) {
    if (child.exitCode !== null) throw new Error(`threadline demo exited: ${output}`);
    await sleep(50);
  }
  if (!existsSync(infoPath)) throw new Error(`threadline demo did not start: ${output}`);
  await sleep(50);
  return { child, info: JSON.parse(readFileSync(infoPath, 'utf8')) };
}

export default async function run({ log, quick }) {
  const bundle = join(repoRoot, 'packages/sdk-web/dist/widget.js');
  if (!existsSync(bundle))
    throw new Error('packages/sdk-web/dist/widget.js is missing: run `npm run build` first.');
  const code = readFileSync(bundle);
  const gzip = gzipSync(code, { level: 9 }).length;
  log(`widget.js: ${code.length} B minified, ${gzip} B gzip`);

  const loads = quick ? 5 : 20;
  const dir = tempDir('sdk-web');
  let demo;
  let browser;
  try {
    demo = await startDemo(dir);
    browser = await launchChromium();
    const scriptToLauncher = [];
    const navigationToLauncher = [];
    const blankNavigation = [];
    for (let i = 0; i < loads + 1; i++) {
      // A fresh context each time: nothing cached, no stored session, like a first visit.
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.addInitScript(WATCH_LAUNCHER);
      await page.goto(demo.info.shopUrl);
      const timing = await page.evaluate(async () => {
        const ready = await window.__launcherReady;
        const script = performance
          .getEntriesByType('resource')
          .find((e) => e.name.endsWith('/sdk/widget.js'));
        return { ready, scriptStart: script?.startTime ?? 0 };
      });
      const blank = await context.newPage();
      const started = performance.now();
      await blank.goto(`${demo.info.apiUrl}/v1/health`, { waitUntil: 'load' });
      const blankMs = performance.now() - started;
      await context.close();
      if (i === 0) continue; // warm-up: the server's first requests, Chromium's first context
      scriptToLauncher.push(timing.ready - timing.scriptStart);
      navigationToLauncher.push(timing.ready);
      blankNavigation.push(blankMs);
    }
    const script = summarize(scriptToLauncher);
    const nav = summarize(navigationToLauncher);
    const blank = summarize(blankNavigation);
    log(
      `script→launcher p50 ${script.p50.toFixed(1)} ms; page→launcher p50 ${nav.p50.toFixed(1)} ms; blank page p50 ${blank.p50.toFixed(1)} ms`,
    );
    return {
      name: 'sdk-web-size',
      rows: [
        {
          metric: 'widget.js (IIFE, core inlined), gzip',
          value: gzip / 1024,
          unit: 'KB',
          budget: '≤ 30 KB',
          pass: gzip <= WIDGET_BUDGET_BYTES,
        },
        { metric: 'widget.js, minified', value: code.length / 1024, unit: 'KB' },
        {
          metric: `widget.js load start → usable launcher, p50 (n=${loads})`,
          value: script.p50,
          unit: 'ms',
          baseline: blank.p50,
          ratio: ratio(script.p50, blank.p50),
          note: 'baseline: navigation to a tiny page (GET /v1/health) on the same server, same run',
        },
        { metric: 'widget.js load start → usable launcher, p90', value: script.p90, unit: 'ms' },
        {
          metric: 'demo shop navigation → usable launcher, p50',
          value: nav.p50,
          unit: 'ms',
          baseline: blank.p50,
          ratio: ratio(nav.p50, blank.p50),
        },
      ],
    };
  } finally {
    await browser?.close();
    if (demo) {
      demo.child.kill('SIGTERM');
      await new Promise((resolve) =>
        demo.child.exitCode !== null ? resolve() : demo.child.once('exit', resolve),
      );
    }
    dir.remove();
  }
}
