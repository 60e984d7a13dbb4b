import type { Browser } from 'playwright-core';

/** Debian's Chromium, headless, with the flags this sandbox needs, plus any `extraArgs`. */
export function launchChromium(extraArgs?: string[]): Promise<Browser>;
