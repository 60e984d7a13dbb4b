// review-z's uncovered attacks on the insights fold (insights/rollup.ts): contacts whose messages
// arrive out of time order, against the same messages folded in order; customers merged or erased
// between two fold batches, against the merge or erasure before any fold. The oracle is the fold's
// own rules applied to the messages as they end up (in time order, under the person they end up
// with): the figures must not depend on when the fold ran.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldInsights, foldMessagesOnce } from '../src/insights/rollup';
import { seedDemoStore } from '../src/knowledge';
import { eraseCustomer } from '../src/privacy/erase';
import { createTestApi, type TestApi, UNLIMITED } from './harness';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 3, 2, 0);

let api: TestApi;
let shop: Awaited<ReturnType<TestApi['createShop']>>;
/** An intent the repeat rules count (the shop's own, policy not human). */
let matter: string;
let stored = 0;

beforeAll(async () => {
  api = await createTestApi({ rateLimits: UNLIMITED });
  shop = await api.createShop();
  await seedDemoStore(api.deps, shop.appId);
  const [intent] = await api.rows<{ id: string }>(
    "select id from kb_intents where app_id = ? and policy <> 'human' and id <> 'greeting' order by id limit 1",
    [shop.appId],
  );
  matter = intent!.id;
}, 60_000);
afterAll(() => api?.close());

type Said = { customer: string; conversation: string; at: number; author?: string };

/** Stores messages in the order given (their seq order), each a bot answer carrying `matter`. */
async function store(list: Said[]) {
  for (const m of list)
    await api.rows(
      `insert into messages (id, app_id, customer_id, conversation_id, channel, author_type, text, intent, created_at)
        values (?, ?, ?, ?, 'web', ?, '', ?, ?)`,
      [`msg_m37_${stored++}`, shop.appId, m.customer, m.conversation, m.author ?? 'bot', matter, m.at],
    );
}

/** Folds every message stored so far in batches of `size`. */
async function foldAll(size: number) {
  for (let guard = 0; guard < 1_000; guard++)
    if ((await foldMessagesOnce(api.deps, api.deps.database, size)) === 0) return;
  throw new Error('the fold did not end');
}

/** The contacts of these customers, with their conversations named by their place in `conversations`. */
async function contactsOf(customers: string[], conversations: string[]) {
  const rows = await api.rows<{
    customer_id: string;
    conversation_id: string;
    at: number;
    last_at: number;
    is_repeat: number;
    with_context: number | null;
  }>(
    `select customer_id, conversation_id, at, last_at, is_repeat, with_context from insight_contacts
      where customer_id in (select value from json_each(?)) order by at, last_at`,
    [JSON.stringify(customers)],
  );
  return rows.map((r) => ({
    customer: customers.indexOf(r.customer_id),
    conversation: conversations.indexOf(r.conversation_id),
    at: (r.at - T0) / MIN,
    lastAt: (r.last_at - T0) / MIN,
    repeat: r.is_repeat === 1,
    withContext: r.with_context === null ? null : r.with_context === 1,
  }));
}

describe('contacts whose messages arrive out of time order', () => {
  // Each case: messages of one customer (minutes after T0, conversation 0 or 1), in the order they
  // are stored. Folded in batches of 1 in that order, against the same messages stored in time
  // order and folded in one batch.
  const cases: [name: string, [minutes: number, conversation: number][]][] = [
    [
      'a later message stored first, 40 min apart (two contacts, the later a repeat)',
      [
        [40, 0],
        [0, 0],
      ],
    ],
    [
      'a late message bridging two contacts 50 min apart (one contact)',
      [
        [0, 0],
        [50, 0],
        [25, 0],
      ],
    ],
    [
      'a later conversation stored first (a repeat without context)',
      [
        [100, 1],
        [0, 0],
      ],
    ],
    [
      'reversed chain of four, 20 min apart (one contact)',
      [
        [60, 0],
        [40, 0],
        [20, 0],
        [0, 0],
      ],
    ],
    [
      'late message between two repeats, 3 h apart',
      [
        [0, 0],
        [360, 0],
        [180, 1],
      ],
    ],
  ];
  for (const [name, list] of cases)
    it(name, async () => {
      const tag = `oo${stored}`;
      const said = (who: string, [minutes, conversation]: [number, number]): Said => ({
        customer: `cu_${tag}_${who}`,
        conversation: `cv_${tag}_${who}_${conversation}`,
        at: T0 + minutes * MIN,
      });
      await foldAll(500);
      // In order, one batch.
      await store([...list].sort((a, b) => a[0] - b[0]).map((m) => said('ordered', m)));
      await foldAll(500);
      // Out of order, one at a time.
      await store(list.map((m) => said('late', m)));
      await foldAll(1);
      const ordered = await contactsOf([`cu_${tag}_ordered`], [`cv_${tag}_ordered_0`, `cv_${tag}_ordered_1`]);
      const late = await contactsOf([`cu_${tag}_late`], [`cv_${tag}_late_0`, `cv_${tag}_late_1`]);
      expect(ordered.length).toBeGreaterThan(0);
      expect(late).toEqual(ordered);
    });
});

describe('customers merged or erased between two fold batches', () => {
  /** A known customer with an open conversation and an anonymous one with its own (no message kept). */
  async function twoCustomers(tag: string) {
    const token = await shop.identityToken(`u-m37-${tag}`);
    const known = await shop.startSession({ channel: 'app', identityToken: token });
    const web = await shop.startSession({ channel: 'web' });
    await shop.send(known.sessionToken, '你好');
    await shop.send(web.sessionToken, '你好');
    const knownId = known.customer.id as string;
    const anonymousId = web.customer.id as string;
    const open = async (customer: string) =>
      (
        await api.rows<{ id: string }>(
          "select id from conversations where customer_id = ? and status <> 'resolved'",
          [customer],
        )
      )[0]!.id;
    const conversations = [await open(knownId), await open(anonymousId)];
    // Only the test's own messages are folded: the greetings go before any fold sees them.
    await api.rows('delete from messages where customer_id in (?, ?)', [knownId, anonymousId]);
    await foldInsights(api.deps);
    const merge = async () => {
      const res = await shop.identify(web.sessionToken, token);
      expect(res.body.merged).toBe(true);
    };
    return { knownId, anonymousId, conversations, merge };
  }

  // The anonymous customer raises the matter first, then (as the known one, other device) again.
  const scenarios: [name: string, anonymousAt: number, knownAt: number][] = [
    ['10 min apart (one contact after the merge)', 0, 10],
    ['2 h apart (the second a repeat, in context: one conversation after the merge)', 0, 120],
  ];
  for (const [name, anonymousAt, knownAt] of scenarios)
    it(`a merge after the fold counts as a merge before it: ${name}`, async () => {
      const figures = [];
      for (const when of ['merge first', 'fold first', 'between'] as const) {
        const pair = await twoCustomers(`${name}-${when}`);
        const [known, anonymous] = pair.conversations as [string, string];
        if (when === 'merge first') await pair.merge();
        // Once merged, what the anonymous device says is stored under the person, in the kept conversation.
        const [customer, conversation] =
          when === 'merge first' ? [pair.knownId, known] : [pair.anonymousId, anonymous];
        await store([{ customer, conversation, at: T0 + anonymousAt * MIN }]);
        if (when === 'between') {
          await foldAll(500);
          await pair.merge();
        }
        await store([{ customer: pair.knownId, conversation: known, at: T0 + knownAt * MIN }]);
        await foldAll(500);
        if (when === 'fold first') await pair.merge();
        await foldAll(500);
        figures.push({
          when,
          contacts: await contactsOf([pair.knownId, pair.anonymousId], pair.conversations),
        });
      }
      expect(figures[0]!.contacts.length).toBeGreaterThan(0);
      // Nothing left on the merged-away customer, nothing counted twice.
      for (const f of figures) expect(f.contacts, f.when).toEqual(figures[0]!.contacts);
    });

  for (const mode of ['redact', 'delete'] as const)
    it(`an erasure (${mode}) between two batches: no row names the person, nothing counted twice or lost`, async () => {
      const pair = await twoCustomers(`erase-${mode}`);
      const [known] = pair.conversations as [string, string];
      const before = await api.rows<{ n: number; c: number }>(
        'select count(*) as n, coalesce(sum(customer_messages + bot_messages + agent_messages), 0) as c from insight_conversations',
      );
      const counted = async () =>
        (await api.rows<{ n: number }>('select coalesce(sum(count), 0) as n from insight_message_counts'))[0]!
          .n;
      const countsBefore = await counted();
      await store(
        [0, 10, 50, 130, 140].map((minutes, i) => ({
          customer: pair.knownId,
          conversation: known,
          at: T0 + minutes * MIN,
          author: i % 2 === 0 ? 'customer' : 'bot',
        })),
      );
      // Two of the five folded, then the erasure (its own fold takes the rest), then the fold again.
      await foldMessagesOnce(api.deps, api.deps.database, 2);
      await eraseCustomer(api.deps, shop.appId, pair.knownId, { messages: mode, address: 'test' });
      await foldAll(500);
      await foldInsights(api.deps);
      const naming = await api.rows(
        `select 'conversations' as t from insight_conversations where customer_id = ?1 or conversation_id = ?2
          union all select 'contacts' from insight_contacts where customer_id = ?1 or conversation_id = ?2`,
        [pair.knownId, known],
      );
      expect(naming).toEqual([]);
      const after = await api.rows<{ n: number; c: number }>(
        'select count(*) as n, coalesce(sum(customer_messages + bot_messages + agent_messages), 0) as c from insight_conversations',
      );
      // One conversation more (pseudonymised), its five messages counted once.
      expect(after[0]!.n - before[0]!.n).toBe(1);
      expect(after[0]!.c - before[0]!.c).toBe(5);
      expect((await counted()) - countsBefore).toBe(5);
    });
});
