#!/usr/bin/env node
// The `threadline` command. A committed file rather than dist/cli.js itself: npm links a
// package's bins at install time, before anything is built, and skips a bin whose file is missing,
// so on a fresh clone `npx threadline` would otherwise find nothing (or the registry).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  console.error('threadline: not built yet. Run `npm start` (or `npm run build`) in the repository first.');
  process.exit(1);
}
// The server commands run with the API's V8 flags (dist/node-flags.js; V8 reads them only at
// start-up): when this node was started without them, start it again with them, before the API
// is loaded. THREADLINE_NODE_FLAGS=0 keeps node as it was started.
const { relaunchArgs } = await import(new URL('../dist/node-flags.js', import.meta.url).href);
const relaunch = ['serve', 'demo'].includes(process.argv[2]) ? relaunchArgs() : null;
if (relaunch) {
  const server = spawn(process.execPath, relaunch, { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => server.kill(signal));
  server.on('exit', (code) => process.exit(code ?? 1));
} else {
  await import(cli.href);
}
