import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { customerTicket, realtimeEventData, timelinePage } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyCustomerKeys } from '../src/identity/customer-keys';
import { seedDemoStore } from '../src/knowledge/knowledge';
import { createTestApi, type TestApi } from './harness';

/** Issue 8, items 8 and 9: what customers' streams carry, and what the database files hold. */
type Shop = Awaited<ReturnType<TestApi['createShop']>>;

describe('events for customers carry only what customers may see (item 8)', () => {
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
  });
  afterAll(() => api.close());

  it('pushes ticket.updated without the internal note, the staff id or the ticket details', async () => {
    const web = await shop.startSession({ channel: 'web' });
    const { cursor } = (await api.call('GET', '/v1/updates?wait=0', { token: web.sessionToken })).body;
    const sent = await shop.send(web.sessionToken, '衣服尺码不合适想换大一码');
    const ticketId = sent.body.replies[0].meta.ticketId as string;
    const patched = await api.call('PATCH', `/v1/tickets/${ticketId}`, {
      token: shop.agentToken,
      body: { status: 'in_progress', note: 'VIP 客户，内部备注：先别退款' },
    });
    expect(patched.status).toBe(200);
    // The merchant's own view keeps the note.
    expect(JSON.stringify(patched.body.ticket.details)).toContain('内部备注');

    const { events } = (
      await api.call('GET', `/v1/updates?after=${cursor}&wait=0`, { token: web.sessionToken })
    ).body as { events: { type: string; data: unknown }[] };
    const updated = events.filter((e) => e.type === 'ticket.updated');
    expect(updated).toHaveLength(1);
    const wire = JSON.stringify(updated[0]!.data);
    for (const secret of ['内部备注', 'agent:', 'details', 'notes', 'customerId', 'intent'])
      expect(wire).not.toContain(secret);
    expect(customerTicket.strict().parse(updated[0]!.data)).toMatchObject({
      id: ticketId,
      status: 'in_progress',
    });
    // Every event of every type in the log is exactly its customer-facing schema.
    for (const event of events) {
      const schema = realtimeEventData[event.type as keyof typeof realtimeEventData];
      expect(schema.parse(event.data)).toEqual(event.data);
    }
  });
});

describe('PII typed into the chat is sealed at rest, cards are masked, files are private (item 9)', () => {
  let api: TestApi;
  let shop: Shop;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
  });
  afterAll(() => api.close());

  const PHONE = '13912345678';
  const ADDRESS = '上海市徐汇区漕溪北路 88 号 1201 室';
  const CARD = '4242 4242 4242 4242';

  /** Every text cell of every table, as one string: what someone with the file can read. */
  async function everythingStored(): Promise<string> {
    const tables = await api.rows<{ name: string }>(
      "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'",
    );
    const parts: string[] = [];
    for (const { name } of tables) {
      for (const row of await api.rows(`select * from "${name}"`)) parts.push(JSON.stringify(row));
    }
    return parts.join('\n');
  }

  it('stores no message text, event, ticket detail or unanswered question in the clear', async () => {
    const web = await shop.startSession({ channel: 'web' });
    await shop.send(web.sessionToken, `我的手机 ${PHONE}，地址 ${ADDRESS}`);
    await shop.send(web.sessionToken, `订单 LY20240601123 尺码不合适想换大一码，寄到 ${ADDRESS}`);
    await shop.send(web.sessionToken, `量子纠缠和我的快递 ${ADDRESS} 有什么关系`);
    const carded = await shop.send(web.sessionToken, `刷卡 ${CARD} 可以吗`);
    await api.call('POST', '/v1/escalate', { token: web.sessionToken, body: {} });

    // The shopper reads everything back…
    const page = timelinePage.parse(
      (await api.call('GET', '/v1/timeline', { token: web.sessionToken })).body,
    );
    expect(page.messages.map((m) => m.text).join('\n')).toContain(ADDRESS);
    // …except the card number, masked before it was stored or answered.
    expect(carded.body.message.text).toBe('刷卡 **** **** **** 4242 可以吗');

    const stored = await everythingStored();
    for (const plain of [PHONE, ADDRESS, '漕溪北路', '4242 4242', '4242424242424242', '量子纠缠'])
      expect(stored).not.toContain(plain);
    const [row] = await api.rows<{ text: string }>(
      'select text from messages where customer_id = ? limit 1',
      [web.customer.id],
    );
    expect(row!.text).toMatch(/^k1\./);
  });

  it('leaves every copy unreadable once the customer’s keys are destroyed (GDPR erase)', async () => {
    const web = await shop.startSession({ channel: 'web' });
    await shop.send(web.sessionToken, `寄到 ${ADDRESS}`);
    await api.database.write((db, onCommit) =>
      destroyCustomerKeys(api.deps, db, onCommit, { appId: shop.appId, customerId: web.customer.id }),
    );
    const page = timelinePage.parse(
      (await api.call('GET', '/v1/timeline', { token: web.sessionToken })).body,
    );
    expect(page.messages.length).toBeGreaterThan(0);
    expect(page.messages.every((m) => m.text === '')).toBe(true);
    const updates = await api.call('GET', '/v1/updates?after=0&wait=0', { token: web.sessionToken });
    expect(updates.body.events).toEqual([]);
  });

  it('leaves no copy of a destroyed key in the database file or its write-ahead log', async () => {
    const web = await shop.startSession({ channel: 'web' });
    await shop.send(web.sessionToken, `寄到 ${ADDRESS}`);
    const keys = await api.rows<{ wrapped_key: string }>(
      'select wrapped_key from customer_keys where customer_id = ?',
      [web.customer.id],
    );
    expect(keys.length).toBeGreaterThan(0);
    await api.database.write((db, onCommit) =>
      destroyCustomerKeys(api.deps, db, onCommit, { appId: shop.appId, customerId: web.customer.id }),
    );
    // The deleted row's bytes must not survive in a freed page or an old WAL frame: with them and
    // the master key, the "erased" text opens again.
    const rawFiles = () =>
      readdirSync(dirname(api.databasePath))
        .map((name) => readFileSync(join(dirname(api.databasePath), name)).toString('latin1'))
        .join('\n');
    await expect
      .poll(() => keys.some((key) => rawFiles().includes(key.wrapped_key)), { timeout: 5_000 })
      .toBe(false);
  });

  it('creates the database file readable by its owner only', () => {
    const file = api.databasePath;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    for (const suffix of ['-wal', '-shm']) {
      try {
        expect(statSync(`${file}${suffix}`).mode & 0o077).toBe(0);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  });
});
