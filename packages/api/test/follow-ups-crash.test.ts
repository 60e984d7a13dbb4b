import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIdentityToken } from '../src/identity/identity-tokens';
import { readDemoStore } from '../src/knowledge/knowledge';
import { builtCli, builtServers } from './built-server';

/**
 * The real server (the built CLI) is SIGKILLed while follow-ups are due: once before any is sent,
 * once in the middle of sending. After each restart on the same file every follow-up goes out, and
 * each exactly once: one message per follow-up, none lost, none twice. The rule and the settings
 * are made with the CLI (`threadline followup`).
 */

const CALLS = 40;
const DELAY_SEC = 2;

const dir = mkdtempSync(join(tmpdir(), 'threadline-followup-crash-'));
const database = `file:${join(dir, 'crash.db')}`;
// One follow-up per scan and one send at a time: the second run sends them one by one, so the
// test can kill it after some and before all (with the default 200/32 a run can commit all 40 at
// once, and "killed mid-sending" would not be exercised).
const env = {
  ...process.env,
  THREADLINE_DIR: dir,
  DATABASE_URL: '',
  PORT: '',
  HOST: '',
  THREADLINE_FOLLOW_UP_BATCH: '1',
  THREADLINE_FOLLOW_UP_CONCURRENCY: '1',
};
const servers = builtServers(database, env);
const run = (args: string[]) =>
  promisify(execFile)(process.execPath, [builtCli, ...args, '--db', database], { env, timeout: 30_000 });
const jsonOf = (out: string) => JSON.parse(out.slice(out.indexOf('{')));

async function call(url: string, token: string, method: string, body?: unknown) {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function sql<T>(query: string): Promise<T[]> {
  const client = createClient({ url: database });
  try {
    return (await client.execute(query)).rows as unknown as T[];
  } finally {
    client.close();
  }
}

const states = async () =>
  Object.fromEntries(
    (
      await sql<{ state: string; n: number }>('select state, count(*) as n from follow_ups group by state')
    ).map((r) => [r.state, Number(r.n)]),
  ) as Record<string, number>;

describe('follow-ups survive a SIGKILL of the server', () => {
  let keys: { appId: string; publishableKey: string; secretKey: string; identitySecret: string };
  beforeAll(async () => {
    if (!existsSync(builtCli))
      throw new Error(`${builtCli} is missing: build the API first (npm test does).`);
    keys = jsonOf((await run(['app', 'create', '--name', 'Follow-up crash shop'])).stdout);
    // Whatever the hour of the CI run: no quiet hours, a cap above what one caller gets here, and
    // the card's host allowed (before the rule, which is checked against it).
    const settings = await run([
      'followup',
      'settings',
      '--app',
      keys.appId,
      '--quiet-hours',
      'off',
      '--weekly-cap',
      '5',
      '--card-hosts',
      'shop.example',
    ]);
    expect(jsonOf(settings.stdout).settings).toMatchObject({
      quietHours: null,
      weeklyCap: 5,
      cardHosts: ['shop.example'],
    });
    const rule = await run([
      'followup',
      'create',
      '--app',
      keys.appId,
      '--name',
      'care card',
      '--intent',
      'care_instructions',
      '--from',
      'phone',
      '--delay',
      String(DELAY_SEC),
      '--to',
      'app',
      '--card-title',
      '托特包保养',
      '--card-url',
      'https://shop.example/care',
    ]);
    expect(jsonOf(rule.stdout).rule).toMatchObject({ delaySeconds: DELAY_SEC, send: { channel: 'app' } });
  });
  afterAll(async () => {
    await servers.killAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends every due follow-up exactly once across two kills and restarts', async () => {
    const first = await servers.start();
    const imported = await call(`${first.url}/v1/kb/import`, keys.secretKey, 'POST', readDemoStore());
    expect(imported.status).toBe(200);
    // CALLS different callers ask about care and hang up: CALLS follow-ups, due DELAY_SEC later.
    for (let i = 0; i < CALLS; i++) {
      const callId = randomUUID();
      const from = `+86139${String(10_000_000 + i)}`;
      for (const [sequence, body] of [
        { event: 'start' },
        { event: 'speech', utterance: '我买的那个真皮托特包平时要怎么保养啊' },
        { event: 'hangup' },
      ].entries()) {
        const res = await call(`${first.url}/v1/voice/turn`, keys.secretKey, 'POST', {
          callId,
          from,
          sequence,
          ...body,
        });
        expect(res.status).toBe(200);
      }
      // The caller has the app (signed in with the same phone): a follow-up to a channel the
      // customer never used would be skipped `not_on_channel`.
      const session = await call(`${first.url}/v1/sessions`, keys.publishableKey, 'POST', {
        channel: 'app',
        identityToken: await signIdentityToken(
          { sub: `caller-${i}`, phone: from },
          keys.identitySecret,
          Date.now(),
        ),
      });
      expect(session.status).toBe(201);
    }
    // Killed before they fall due: nothing is in memory to lose.
    await servers.kill(first.child);
    const scheduled = (await states()).scheduled ?? 0;
    expect(scheduled + ((await states()).sent ?? 0)).toBe(CALLS);
    expect(scheduled).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, DELAY_SEC * 1000 + 200));

    // The second run finds them all due; it is killed as soon as some (not all) went out.
    const second = await servers.start();
    for (let i = 0; i < 2000; i++) {
      const { sent = 0 } = await states();
      if (sent > 0) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    await servers.kill(second.child);
    const between = await states();

    const third = await servers.start();
    // One by one (the knobs above): bounded at 60 s on a loaded machine.
    for (let i = 0; i < 1200 && ((await states()).sent ?? 0) < CALLS; i++)
      await new Promise((r) => setTimeout(r, 50));
    await servers.kill(third.child);

    expect(await states()).toEqual({ sent: CALLS });
    const perFollowUp = await sql<{ id: string; n: number }>(
      "select json_extract(meta, '$.followUpId') as id, count(*) as n from messages where author_type = 'system' group by id",
    );
    expect(perFollowUp).toHaveLength(CALLS);
    expect(perFollowUp.every((r) => Number(r.n) === 1)).toBe(true);
    // Each follow-up names the message it sent.
    const unmatched = await sql<{ n: number }>(
      "select count(*) as n from follow_ups f where not exists (select 1 from messages m where m.id = f.message_id and json_extract(m.meta, '$.followUpId') = f.id)",
    );
    expect(Number(unmatched[0]!.n)).toBe(0);
    // The second run died mid-sending: some went out, not all.
    expect(between.sent ?? 0).toBeGreaterThan(0);
    expect(between.sent ?? 0).toBeLessThan(CALLS);
    // Three server starts and 40 one-by-one sends: more than the default 30 s on a loaded machine.
  }, 180_000);
});
