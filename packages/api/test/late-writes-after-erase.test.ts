import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateConversation } from '../src/agents/csat';
import { backToBot } from '../src/agents/shopper-wait';
import { getApp } from '../src/apps/apps';
import { escalateConversation } from '../src/conversations/conversations';
import { handoffCodes } from '../src/db/schema';
import { claimHandoff, createHandoff } from '../src/handoffs/handoffs';
import { createTestApi, type TestApi } from './harness';

/**
 * review-d: erase racing the session writes that name their customer without sealing anything
 * (races-a's escalate, CSAT without a comment, back to bot, handoff create). Each is authenticated before its
 * transaction; an erase may commit in between. Sealed writes (send, track, a comment) were already
 * refused by the data key (`refuseErased`); these wrote no sealed value, so they stored a queued
 * ghost conversation, a rating naming the kept conversation, or a code for the erased id.
 */
describe('a late session write after the erase stores nothing under the erased id', () => {
  let api: TestApi;
  let shop: Awaited<ReturnType<TestApi['createShop']>>;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
  });
  afterAll(() => api.close());

  for (const mode of ['redact', 'delete'] as const) {
    it(`escalate, CSAT and handoff create authenticated before an erase (${mode}) are refused`, async () => {
      const session = await shop.startSession({ channel: 'app' });
      const customerId = session.customer.id as string;
      expect((await shop.send(session.sessionToken, 'first words')).status).toBe(201);
      // A resolved conversation to rate (redact keeps it, resolved).
      await api.rows(`update conversations set status = 'resolved', resolved_at = ? where customer_id = ?`, [
        Date.now(),
        customerId,
      ]);
      const erased = await api.call('DELETE', `/v1/customers/${customerId}?messages=${mode}`, {
        token: shop.secretKey,
      });
      expect(erased.status).toBe(200);
      const [conversationBefore] = await api.rows<{ n: number }>(
        'select count(*) as n from conversations where customer_id = ?',
        [customerId],
      );

      // What each route does once its session check passed: the erase committed meanwhile.
      const shopper = { appId: shop.appId, customerId, channel: 'app' };
      await expect(escalateConversation(api.deps, shopper)).rejects.toMatchObject({ code: 'conflict' });
      await expect(rateConversation(api.deps, shopper, { rating: 5 })).rejects.toMatchObject({
        code: 'conflict',
      });
      await expect(backToBot(api.deps, shopper)).rejects.toMatchObject({ code: 'conflict' });
      const app = await getApp(api.deps, shop.appId);
      await expect(
        createHandoff(api.deps, { app, customerId, fromChannel: 'app', createdBy: 'session' }),
      ).rejects.toMatchObject({ code: 'conflict' });

      const [conversationAfter] = await api.rows<{ n: number }>(
        'select count(*) as n from conversations where customer_id = ?',
        [customerId],
      );
      expect(conversationAfter!.n).toBe(conversationBefore!.n);
      expect(
        await api.rows(`select id from conversations where customer_id = ? and status <> 'resolved'`, [
          customerId,
        ]),
      ).toEqual([]);
      expect(
        await api.rows('select conversation_id from csat_ratings where customer_id = ?', [customerId]),
      ).toEqual([]);
      expect(await api.rows('select id from handoff_codes where customer_id = ?', [customerId])).toEqual([]);
      expect(
        await api.rows(`select id from events where customer_id = ? and type <> 'customer.erased'`, [
          customerId,
        ]),
      ).toEqual([]);
    });
  }
});

describe('a handoff claim whose code an erase deleted in the window', () => {
  let api: TestApi;
  let shop: Awaited<ReturnType<TestApi['createShop']>>;
  beforeAll(async () => {
    api = await createTestApi();
    shop = await api.createShop();
  });
  afterAll(() => api.close());

  it('answers handoff_code_invalid (the code is no more), not handoff_code_used, and stores nothing', async () => {
    const web = await shop.startSession({ channel: 'web' });
    expect((await shop.send(web.sessionToken, 'hello')).status).toBe(201);
    const created = await api.call('POST', '/v1/handoffs', {
      token: web.sessionToken,
      body: { toChannel: 'app' },
    });
    expect(created.status).toBe(201);
    // The claim looked the code up before its transaction; the erase then committed.
    const [handoff] = await api.database.db
      .select()
      .from(handoffCodes)
      .where(eq(handoffCodes.customerId, web.customer.id as string));
    expect(
      (await api.call('DELETE', `/v1/customers/${web.customer.id}`, { token: shop.secretKey })).status,
    ).toBe(200);
    expect(await api.rows('select id from handoff_codes where id = ?', [handoff!.id])).toEqual([]);
    await expect(
      api.deps.database.write((db, onCommit) =>
        claimHandoff(api.deps, db, onCommit, { handoff: handoff!, sessionId: 'ses_late', channel: 'app' }),
      ),
    ).rejects.toMatchObject({ code: 'handoff_code_invalid' });
    expect(
      await api.rows('select id from handoff_codes where claimed_by_session_id = ?', ['ses_late']),
    ).toEqual([]);
  });
});
