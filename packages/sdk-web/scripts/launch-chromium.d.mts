import type { Browser } from 'playwright-core';

/** Debian's Chromium, headless, with the flags this sandbox needs. */
export function launchChromium(): Promise<Browser>;
