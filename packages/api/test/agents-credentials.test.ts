import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  agentMeAnswer,
  agentTokenList,
  auditList,
  errorEnvelope,
  inboxAnswer,
  signInAnswer,
  updatesAnswer,
} from '@threadline/sdk-core/protocol';
import { migrate } from 'drizzle-orm/libsql/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepPresence } from '../src/agents';
import { createApp } from '../src/app';
import { createDatabase, findMigrationsFolder, migrateDatabase } from '../src/db/database';
import { seedDemoStore } from '../src/knowledge/knowledge';
import { createManualClock } from '../src/platform/clock';
import { silentLogger } from '../src/platform/deps';
import { sha256 } from '../src/platform/secrets';
import { createTestApi, type TestApi } from './harness';
import { readSse } from './sse-reader';

type Shop = Awaited<ReturnType<TestApi['createShop']>>;
const codeOf = (res: { body: unknown }) => errorEnvelope.parse(res.body).error.code;

describe('agents and their tokens', () => {
  const clock = createManualClock(Date.UTC(2026, 6, 1, 9));
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    api = await createTestApi({ clock });
    shop = await api.createShop();
  });
  afterAll(() => api.close());
  const sk = (method: string, path: string, body?: unknown) =>
    api.call(method, path, { token: shop.secretKey, ...(body === undefined ? {} : { body }) });
  const me = (token: string) => api.call('GET', '/v1/agent/me', { token });

  it('manages agents with the secret key: create, list, change, deactivate, reactivate', async () => {
    const created = await sk('POST', '/v1/agents', {
      name: '王敏',
      email: 'WangMin@Shop.example',
      skills: ['returns', 'cosmetics', 'returns'],
      capacity: 5,
      role: 'supervisor',
    });
    expect(created.status).toBe(201);
    expect(created.body.agent).toMatchObject({
      name: '王敏',
      email: 'wangmin@shop.example',
      skills: ['returns', 'cosmetics'],
      capacity: 5,
      role: 'supervisor',
      presence: 'offline',
      load: 0,
      active: true,
      hasPassword: false,
    });
    const id = created.body.agent.id;
    const twin = await sk('POST', '/v1/agents', { name: '另一个', email: 'wangmin@shop.example' });
    expect([twin.status, codeOf(twin)]).toEqual([409, 'conflict']);
    const zero = await sk('POST', '/v1/agents', { name: 'x', capacity: 0 });
    expect([zero.status, codeOf(zero)]).toEqual([400, 'validation_failed']);

    const changed = await sk('PATCH', `/v1/agents/${id}`, { skills: ['apparel'], capacity: 8 });
    expect(changed.body.agent).toMatchObject({ skills: ['apparel'], capacity: 8 });
    const listed = (await sk('GET', '/v1/agents')).body.agents.map((a: { name: string }) => a.name);
    expect(listed).toEqual(expect.arrayContaining(['Agent', '王敏']));

    expect((await sk('POST', `/v1/agents/${id}/deactivate`)).body.agent.active).toBe(false);
    expect((await sk('POST', `/v1/agents/${id}/reactivate`)).body.agent).toMatchObject({
      active: true,
      presence: 'offline',
    });
    const audit = auditList.parse((await sk('GET', '/v1/audit-log')).body);
    expect(audit.entries.map((e) => e.action)).toEqual(
      expect.arrayContaining(['agent.created', 'agent.updated', 'agent.deactivated', 'agent.reactivated']),
    );
  });

  it('issues short-lived tokens that can be revoked, expire, and die with a deactivation', async () => {
    const agent = await shop.addAgent({ name: '小周' });
    expect(agentMeAnswer.parse((await me(agent.token)).body).agent.name).toBe('小周');

    const short = await sk('POST', `/v1/agents/${agent.id}/tokens`, { ttlSec: 60, label: 'staff portal' });
    expect(short.status).toBe(201);
    expect(Date.parse(short.body.expiresAt) - clock.now()).toBe(60_000);
    const listed = agentTokenList.parse((await sk('GET', `/v1/agents/${agent.id}/tokens`)).body);
    expect(listed.tokens.map((t) => t.label)).toContain('staff portal');
    expect(JSON.stringify(listed)).not.toContain(short.body.token);
    // Stored as a hash only.
    const stored = await api.rows<{ token_hash: string }>(
      'select token_hash from agent_tokens where id = ?',
      [short.body.tokenId],
    );
    expect(stored[0]!.token_hash).toBe(sha256(short.body.token));

    clock.advance(61_000);
    const expired = await me(short.body.token);
    expect([expired.status, codeOf(expired)]).toEqual([401, 'invalid_credential']);

    const first = listed.tokens.find((t) => t.label === null)!;
    const revoked = await sk('DELETE', `/v1/agents/${agent.id}/tokens/${first.id}`);
    expect(revoked.body).toEqual({ revoked: true });
    const refused = await me(agent.token);
    expect([refused.status, codeOf(refused)]).toEqual([401, 'invalid_credential']);

    const again = (await sk('POST', `/v1/agents/${agent.id}/tokens`, {})).body.token;
    expect((await me(again)).status).toBe(200);
    await sk('POST', `/v1/agents/${agent.id}/deactivate`);
    expect((await me(again)).status).toBe(401);
    await sk('POST', `/v1/agents/${agent.id}/reactivate`);
    expect((await me(again)).status).toBe(401);
    const refusedIssue = await sk('POST', `/v1/agents/${agent.id}/tokens`, {});
    expect(refusedIssue.status).toBe(201);
    expect((await me(refusedIssue.body.token)).status).toBe(200);
  });

  it('signs in with a password (scrypt), 12 hours; failures look alike and are rate-limited; sign-out revokes', async () => {
    const created = await sk('POST', '/v1/agents', {
      name: '李娜',
      email: 'lina@shop.example',
      password: 'correct horse battery staple',
    });
    expect(created.body.agent.hasPassword).toBe(true);
    const [row] = await api.rows<{ password_hash: string }>('select password_hash from agents where id = ?', [
      created.body.agent.id,
    ]);
    expect(row!.password_hash).toMatch(/^scrypt\$32768\$8\$3\$/);
    expect(row!.password_hash).not.toContain('horse');

    const signIn = (email: string, password: string, app = shop.appId) =>
      api.call('POST', '/v1/agent/sign-in', { body: { app, email, password } });
    const wrong = await signIn('lina@shop.example', 'wrong password!!');
    const unknown = await signIn('nobody@shop.example', 'correct horse battery staple');
    const otherApp = await signIn('lina@shop.example', 'correct horse battery staple', 'app_nope');
    for (const res of [wrong, unknown, otherApp]) {
      expect([res.status, res.body]).toEqual([
        401,
        { error: { code: 'sign_in_failed', message: 'The app, email or password is not right.' } },
      ]);
    }
    const ok = await signIn('LiNa@shop.example', 'correct horse battery staple');
    expect(ok.status).toBe(201);
    const session = signInAnswer.parse(ok.body);
    expect(Date.parse(session.expiresAt!) - clock.now()).toBe(12 * 3600_000);
    expect((await me(session.token)).status).toBe(200);
    expect((await api.call('POST', '/v1/agent/sign-out', { token: session.token })).body).toEqual({
      revoked: true,
    });
    expect((await me(session.token)).status).toBe(401);

    // Ten failures lock the account for a while, even for the right password.
    for (let i = 0; i < 9; i++) await signIn('lina@shop.example', `guess-number-${i}`);
    const locked = await signIn('lina@shop.example', 'correct horse battery staple');
    expect([locked.status, codeOf(locked)]).toEqual([429, 'rate_limited']);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another account from elsewhere is not locked by it.
    expect((await signIn('nobody-else@shop.example', 'x')).status).toBe(401);
    // About 15 scrypt runs (32 MiB each): seconds when idle, far longer on a loaded CI machine.
  }, 180_000);

  it('the first agent of an app is a supervisor whose token (the demo’s agentToken) does not expire', async () => {
    const first = agentMeAnswer.parse((await me(shop.agentToken)).body);
    expect(first.agent.role).toBe('supervisor');
    expect(first.token.expiresAt).toBeNull();
    expect(first.app).toEqual({ id: shop.appId, name: 'Test shop' });
  });
});

describe('presence', () => {
  const clock = createManualClock(Date.UTC(2026, 6, 2, 9));
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    api = await createTestApi({ clock, heartbeatMs: 30 });
    shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
  });
  afterAll(() => api.close());

  it('turns a silent agent offline and re-routes their conversations; an open stream keeps an agent present', async () => {
    const quiet = await shop.addAgent({ name: '静静', capacity: 2 });
    const watching = await shop.addAgent({ name: '看板', capacity: 2 });
    await quiet.presence('online');
    const web = await shop.startSession({ channel: 'web' });
    const asked = (await shop.send(web.sessionToken, '转人工')).body.conversation;
    expect(asked.status).toBe('assigned');

    // The other agent keeps a stream open; its heartbeats count as presence.
    await watching.presence('online');
    const stream = readSse(
      await api.app.request('/v1/agent/stream', { headers: { authorization: `Bearer ${watching.token}` } }),
    );
    clock.advance(100_000);
    await stream.until((frames) => frames.filter((f) => f.comment === 'ping').length >= 2);
    clock.advance(50_000);
    expect(await sweepPresence(api.deps, 120_000)).toBe(1);

    const agents = (await api.call('GET', '/v1/agents', { token: shop.secretKey })).body.agents as {
      name: string;
      presence: string;
      load: number;
    }[];
    expect(agents.find((a) => a.name === '静静')).toMatchObject({ presence: 'offline', load: 0 });
    expect(agents.find((a) => a.name === '看板')).toMatchObject({ presence: 'online', load: 1 });
    const mine = inboxAnswer.parse((await watching.call('GET', '/v1/agent/inbox?view=mine')).body);
    expect(mine.conversations.map((c) => c.id)).toEqual([asked.id]);
    await stream.close();
  });

  it('ends an open agent stream once its token is revoked', async () => {
    const agent = await shop.addAgent({ name: '临时工' });
    const stream = readSse(
      await api.app.request('/v1/agent/stream', { headers: { authorization: `Bearer ${agent.token}` } }),
    );
    await stream.until((frames) => frames.some((f) => f.comment === 'connected'));
    const [token] = agentTokenList.parse(
      (await api.call('GET', `/v1/agents/${agent.id}/tokens`, { token: shop.secretKey })).body,
    ).tokens;
    await api.call('DELETE', `/v1/agents/${agent.id}/tokens/${token!.id}`, { token: shop.secretKey });
    const before = stream.frames.length;
    await stream.until(() => false, 200);
    // The stream ended (no endless pings after the revocation).
    expect(stream.frames.length - before).toBeLessThanOrEqual(1);
  });
});

describe('the agent stream', () => {
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
  });
  afterAll(() => api.close());

  it('resumes from a cursor with no gap and no duplicate, and staff-only events never reach a customer', async () => {
    const agent = await shop.addAgent({ name: '值班' });
    await agent.presence('online');
    const web = await shop.startSession({ channel: 'web' });
    const first = await agent.call('GET', '/v1/agent/updates?wait=0');
    const start = first.body.cursor as string;
    const conversationId = (await shop.send(web.sessionToken, '转人工')).body.conversation.id;

    const stream = readSse(
      await api.app.request(`/v1/agent/stream?after=${start}`, {
        headers: { authorization: `Bearer ${agent.token}` },
      }),
    );
    const seen = await stream.until((frames) => frames.some((f) => f.event === 'conversation.updated'));
    await stream.close();
    const ids = seen.filter((f) => f.id).map((f) => Number(f.id));
    expect(ids.length).toBeGreaterThan(3);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);

    // Reconnect from the middle with Last-Event-ID: exactly what came after it.
    const middle = ids[1]!;
    await agent.call('POST', `/v1/agent/conversations/${conversationId}/notes`, { text: '内部备注' });
    const resumed = readSse(
      await api.app.request('/v1/agent/stream', {
        headers: { authorization: `Bearer ${agent.token}`, 'last-event-id': String(middle) },
      }),
    );
    const again = await resumed.until((frames) => frames.some((f) => f.event === 'note.created'));
    await resumed.close();
    const againIds = again.filter((f) => f.id).map((f) => Number(f.id));
    expect(againIds.slice(0, ids.length - 2)).toEqual(ids.slice(2));
    expect(new Set(againIds).size).toBe(againIds.length);
    expect(againIds[0]).toBe(ids[2]);

    const types = new Set(seen.map((f) => f.event));
    expect(types).toEqual(
      new Set([undefined, 'message.created', 'inbox.updated', 'queue.updated', 'conversation.updated']),
    );
    const customer = updatesAnswer.parse(
      (await api.call('GET', '/v1/updates?after=0&wait=0', { token: web.sessionToken })).body,
    );
    expect(customer.events.map((e) => e.type).sort()).toEqual([
      'conversation.updated',
      'message.created',
      'message.created',
    ]);
  });

  it('announces queue figures at most once a second under a burst, the final state last', async () => {
    // A shop of its own, with nobody online: everything waits.
    const shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    const agent = await shop.addAgent({ name: '看队列' });
    let cursor = (await agent.call('GET', '/v1/agent/updates?wait=0')).body.cursor as string;
    for (let i = 0; i < 8; i++) {
      const web = await shop.startSession({ channel: i % 2 ? 'web' : 'app' });
      expect((await shop.send(web.sessionToken, '转人工')).body.conversation.status).toBe('queued');
    }
    const figures: { total: { waiting: number }; channels: { channel: string; waiting: number }[] }[] = [];
    // The trailing announcement comes within a second of the last change; allow a loaded machine.
    for (let round = 0; round < 10 && figures.at(-1)?.total.waiting !== 8; round++) {
      const page = await agent.call('GET', `/v1/agent/updates?wait=2&after=${cursor}`);
      cursor = page.body.cursor;
      for (const event of page.body.events) if (event.type === 'queue.updated') figures.push(event.data);
    }
    const now = (await agent.call('GET', '/v1/agent/queue')).body;
    const counts = (f: { channels: { channel: string; waiting: number }[] }) =>
      f.channels.map((c) => [c.channel, c.waiting]);
    expect(figures.at(-1)!.total.waiting).toBe(8);
    expect(counts(figures.at(-1)!)).toEqual(counts(now));
    expect(counts(now)).toEqual([
      ['app', 4],
      ['web', 4],
    ]);
    expect(figures.length).toBeLessThan(8);
  });
});

describe('upgrading a database made before agents had skills and their own token table', () => {
  it('keeps the app’s existing agent token working', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'threadline-upgrade-'));
    try {
      // The migrations as they were before agents.
      const old = join(dir, 'drizzle');
      cpSync(findMigrationsFolder(), old, { recursive: true });
      const journalPath = join(old, 'meta', '_journal.json');
      const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
      // Those before the agents' first: drizzle applies only migrations newer than the last one
      // applied, so a later one (the console's) left in the old folder would hide the agents' own.
      const firstAgents = journal.entries.findIndex((e: { tag: string }) => /agent/.test(e.tag));
      journal.entries = journal.entries.slice(0, firstAgents);
      writeFileSync(journalPath, JSON.stringify(journal));
      const database = createDatabase({ url: `file:${join(dir, 'old.db')}` });
      await migrate(database.db, { migrationsFolder: old });
      // What createMerchantApp wrote then: the agent with its token hash on its own row.
      const token = `at_${randomBytes(32).toString('base64url')}`;
      await database.client.execute({
        sql: "insert into apps (id, name, identity_secret_enc, created_at) values ('app_old', 'Old shop', 'x', 1)",
        args: [],
      });
      // …and, after a rotation, the token before it, still in its overlap.
      const previous = `at_${randomBytes(32).toString('base64url')}`;
      await database.client.execute({
        sql: `insert into agents (id, app_id, name, token_hash, previous_token_hash, previous_token_valid_until, created_at)
              values ('agt_old', 'app_old', '小周', ?, ?, ?, 1)`,
        args: [sha256(token), sha256(previous), Date.now() + 3_600_000],
      });

      await migrateDatabase(database);
      await migrateDatabase(database); // twice: the data step finds nothing left to do
      const app = createApp({
        database,
        masterKey: randomBytes(32),
        sessionSigningKey: randomBytes(32),
        logger: silentLogger,
      });
      const res = await app.request('/v1/agent/me', { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const rotated = await app.request('/v1/agent/me', { headers: { authorization: `Bearer ${previous}` } });
      expect(rotated.status).toBe(200);
      expect(((await rotated.json()) as { token: { expiresAt: string } }).token.expiresAt).not.toBeNull();
      expect(((await res.json()) as { agent: unknown }).agent).toMatchObject({
        id: 'agt_old',
        name: '小周',
        role: 'agent',
        capacity: 5,
      });
      const rows = await database.client.execute('select token_hash from agents');
      expect(rows.rows.map((r) => r.token_hash)).toEqual([null]);
      const tokens = await database.client.execute('select count(*) as n from agent_tokens');
      expect(Number(tokens.rows[0]!.n)).toBe(2);
      database.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
