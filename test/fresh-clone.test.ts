import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * What a newcomer does, on a fresh clone of this repository's committed HEAD: `npm install`
 * (from npm's cache where it can, the registry for the rest), `npm start`, then the CLI, the
 * demo shop and `threadline serve`. Slow by nature (a real install and build, about 2–3 minutes),
 * so it runs once, in its own clone, and every check below reads what that one run left.
 */
const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '..');
const MINUTE = 60_000;

/** The environment a user's shell has: none of this test runner's npm or vitest variables. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!/^(npm_|VITEST|INIT_CWD$|NODE_ENV$|NODE_OPTIONS$|TURBO_)/i.test(key)) env[key] = value;
  return { ...env, NO_COLOR: '1', FORCE_COLOR: '0', ...extra };
}

/** Starts a long-running command and resolves once its output matches `ready`. */
function startUntil(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
  ready: RegExp,
  timeoutMs: number,
) {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  const done = new Promise<{ child: ChildProcess; stdout: () => string; stderr: () => string }>(
    (resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`not ready in time:\n${stdout}\n${stderr}`)),
        timeoutMs,
      );
      const check = () => {
        if (ready.test(stdout)) {
          clearTimeout(timer);
          resolve({ child, stdout: () => stdout, stderr: () => stderr });
        }
      };
      child.stdout!.on('data', (chunk) => {
        stdout += chunk;
        check();
      });
      child.stderr!.on('data', (chunk) => {
        stderr += chunk;
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${stdout}\n${stderr}`));
      });
    },
  );
  return done;
}

/** Stops a process group we started (npm → node → the server). */
function stop(child: ChildProcess | undefined) {
  if (!child?.pid || child.exitCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      resolve();
    }
    setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
      resolve();
    }, 10_000).unref();
  });
}

describe('a fresh clone: npm install && npm start, then the CLI', () => {
  let dir: string;
  let clone: string;
  let env: NodeJS.ProcessEnv;
  let demo: ChildProcess | undefined;
  let serve: ChildProcess | undefined;
  let startOutput = '';
  let shopUrl = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'threadline-fresh-'));
    clone = join(dir, 'threadline');
    env = userEnv({ THREADLINE_DIR: join(dir, 'data'), PORT: '0', HOST: '127.0.0.1' });
    delete env.DATABASE_URL;
    await run('git', ['clone', '--quiet', repoRoot, clone], { env });
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: clone,
      env,
      timeout: 8 * MINUTE,
      maxBuffer: 64 * 1024 * 1024,
    });
    const started = await startUntil('npm', ['start'], { cwd: clone, env }, /Ctrl-C stops\.\n?$/, 6 * MINUTE);
    demo = started.child;
    // Anything printed after the banner would show up in this pause.
    await new Promise((r) => setTimeout(r, 1500));
    startOutput = started.stdout();
    shopUrl = /Shop\s+(\S+)/.exec(startOutput)?.[1] ?? '';
  }, 16 * MINUTE);

  afterAll(async () => {
    await Promise.all([stop(demo), stop(serve)]);
    // The clone's node_modules is large (hundreds of MB): a detached `rm -rf` removes it after
    // the run instead of holding a test worker for a minute on a busy disk.
    if (dir.startsWith(tmpdir())) spawn('rm', ['-rf', dir], { detached: true, stdio: 'ignore' }).unref();
  }, MINUTE);

  it('npm install leaves the committed lock as it was', async () => {
    const { stdout } = await run('git', ['status', '--porcelain'], { cwd: clone, env });
    expect(stdout).toBe('');
  });

  it('npm start builds quietly and prints the banner last', () => {
    const lines = startOutput.trimEnd().split('\n');
    expect(lines.length).toBeLessThan(25);
    expect(startOutput).toMatch(/Building Threadline… done \(\d+\.\d s\)\./);
    expect(startOutput).not.toMatch(/tsup|turbo|CJS|ESM|DTS/);
    expect(lines.at(-1)).toMatch(/Ctrl-C stops\.$/);
    const banner = startOutput.slice(startOutput.indexOf('Threadline demo'));
    for (const word of [
      'Shop',
      'API docs',
      'publishableKey',
      'secretKey',
      'identitySecret',
      'agentToken',
      'appId',
    ])
      expect(banner).toContain(word);
    expect(shopUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/shop\/$/);
  });

  it('`npx threadline --help` works after the first npm start', async () => {
    const { stdout } = await run('npx', ['threadline', '--help'], { cwd: clone, env, timeout: MINUTE });
    expect(stdout).toMatch(/^Usage: threadline/m);
    expect(stdout).toMatch(/token/);
  });

  it('/shop redirects to /shop/, which serves the shop with the widget', async () => {
    const base = shopUrl.replace(/\/shop\/$/, '');
    const bare = await fetch(`${base}/shop`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/shop/');
    const page = await fetch(shopUrl);
    expect(await page.text()).toContain('<script src="/sdk/widget.js"></script>');
    expect((await fetch(`${base}/sdk/widget.js`)).status).toBe(200);
    expect((await fetch(`${base}/favicon.ico`)).status).toBe(200);
  });

  it('`threadline serve` serves /sdk/widget.js', async () => {
    const started = await startUntil(
      'npx',
      ['threadline', 'serve', '--port', '0', '--db', `file:${join(dir, 'serve.db')}`],
      { cwd: clone, env },
      /listening on (http:\/\/\S+)/,
      MINUTE,
    );
    serve = started.child;
    const url = /listening on (http:\/\/\S+)/.exec(started.stdout())![1]!;
    const widget = await fetch(`${url}/sdk/widget.js`);
    expect(widget.status).toBe(200);
    expect(widget.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect(widget.headers.get('etag')).toBeTruthy();
  });
});
