import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The built CLI (npm test builds first), on its own database file, with production settings.
const CLI = resolve(import.meta.dirname, '../dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'threadline-webhook-cli-'));
const db = `file:${join(dir, 'cli.db')}`;
const env = {
  ...process.env,
  THREADLINE_DIR: dir,
  DATABASE_URL: '',
  THREADLINE_WEBHOOKS_ALLOW_PRIVATE: '',
  THREADLINE_WEBHOOKS_ALLOW_LOOPBACK: '',
};

function threadline(args: string[], extraEnv: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, [CLI, ...args, '--db', db], {
    env: { ...env, ...extraEnv },
    encoding: 'utf8',
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}
const jsonOf = (out: string) => JSON.parse(out.slice(out.indexOf('{')));

describe('threadline webhook', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates (secret shown once), lists, disables, shows the log of and deletes webhooks; refuses bad URLs', () => {
    const app = threadline(['app', 'create', '--name', 'CLI webhooks']);
    expect(app.code).toBe(0);
    const appId = jsonOf(app.out).appId as string;

    const created = threadline([
      'webhook',
      'create',
      '--app',
      appId,
      '--url',
      'https://crm.example/threadline',
      '--events',
      'message.created, ticket.created',
    ]);
    expect(created.err).toContain('shown once');
    expect(created.code).toBe(0);
    const { webhook, secret } = jsonOf(created.out);
    expect(secret).toMatch(/^whsec_/);
    expect(webhook).toMatchObject({ events: ['message.created', 'ticket.created'], enabled: true });

    const listed = threadline(['webhook', 'list', '--app', appId, '--json']);
    expect(jsonOf(listed.out).webhooks).toEqual([
      expect.objectContaining({ id: webhook.id, pendingDeliveries: 0 }),
    ]);
    expect(listed.out).not.toContain(secret);

    const disabled = threadline(['webhook', 'update', webhook.id, '--app', appId, '--disable']);
    expect(disabled.code).toBe(0);
    expect(jsonOf(disabled.out).webhook).toMatchObject({ enabled: false, disabledReason: 'merchant' });

    const log = threadline(['webhook', 'deliveries', webhook.id, '--app', appId]);
    expect([log.code, log.out.trim()]).toEqual([0, 'no deliveries']);

    // A private target is refused on a production configuration: one line, exit 2.
    const refused = threadline(['webhook', 'create', '--app', appId, '--url', 'http://127.0.0.1:9/hook']);
    expect(refused.code).toBe(2);
    expect(refused.err.trim().split('\n')).toHaveLength(1);
    expect(refused.err).toMatch(/^error: .*https/);
    const bad = threadline([
      'webhook',
      'create',
      '--app',
      appId,
      '--url',
      'https://crm.example',
      '--events',
      'nope',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^usage: events/);
    // …and allowed for development.
    const local = threadline(['webhook', 'create', '--app', appId, '--url', 'http://127.0.0.1:9/hook'], {
      THREADLINE_WEBHOOKS_ALLOW_LOOPBACK: '1',
    });
    expect(local.code).toBe(0);

    expect(threadline(['webhook', 'delete', webhook.id, '--app', appId]).out.trim()).toBe('deleted');
    const missing = threadline(['webhook', 'delete', webhook.id, '--app', appId]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^error: No such webhook/);
  }, 180_000);
});
