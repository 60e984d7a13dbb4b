import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { createDatabase } from '../src/db/database';
import { silentLogger } from '../src/platform/deps';
import { loadServerKeys } from '../src/platform/server-keys';

// The built CLI (npm test builds first), on its own database file.
const CLI = resolve(import.meta.dirname, '../dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'threadline-agent-cli-'));
const db = `file:${join(dir, 'cli.db')}`;
const env = { ...process.env, THREADLINE_DIR: dir, DATABASE_URL: '' };

function threadline(args: string[], input?: string) {
  const run = spawnSync(process.execPath, [CLI, ...args, '--db', db], { env, input, encoding: 'utf8' });
  return { code: run.status, out: run.stdout, err: run.stderr };
}
const jsonOf = (out: string) => JSON.parse(out.slice(out.indexOf('{')));

describe('threadline agent', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates, lists, updates, issues a token for and deactivates agents; the printed token works', async () => {
    const app = threadline(['app', 'create', '--name', 'CLI shop']);
    expect(app.code).toBe(0);
    const appId = jsonOf(app.out).appId as string;

    const created = threadline(
      [
        'agent',
        'create',
        '--name',
        '王敏',
        '--skills',
        'returns, cosmetics',
        '--capacity',
        '5',
        '--role',
        'supervisor',
        '--email',
        'wangmin@cli.example',
        '--password-stdin',
        '--app',
        appId,
      ],
      'a long console password\n',
    );
    expect(created.err).toContain('shown once');
    expect(created.code).toBe(0);
    const { agent, token, expiresAt } = jsonOf(created.out);
    expect(agent).toMatchObject({
      name: '王敏',
      skills: ['returns', 'cosmetics'],
      capacity: 5,
      role: 'supervisor',
      hasPassword: true,
    });
    expect(token).toMatch(/^at_/);
    expect(expiresAt).not.toBeNull();

    const listed = jsonOf(threadline(['agent', 'list', '--app', appId, '--json']).out);
    expect(listed.agents.map((a: { name: string }) => a.name)).toEqual(
      expect.arrayContaining(['Agent', '王敏']),
    );
    expect(threadline(['agent', 'list', '--app', appId]).out).toContain('returns,cosmetics');

    const updated = jsonOf(
      threadline(['agent', 'update', agent.id, '--capacity', '8', '--skills', 'apparel']).out,
    );
    expect(updated.agent).toMatchObject({ capacity: 8, skills: ['apparel'] });
    const issued = jsonOf(threadline(['agent', 'token', agent.id, '--ttl', '600']).out);
    expect(issued.token).toMatch(/^at_/);

    // The tokens it printed sign the agent in to the API (same database, same server keys).
    const database = createDatabase({ url: db });
    const api = createApp({
      database,
      ...loadServerKeys(env, join(dir, 'server-keys.json')),
      logger: silentLogger,
    });
    const me = async (bearer: string) =>
      (await api.request('/v1/agent/me', { headers: { authorization: `Bearer ${bearer}` } })).status;
    expect(await me(token)).toBe(200);
    expect(await me(issued.token)).toBe(200);
    const signIn = await api.request('/v1/agent/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app: appId, email: 'wangmin@cli.example', password: 'a long console password' }),
    });
    expect(signIn.status).toBe(201);

    const deactivated = jsonOf(threadline(['agent', 'deactivate', agent.id]).out);
    expect(deactivated.agent.active).toBe(false);
    expect(await me(token)).toBe(401);
    database.close();
    // Eight runs of the CLI, each a fresh Node process: seconds apiece on a loaded CI machine.
  }, 180_000);

  it('refuses bad options with a usage error (exit 2) and one line', () => {
    for (const args of [
      ['agent', 'create', '--name', 'x', '--capacity', '0', '--app', 'app_x'],
      ['agent', 'create', '--name', 'x', '--role', 'boss', '--app', 'app_x'],
      ['agent', 'token', 'agt_x', '--ttl', '5'],
    ]) {
      const run = threadline(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.err.trim().split('\n')).toHaveLength(1);
    }
    const missing = threadline(['agent', 'deactivate', 'agt_nobody']);
    expect([missing.code, missing.err.trim()]).toEqual([2, 'error: No agent agt_nobody.']);
    const noApp = threadline(['agent', 'list', '--app', 'app_nobody']);
    expect(noApp.code).toBe(1);
    expect(noApp.err.trim().split('\n')).toHaveLength(1);
  }, 180_000);
});
