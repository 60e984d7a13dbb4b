import { chromium } from 'playwright-core';

/** Debian's Chromium, headless, with the flags this sandbox needs (`npx playwright install` cannot run here). */
export function launchChromium(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      // e.g. --use-fake-ui-for-media-stream --use-fake-device-for-media-stream for voice tests
      ...extraArgs,
    ],
  });
}
