// Customer and conversation ids sort by creation, as message ids do (issue 18, speed-18j): the
// indexes keyed by them (a customer's timeline, its clientMessageId and event-resume indexes, a
// conversation's messages, the one-open-conversation index) then take the rows written now at
// their ends, instead of one random leaf each in an index that grows with the database. The ids
// stay opaque and unguessable: the prefix, the time, then 80 random bits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoStore } from '../src/knowledge/knowledge';
import { createManualClock } from '../src/platform/clock';
import { createTestApi, type TestApi } from './harness';

describe('customer and conversation ids in creation order', () => {
  let api: TestApi;
  const clock = createManualClock();
  beforeAll(async () => {
    api = await createTestApi({ clock });
  });
  afterAll(() => api.close());

  it('new customers (sessions, identify) and their conversations get ids that sort by creation', async () => {
    const shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    const customers: string[] = [];
    const conversations: string[] = [];
    for (let i = 0; i < 6; i++) {
      clock.advance(i % 2 === 0 ? 1 : 3_600_000);
      const session = await shop.startSession();
      // Every other customer signs in as a new person: identify makes that customer afresh.
      let customerId = session.customer.id;
      if (i % 2 === 1) {
        const signedIn = await shop.identify(session.sessionToken, await shop.identityToken(`person-${i}`));
        expect(signedIn.status, signedIn.text).toBe(200);
        customerId = signedIn.body.customer.id;
      }
      clock.advance(1);
      const sent = await shop.send(session.sessionToken, '这款面霜保质期多久？');
      expect(sent.status).toBe(201);
      expect(sent.body.message.conversationId).toMatch(/^cnv_[0-9a-z]{9}[A-Za-z0-9_-]{14}$/);
      expect(customerId).toMatch(/^cus_[0-9a-z]{9}[A-Za-z0-9_-]{14}$/);
      customers.push(customerId);
      conversations.push(sent.body.message.conversationId);
    }
    expect(new Set(customers).size).toBe(6);
    expect(new Set(conversations).size).toBe(6);
    expect([...customers].sort()).toEqual(customers);
    expect([...conversations].sort()).toEqual(conversations);
    // As stored: the file's own order by id is the order they were made in.
    const stored = await api.rows<{ id: string }>(
      `select id from conversations where app_id = ? order by id`,
      [shop.appId],
    );
    expect(stored.map((row) => row.id)).toEqual(conversations);
  });
});
