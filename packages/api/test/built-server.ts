import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

/** The built CLI (`npm run build` first). */
export const builtCli = resolve(import.meta.dirname, '../dist/cli.js');

/**
 * `threadline serve` from the built CLI over one database, for tests that kill the real process.
 * `start` listens on a free loopback port and resolves with its URL once the process says it
 * listens (20 s at most); `kill` is SIGKILL, so nothing gets to clean up; `killAll` ends whatever
 * still runs (for `afterAll`).
 */
export function builtServers(database: string, env: NodeJS.ProcessEnv) {
  const children = new Set<ChildProcess>();

  async function start(): Promise<{ url: string; child: ChildProcess }> {
    const child = spawn(
      process.execPath,
      [builtCli, 'serve', '--port', '0', '--host', '127.0.0.1', '--db', database],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.add(child);
    child.once('exit', () => children.delete(child));
    let output = '';
    const url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolveUrl(match[1]!);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code}:\n${output}`));
      });
    });
    return { url, child };
  }

  async function kill(child: ChildProcess) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGKILL');
    await exited;
  }

  return { start, kill, killAll: () => Promise.all([...children].map(kill)) };
}

/**
 * `threadline app create --name <name>` from the built CLI over `database`; resolves with the keys
 * it prints (appId, publishableKey, secretKey, identitySecret, agentToken…). Throws a clear error
 * when the API has not been built, since every test that kills the real process needs the build.
 */
export async function createAppWithBuiltCli<Keys>(
  database: string,
  env: NodeJS.ProcessEnv,
  name: string,
): Promise<Keys> {
  if (!existsSync(builtCli)) {
    throw new Error(
      `${builtCli} is missing: build the API first (npm test does; or npx turbo run build --filter=@threadline/api).`,
    );
  }
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [builtCli, 'app', 'create', '--name', name, '--db', database],
    { env, timeout: 30_000 },
  );
  return JSON.parse(stdout.slice(stdout.indexOf('{'))) as Keys;
}
