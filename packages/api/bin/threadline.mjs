#!/usr/bin/env node
// The `threadline` command. A committed file rather than dist/cli.js itself: npm links a
// package's bins at install time, before anything is built, and skips a bin whose file is missing,
// so on a fresh clone `npx threadline` would otherwise find nothing (or the registry).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  console.error('threadline: not built yet. Run `npm start` (or `npm run build`) in the repository first.');
  process.exit(1);
}
await import(cli.href);
