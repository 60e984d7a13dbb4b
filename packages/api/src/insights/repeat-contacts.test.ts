import { describe, expect, it } from 'vitest';
import { foldContacts, REPEAT_WINDOW_MS, SAME_CONTACT_MS } from './rollup';

/**
 * The repeat-contact rules (rollup.ts `foldContacts`), one sequence per edge. Each message is a
 * bot reply labelled with the intent of the customer message it answers; `skip` plays the app's
 * intent metadata (its greeting intent and policy-human intents are no matter).
 */
const H = 3600_000;
const M = 60_000;
const T0 = Date.UTC(2026, 10, 2, 2, 0); // 10:00 in Shanghai
/** `author: 'customer'`: a customer message the bot did not answer (an agent held the conversation), labelled at send. */
type Step = { at: number; intent?: string; conversation?: string; seq?: number; author?: 'bot' | 'customer' };
const labelled = (steps: Step[]) =>
  steps.map((s, i) => ({
    seq: s.seq ?? i + 1,
    appId: 'app_1',
    customerId: 'cus_1',
    conversationId: s.conversation ?? 'con_1',
    channel: 'web',
    intent: s.intent ?? 'return_policy',
    authorType: s.author ?? 'bot',
    createdAt: s.at,
  }));
const skip = (_app: string, intent: string) => intent === 'hello' || intent === 'human_agent';
/** Folds the steps in batches of `batch` rows, carrying the stored contacts over as the fold does. */
function fold(steps: Step[], batch = steps.length) {
  const stored: ReturnType<typeof foldContacts> = [];
  const rows = labelled(steps);
  for (let i = 0; i < rows.length; i += batch) {
    const fresh = foldContacts(stored, rows.slice(i, i + batch), skip);
    stored.push(...fresh);
  }
  return stored
    .sort((a, b) => a.at - b.at)
    .map((c) => ({ at: c.at - T0, repeat: c.isRepeat, context: c.withContext }));
}
/** The same, with each contact's intent (for sequences that raise more than one). */
function foldWithIntents(steps: Step[], batch = steps.length) {
  const stored: ReturnType<typeof foldContacts> = [];
  const rows = labelled(steps);
  for (let i = 0; i < rows.length; i += batch)
    stored.push(...foldContacts(stored, rows.slice(i, i + batch), skip));
  return stored
    .sort((a, b) => a.at - b.at || a.intent.localeCompare(b.intent))
    .map((c) => ({ intent: c.intent, at: c.at - T0, repeat: c.isRepeat, context: c.withContext }));
}

const cases: {
  name: string;
  steps: Step[];
  contacts: { at: number; repeat: boolean; context: boolean | null }[];
}[] = [
  {
    name: 'one sitting: messages < 30 min apart are one contact',
    steps: [{ at: T0 }, { at: T0 + 10 * M }, { at: T0 + 39 * M }],
    contacts: [{ at: 0, repeat: false, context: null }],
  },
  {
    name: 'asking again after 2 h in the same conversation is a repeat with context',
    steps: [{ at: T0 }, { at: T0 + 2 * H }],
    contacts: [
      { at: 0, repeat: false, context: null },
      { at: 2 * H, repeat: true, context: true },
    ],
  },
  {
    name: 'exactly 72 h after the last message is still a repeat',
    steps: [{ at: T0 }, { at: T0 + REPEAT_WINDOW_MS }],
    contacts: [
      { at: 0, repeat: false, context: null },
      { at: REPEAT_WINDOW_MS, repeat: true, context: true },
    ],
  },
  {
    name: '72 h + 1 ms is a new matter, no repeat',
    steps: [{ at: T0 }, { at: T0 + REPEAT_WINDOW_MS + 1 }],
    contacts: [
      { at: 0, repeat: false, context: null },
      { at: REPEAT_WINDOW_MS + 1, repeat: false, context: null },
    ],
  },
  {
    name: 'a chain of messages 29 min apart over 3 days stays one contact (it never paused)',
    steps: Array.from({ length: Math.ceil((3 * 24 * 60) / 29) }, (_, i) => ({ at: T0 + i * 29 * M })),
    contacts: [{ at: 0, repeat: false, context: null }],
  },
  {
    name: 'resolved, then the same matter in a new conversation within 30 min: a repeat without context',
    steps: [{ at: T0 }, { at: T0 + 20 * M, conversation: 'con_2' }],
    contacts: [
      { at: 0, repeat: false, context: null },
      { at: 20 * M, repeat: true, context: false },
    ],
  },
  {
    name: 'asking for a person twice (policy human) or greeting twice is no matter',
    steps: [
      { at: T0, intent: 'human_agent' },
      { at: T0 + 4 * H, intent: 'human_agent' },
      { at: T0 + 5 * H, intent: 'hello' },
      { at: T0 + 6 * H, intent: 'hello' },
    ],
    contacts: [],
  },
  {
    name: 'out of order: a later row with an earlier time joins the contact it falls in',
    steps: [
      { at: T0, seq: 1 },
      { at: T0 + 3 * H, seq: 2 },
      { at: T0 + 10 * M, seq: 3 },
    ],
    contacts: [
      { at: 0, repeat: false, context: null },
      { at: 3 * H, repeat: true, context: true },
    ],
  },
  {
    name: 'out of order: a row from just before a contact starts it earlier',
    steps: [
      { at: T0 + 3 * H, seq: 1 },
      { at: T0 + 3 * H - 5 * M, seq: 2 },
    ],
    contacts: [{ at: 3 * H - 5 * M, repeat: false, context: null }],
  },
];

/** Topics raised while an agent holds the conversation (or it waits for one): labelled customer messages. */
const agentTimeCases: {
  name: string;
  steps: Step[];
  contacts: { intent: string; at: number; repeat: boolean; context: boolean | null }[];
}[] = [
  {
    name: 'a new intent raised with the agent is a contact of its own',
    steps: [
      { at: T0, intent: 'return_policy' },
      { at: T0 + 20 * M, intent: 'delivery', author: 'customer' },
    ],
    contacts: [
      { intent: 'return_policy', at: 0, repeat: false, context: null },
      { intent: 'delivery', at: 20 * M, repeat: false, context: null },
    ],
  },
  {
    name: 'the intent the conversation was escalated with is not counted again while with the agent, however long',
    steps: [
      { at: T0, intent: 'return_policy' },
      { at: T0 + 45 * M, intent: 'return_policy', author: 'customer' },
      { at: T0 + 3 * H, intent: 'return_policy', author: 'customer' },
    ],
    contacts: [{ intent: 'return_policy', at: 0, repeat: false, context: null }],
  },
  {
    name: 'a new intent raised twice with the agent, hours apart, is one contact',
    steps: [
      { at: T0, intent: 'return_policy' },
      { at: T0 + 20 * M, intent: 'delivery', author: 'customer' },
      { at: T0 + 4 * H, intent: 'delivery', author: 'customer' },
    ],
    contacts: [
      { intent: 'return_policy', at: 0, repeat: false, context: null },
      { intent: 'delivery', at: 20 * M, repeat: false, context: null },
    ],
  },
  {
    name: 'escalated by asking for a person: the first topic told to the agent is the contact',
    steps: [
      { at: T0, intent: 'human_agent' },
      { at: T0 + 10 * M, intent: 'return_policy', author: 'customer' },
    ],
    contacts: [{ intent: 'return_policy', at: 10 * M, repeat: false, context: null }],
  },
  {
    name: 'raised with the agent a day after the bot was asked in another conversation: a repeat without context',
    steps: [
      { at: T0, intent: 'delivery', conversation: 'con_1' },
      { at: T0 + 24 * H, intent: 'delivery', conversation: 'con_2', author: 'customer' },
    ],
    contacts: [
      { intent: 'delivery', at: 0, repeat: false, context: null },
      { intent: 'delivery', at: 24 * H, repeat: true, context: false },
    ],
  },
  {
    name: 'told to the agent first, then asked of the bot in the next conversation: a repeat without context',
    steps: [
      { at: T0, intent: 'human_agent', conversation: 'con_1' },
      { at: T0 + 5 * M, intent: 'delivery', conversation: 'con_1', author: 'customer' },
      { at: T0 + 6 * H, intent: 'delivery', conversation: 'con_2' },
    ],
    contacts: [
      { intent: 'delivery', at: 5 * M, repeat: false, context: null },
      { intent: 'delivery', at: 6 * H, repeat: true, context: false },
    ],
  },
];

describe('repeat contacts: topics raised while an agent holds the conversation', () => {
  for (const c of agentTimeCases) {
    it(c.name, () => {
      expect(foldWithIntents(c.steps)).toEqual(c.contacts);
      expect(foldWithIntents(c.steps, 1)).toEqual(c.contacts);
    });
  }
});

describe('repeat contacts: the rules at their edges', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(fold(c.steps)).toEqual(c.contacts);
      // The same whatever the batches the fold happened to take them in.
      expect(fold(c.steps, 1)).toEqual(c.contacts);
    });
  }

  it('a later seq with an earlier time, in one batch, is folded in time order (not into a later contact)', () => {
    // seq 2 is stamped before seq 1 by a server whose clock is 5 min behind.
    expect(
      fold([
        { at: T0 + 2 * H, seq: 1 },
        { at: T0 + 2 * H - 5 * M, seq: 2 },
        { at: T0, seq: 3 },
      ]),
    ).toEqual([
      { at: 0, repeat: false, context: null },
      { at: 2 * H - 5 * M, repeat: true, context: true },
    ]);
  });

  it('keeps the 30-min sitting rule strict: 30 min exactly starts a new contact', () => {
    expect(fold([{ at: T0 }, { at: T0 + SAME_CONTACT_MS }])).toEqual([
      { at: 0, repeat: false, context: null },
      { at: SAME_CONTACT_MS, repeat: true, context: true },
    ]);
  });
});
