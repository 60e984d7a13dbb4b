import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { missingServerFlags, relaunchArgs, SERVER_NODE_FLAGS } from '../src/platform/node-flags';

const run = promisify(execFile);
const bin = resolve(import.meta.dirname, '../bin/threadline.mjs');
const semiSpace = SERVER_NODE_FLAGS.find((flag) => flag.startsWith('--max-semi-space-size='));

/**
 * How big V8's young generation grows under a load that keeps many young objects alive (a ring of
 * 200k objects replaced continuously): new space is two semi-spaces, so this shows the semi-space
 * size the process really got, flags or not.
 */
const NEW_SPACE_PROBE = `
const v8 = require('node:v8');
if (process.env.SET_FLAGS) v8.setFlagsFromString(process.env.SET_FLAGS);
const ring = new Array(200000);
for (let i = 0; i < 3e6; i++) ring[i % ring.length] = { a: i, b: [i] };
console.log(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);`;

async function newSpaceBytes(nodeArgs: string[], env: Record<string, string> = {}): Promise<number> {
  const { stdout } = await run(process.execPath, [...nodeArgs, '-e', NEW_SPACE_PROBE], {
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return Number(stdout.trim());
}

describe('the API server runs with its V8 flags (issue 18)', () => {
  it('asks for a larger young generation than V8 gives by default', () => {
    expect(semiSpace).toBeDefined();
    expect(Number(semiSpace!.split('=')[1])).toBeGreaterThan(16);
  });

  it('adds only the flags the operator did not give, on the command line or in NODE_OPTIONS', () => {
    expect(missingServerFlags([], undefined)).toEqual([...SERVER_NODE_FLAGS]);
    expect(missingServerFlags([], '')).toEqual([...SERVER_NODE_FLAGS]);
    // Another value of the same flag is the operator's choice: kept, nothing added.
    expect(missingServerFlags(['--max-semi-space-size=8'], undefined)).toEqual([]);
    expect(missingServerFlags(['--max_semi_space_size=8'], undefined)).toEqual([]);
    expect(missingServerFlags([], '--max-old-space-size=512 --max-semi-space-size=128')).toEqual([]);
    expect(missingServerFlags(['--expose-gc'], '--max-old-space-size=512')).toEqual([...SERVER_NODE_FLAGS]);
  });

  it('starts the command again with them when missing, never twice, and not when turned off', () => {
    const argv = ['/usr/bin/node', '/app/bin/threadline.mjs', 'serve', '--port', '0'];
    expect(relaunchArgs(argv, ['--expose-gc'], {})).toEqual([
      '--expose-gc',
      ...SERVER_NODE_FLAGS,
      '/app/bin/threadline.mjs',
      'serve',
      '--port',
      '0',
    ]);
    expect(relaunchArgs(argv, [...SERVER_NODE_FLAGS], {})).toBeNull();
    expect(relaunchArgs(argv, [], { THREADLINE_NODE_FLAGS: '0' })).toBeNull();
    expect(relaunchArgs(argv, [], { NODE_OPTIONS: '--max-semi-space-size=32' })).toBeNull();
  });

  it('takes effect only from the command line: V8 sizes the young generation once, at start-up', async () => {
    const defaults = await newSpaceBytes([]);
    const withFlags = await newSpaceBytes([...SERVER_NODE_FLAGS]);
    // Set later, from inside the process, the same flag changes nothing: hence the relaunch.
    const setLate = await newSpaceBytes([], { SET_FLAGS: SERVER_NODE_FLAGS.join(' ') });
    const semiBytes = Number(semiSpace!.split('=')[1]) * 2 ** 20;
    expect(withFlags).toBeGreaterThan(defaults);
    expect(withFlags).toBeLessThanOrEqual(2 * semiBytes);
    expect(withFlags).toBeGreaterThan(semiBytes);
    expect(setLate).toBe(defaults);
  }, 120_000);

  describe('`threadline serve` (the bin)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'threadline-node-flags-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('serves from a node started with the flags, and stops with its launcher', async () => {
      if (!existsSync(resolve(import.meta.dirname, '../dist/node-flags.js')))
        throw new Error('Build first: packages/api/dist is missing (npm run build).');
      const env = { ...process.env, THREADLINE_DIR: dir };
      delete env.NODE_OPTIONS;
      delete env.THREADLINE_NODE_FLAGS;
      const launcher = spawn(
        process.execPath,
        [bin, 'serve', '--port', '0', '--host', '127.0.0.1', '--db', `file:${join(dir, 'flags.db')}`],
        { env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const exited = new Promise<number | null>((done) => launcher.once('exit', (code) => done(code)));
      let output = '';
      const url = await new Promise<string>((resolveUrl, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolveUrl(match[1]!);
          }
        };
        launcher.stdout!.on('data', onData);
        launcher.stderr!.on('data', onData);
      });
      // The process that listens is the launcher's child, started with the flags.
      const children = readFileSync(`/proc/${launcher.pid}/task/${launcher.pid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean);
      expect(children).toHaveLength(1);
      const server = Number(children[0]);
      const commandLine = readFileSync(`/proc/${server}/cmdline`, 'utf8').split('\0');
      for (const flag of SERVER_NODE_FLAGS) expect(commandLine).toContain(flag);
      expect(commandLine).toContain('serve');
      expect((await fetch(`${url}/v1/health`)).status).toBe(200);
      // A SIGTERM to the launcher reaches the server, which drains and exits; the launcher follows.
      launcher.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(existsSync(`/proc/${server}`)).toBe(false);
    }, 60_000);
  });
});
