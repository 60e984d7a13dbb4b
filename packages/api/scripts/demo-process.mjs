// Starts `threadline demo` (what `npm start` runs) in a child process on a throwaway data folder and
// a free loopback port, and reads its demo.json. For the console's screenshot script and bench.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = resolve(dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');

/**
 * `{ info, stop() }`: `info` is demo.json (URLs, keys, agents); `stop()` ends it and removes the folder.
 * `port` (default 0: any free one) and `under` (the folder that holds the throwaway data folder,
 * default the OS temp dir) let an engineer on a shared machine keep to their own port and worktree.
 */
export async function startDemoProcess({
  prefix = 'threadline-demo-',
  timeoutMs = 60_000,
  port = 0,
  under = tmpdir(),
} = {}) {
  if (!existsSync(cli)) throw new Error('packages/api/dist/cli.js is missing: run `npm run build` first.');
  mkdirSync(under, { recursive: true });
  const dir = mkdtempSync(join(under, prefix));
  const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', THREADLINE_DIR: dir };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [cli, 'demo'], { env, stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const infoPath = join(dir, 'demo.json');
  for (let waited = 0; !existsSync(infoPath); waited += 50) {
    if (waited > timeoutMs || child.exitCode !== null) {
      await stop();
      throw new Error('the demo did not start');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  // demo.json is written after the server listens; give the write a moment to finish.
  await new Promise((r) => setTimeout(r, 100));
  return { info: JSON.parse(readFileSync(infoPath, 'utf8')), stop };
}
