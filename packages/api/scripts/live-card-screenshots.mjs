// `npm run screenshots -w @threadline/api` (after `npm run build`): starts the demo as `npm start`
// does on a throwaway data folder, plays the first minutes of a simulated livestream room (the
// coupon rush at minute 3) against it, with a loopback connector taking the room answers, opens
// the host's card in headless Debian Chromium and writes docs/screenshots/live-card-{desktop,mobile}.png.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../../sdk-web/scripts/launch-chromium.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const out = join(root, 'docs/screenshots');
const dir = mkdtempSync(join(tmpdir(), 'threadline-live-shots-'));
const env = { ...process.env, PORT: process.env.PORT ?? '0', HOST: '127.0.0.1', THREADLINE_DIR: dir };
delete env.DATABASE_URL;
const demo = spawn(process.execPath, [join(root, 'packages/api/dist/cli.js'), 'demo'], {
  env,
  stdio: 'ignore',
});
// The merchant's connector: takes the room answers (and would post them in the room).
const connector = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end('ok'));
});
await new Promise((r) => connector.listen(0, '127.0.0.1', r));
let browser;
try {
  const infoPath = join(dir, 'demo.json');
  for (let i = 0; i < 600 && !existsSync(infoPath); i++) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 100));
  const info = JSON.parse(readFileSync(infoPath, 'utf8'));
  const api = (method, path, body) =>
    fetch(`${info.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${info.secretKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: await r.json() }));
  await api('PUT', '/v1/live/settings', {
    replyUrl: `http://127.0.0.1:${connector.address().port}/room-replies`,
  });

  const { simulateRoom, playRoom } = await import(join(root, 'packages/api/dist/index.js'));
  const room = simulateRoom({ roomId: 'demo-room', comments: 20_000, viewers: 3_000 });
  // Three and a half minutes of the show at 20× speed: the coupon rush is on.
  await playRoom({
    apiUrl: info.apiUrl,
    secretKey: info.secretKey,
    room,
    speed: 20,
    untilSec: 210,
    title: '澜悦 618 护肤专场',
  });
  // Let the room's timer run an answer round or two.
  await new Promise((r) => setTimeout(r, 2500));
  const { body: key } = await api('POST', '/v1/channels/douyin_live/rooms/demo-room/host-keys', {
    ttlSec: 3600,
  });

  browser = await launchChromium();
  mkdirSync(out, { recursive: true });
  for (const [name, viewport] of [
    ['live-card-desktop', { width: 1280, height: 800 }],
    ['live-card-mobile', { width: 390, height: 844 }],
  ]) {
    const page = await browser.newPage({ viewport, deviceScaleFactor: name.endsWith('mobile') ? 2 : 1 });
    await page.goto(key.cardUrl);
    await page.waitForSelector('[data-part=question]');
    if (name === 'live-card-desktop') {
      // The host pins the hot question's answer.
      await page.click('[data-part=question][data-hot=true] [data-action=pin]');
      await page.waitForSelector('[data-part=pinned]:not([hidden])');
      await page.waitForTimeout(2800);
    } else {
      await page.waitForTimeout(500);
    }
    await page.screenshot({ path: join(out, `${name}.png`) });
    await page.close();
  }
  console.log(`wrote ${out}/live-card-{desktop,mobile}.png`);
} finally {
  await browser?.close();
  demo.kill('SIGTERM');
  connector.close();
  rmSync(dir, { recursive: true, force: true });
}
