import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/** The built CLI (npm test builds first): issue 8 items 10 and 15 as an operator meets them. */
const cli = join(dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'threadline-cli-'));
const env = { ...process.env, THREADLINE_DIR: dir, DATABASE_URL: `file:${join(dir, 'db.sqlite')}` };
const children: ChildProcess[] = [];

function run(args: string[], extraEnv: Record<string, string> = {}) {
  return spawnSync(process.execPath, [cli, ...args], {
    env: { ...env, ...extraEnv },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

/** Starts `serve` and resolves with its URL and the line it printed. */
function serve(args: string[], extraEnv: Record<string, string> = {}) {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', ...args], {
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise<{ url: string; line: string }>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 30_000);
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/\S+) .*$/m.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1]!, line: match[0] });
      }
    });
    child.stderr!.on('data', (chunk) => {
      out += chunk;
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

afterAll(() => {
  for (const child of children) child.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('threadline CLI', () => {
  it('warns when an app has no allowed origin, and refuses an origin that is not one', () => {
    const created = run(['app', 'create', '--name', 'No origin shop']);
    expect(created.status).toBe(0);
    expect(created.stderr).toMatch(/^warning: No allowed origin/m);
    expect(JSON.parse(created.stdout.slice(created.stdout.indexOf('{'))).publishableKey).toMatch(/^pk_/);

    for (const origin of ['javascript:alert(1)', 'https://shop.example/path']) {
      const refused = run(['app', 'create', '--name', 'Bad', '--origin', origin]);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(/not an origin/);
    }
    const fine = run(['app', 'create', '--name', 'Fine', '--origin', 'https://shop.example']);
    // No warning; stderr holds only the advice about importing knowledge (issue 10, item 21).
    expect(fine.status).toBe(0);
    expect(fine.stderr).not.toMatch(/^warning:/m);
  });

  it('trusts the proxy hops given by flag or environment, and counts wrong codes per real client', async () => {
    const created = run(['app', 'create', '--name', 'Proxied', '--origin', 'https://shop.example']);
    const { publishableKey } = JSON.parse(created.stdout.slice(created.stdout.indexOf('{'))) as {
      publishableKey: string;
    };
    const { url, line } = await serve(['--trusted-proxy-hops', '1']);
    expect(line).toMatch(/trusting 1 proxy hop/);
    const guess = (forwarded: string) =>
      fetch(`${url}/v1/sessions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${publishableKey}`,
          'content-type': 'application/json',
          'x-forwarded-for': forwarded,
        },
        body: JSON.stringify({ channel: 'web', handoffCode: 'wrong-code-xxxxxxxxxxxxxx' }),
      }).then((r) => r.status);
    // One real client behind the proxy, rotating a spoofed leftmost entry: 10 wrong codes a minute.
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push(await guess(`10.9.9.${i}, 198.51.100.23`));
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(404));
    expect(statuses[10]).toBe(429);
    // Another shopper behind the same proxy is not locked out.
    expect(await guess('198.51.100.24')).toBe(404);

    const fromEnv = await serve([], { THREADLINE_TRUSTED_PROXY_HOPS: '2' });
    expect(fromEnv.line).toMatch(/trusting 2 proxy hop/);
    const bad = run(['serve', '--port', '0', '--trusted-proxy-hops', 'many']);
    expect([bad.status, bad.stderr.trim()]).toEqual([
      2,
      'usage: trusted proxy hops must be a whole number from 0 to 10, not "many"',
    ]);
  }, 60_000);
});
