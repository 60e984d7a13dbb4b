// The insights fold's messages pass gives the same rollups however the messages are cut into
// batches (insights/rollup.ts `foldMessages`): a later batch loads only the stored contacts of its
// own (customer, intent) pairs, writes a stored conversation's `customer_messages` alone when that
// is all the batch moved, and moves contacts' `last_at` in one statement. Shown on a livestream
// room where the same viewers ask several questions over several comment batches and room answers
// @-mention them (bot messages extending their contacts): folded in batches of 7 messages, then
// folded again from scratch in one batch, the rows are the same.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { foldInsights, foldMessagesOnce } from '../src/insights/rollup';
import { seedDemoStore } from '../src/knowledge';
import { createTestApi, type TestApi } from './harness';
import { startReplyServer } from './reply-server';

let api: TestApi;
let replies: Awaited<ReturnType<typeof startReplyServer>>;
beforeEach(async () => {
  api = await createTestApi({ liveTickMs: 0, liveTimelineDrainMs: 0 });
  replies = await startReplyServer();
});
afterEach(async () => {
  api.app.livestream.close();
  await api.close();
  replies.close();
});

const QUESTIONS = ['优惠券怎么用', '有没有小码', '什么时候发货', '链接在哪', '这个多少钱'];

/** Every rollup row the messages pass writes, ids left out where they are the fold's own. */
async function rollups() {
  return {
    conversations: await api.rows(
      `select conversation_id, app_id, customer_id, channel, started_at, customer_messages, bot_messages,
        agent_messages, first_customer_at, first_response_at, escalated_at
      from insight_conversations order by conversation_id`,
    ),
    contacts: await api.rows(
      `select app_id, customer_id, conversation_id, channel, intent, at, last_at, is_repeat, with_context
      from insight_contacts order by customer_id, intent, at, conversation_id`,
    ),
    counts: await api.rows(
      'select * from insight_message_counts order by app_id, slot, channel, author_type',
    ),
    slotTotals: await api.rows('select * from insight_slot_totals order by app_id, slot, channel'),
  };
}

describe('the insights messages pass, cut into batches', () => {
  it('folds a room of repeat askers into the same rows in batches of 7 as in one batch', async () => {
    const shop = await api.createShop();
    await seedDemoStore(api.deps, shop.appId);
    const settings = await api.call('PUT', '/v1/live/settings', {
      token: shop.secretKey,
      body: {
        replyUrl: replies.url,
        hot: { minAskers: 3, minShare: 0.1 },
        answers: { mentionsPerMessage: 5, intervalSec: 10 },
      },
    });
    expect(settings.status).toBe(200);
    // 12 viewers, 6 comment batches: each viewer asks a question of the batch's two, some of them
    // again in later batches, with answer rounds between the batches.
    const base = Date.now() - 60_000;
    let id = 0;
    for (let batch = 0; batch < 6; batch++) {
      const items = [];
      for (let v = 0; v < 12; v++) {
        const text = QUESTIONS[(batch + (v % 2)) % QUESTIONS.length]!;
        items.push({ id: `c${id++}`, viewerId: `dy_${v}`, text, at: base + batch * 5_000 + v });
        if (v % 3 === 0)
          items.push({ id: `c${id++}`, viewerId: `dy_${v}`, text: '666', at: base + batch * 5_000 + v });
      }
      const res = await api.call('POST', '/v1/channels/douyin_live/comments', {
        token: shop.secretKey,
        body: { roomId: 'room-b', items },
      });
      expect(res.status).toBe(200);
      await api.app.livestream.refreshRooms();
      await api.app.livestream.settled();
    }
    const messages = await api.rows<{ author: string; n: number }>(
      'select author_type as author, count(*) as n from messages group by author_type order by author',
    );
    // The room put questions and room answers on the timelines: both kinds of row are folded.
    expect(messages.map((m) => m.author)).toEqual(['bot', 'customer']);
    expect(messages.every((m) => m.n >= 12)).toBe(true);

    const deps = api.app.deps;
    let batches = 0;
    for (;;) {
      const folded = await foldMessagesOnce(deps, deps.database, 7);
      if (folded === 0) break;
      batches++;
    }
    expect(batches).toBeGreaterThan(10);
    await foldInsights(deps);
    const inBatches = await rollups();
    // Contacts of the same asker and intent joined across batches (not one per message), and
    // some repeats were judged against contacts stored by an earlier batch.
    expect(inBatches.contacts.length).toBeGreaterThan(0);
    expect(inBatches.contacts.length).toBeLessThan(messages.reduce((n, m) => n + m.n, 0));

    // From scratch, every message in one batch.
    await api.database.client.batch(
      [
        'delete from insight_contacts',
        'delete from insight_conversations',
        'delete from insight_message_counts',
        'delete from insight_first_agent_messages',
        "update insight_cursors set position = 0 where source not like 'slot_totals_%'",
      ],
      'write',
    );
    expect((await rollups()).slotTotals).toEqual([]);
    expect(await foldMessagesOnce(deps, deps.database, 100_000)).toBe(messages.reduce((n, m) => n + m.n, 0));
    await foldInsights(deps);
    expect(await rollups()).toEqual(inBatches);
  }, 60_000);
});
