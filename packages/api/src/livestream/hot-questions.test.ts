import { describe, expect, it } from 'vitest';
import type { LiveQuestionInfo } from './comment-reader';
import { RoomWindow, type WindowComment } from './hot-questions';

const info = (key: string, answer: string | null = `answer to ${key}`): LiveQuestionInfo => ({
  key,
  label: key,
  intent: key,
  articleId: null,
  productId: null,
  productName: null,
  answer,
});

const HOT = { minAskers: 5, minShare: 0.2, maxHot: 3, maxListed: 50 };
const T0 = Date.UTC(2026, 4, 1, 12);

/** A small seeded PRNG so the random cases are the same on every run. */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a * 1664525 + 1013904223) >>> 0;
    return a / 2 ** 32;
  };
}

/** What the windows must say, counted the slow way: comments whose second is among the span's last seconds. */
function bruteForce(comments: WindowComment[], key: string | null, now: number, span: number) {
  const nowSec = Math.floor(now / 1000);
  const inside = comments.filter((c) => {
    const sec = Math.floor(c.at / 1000);
    return c.at <= now && sec > nowSec - span && (key === null || c.questionKey === key);
  });
  // A viewer counts once, in the second of their latest ask up to now.
  const latest = new Map<string, number>();
  for (const c of comments) {
    if (c.at > now || (key !== null && c.questionKey !== key)) continue;
    const sec = Math.floor(c.at / 1000);
    latest.set(c.viewerId, Math.max(latest.get(c.viewerId) ?? 0, sec));
  }
  const askers = [...latest.values()].filter((sec) => sec > nowSec - span).length;
  return { comments: inside.length, askers };
}

describe('RoomWindow', () => {
  it('counts comments and distinct askers over 1, 5 and 15 minutes exactly, however they arrive', () => {
    const random = prng(7);
    const keys = ['coupon', 'size', 'ship'];
    const comments: WindowComment[] = [];
    const arrival: number[] = [];
    for (let i = 0; i < 6000; i++) {
      // Arriving over 40 minutes in log order; one in ten made up to 20 s before it arrived.
      arrival.push(T0 + Math.floor((i / 6000) * 40 * 60_000));
      const at = arrival[i]! - (random() < 0.1 ? Math.floor(random() * 20_000) : 0);
      const question = random() < 0.6;
      comments.push({
        seq: i + 1,
        viewerId: `v${Math.floor(random() * 400)}`,
        customerId: 'c',
        nickname: null,
        text: 't',
        at,
        kind: question ? 'question' : 'filler',
        questionKey: question ? keys[Math.floor(random() * keys.length)]! : null,
        messageId: null,
      });
    }
    const window = new RoomWindow();
    for (const key of keys) window.know(info(key));
    let applied = 0;
    for (const checkpoint of [5, 12, 20, 31, 40]) {
      const now = T0 + checkpoint * 60_000;
      const arrived = comments.filter((c) => arrival[c.seq - 1]! <= now && c.seq > applied);
      window.apply(arrived);
      applied = Math.max(applied, ...arrived.map((c) => c.seq));
      const seen = comments.filter((c) => c.seq <= applied);
      const view = window.view(now, HOT);
      for (const key of keys) {
        const q = view.questions.find((v) => v.info.key === key)!;
        for (const [name, span] of [
          ['m1', 60],
          ['m5', 300],
          ['m15', 900],
        ] as const) {
          const expected = bruteForce(seen, key, now, span);
          expect([checkpoint, key, name, q.counts[name], q.askers[name]]).toEqual([
            checkpoint,
            key,
            name,
            expected.comments,
            expected.askers,
          ]);
        }
      }
      expect(view.totals.comments.m5).toBe(bruteForce(seen, null, now, 300).comments);
    }
  });

  it('makes a question hot when enough of the askers ask it, and not before', () => {
    const window = new RoomWindow();
    window.know(info('coupon'));
    window.know(info('other'));
    let seq = 0;
    const ask = (viewer: string, key: string, at: number) =>
      window.apply([
        {
          seq: ++seq,
          viewerId: viewer,
          customerId: 'c',
          nickname: viewer,
          text: key,
          at,
          kind: 'question',
          questionKey: key,
          messageId: null,
        },
      ]);
    // A busy room: 60 viewers over a minute, spread over six everyday questions (none near 20%).
    for (let k = 0; k < 6; k++) window.know(info(`other-${k}`));
    for (let i = 0; i < 60; i++) ask(`o${i}`, `other-${i % 6}`, T0 + i * 1000);
    ask('x1', 'coupon', T0 + 59_000);
    expect(window.view(T0 + 59_999, HOT).questions.find((q) => q.info.key === 'coupon')?.hot).toBe(false);
    for (let i = 0; i < 8; i++) ask(`c${i}`, 'coupon', T0 + 60_000 + i * 100);
    const view = window.view(T0 + 61_000, HOT);
    const coupon = view.questions.find((q) => q.info.key === 'coupon')!;
    expect(coupon.hot).toBe(true);
    expect(coupon.hotSince).toBe(T0 + 61_000);
    // The hot question leads the list; the everyday ones are listed, not hot.
    expect(view.questions.map((q) => [q.info.key, q.hot])[0]).toEqual(['coupon', true]);
    expect(view.questions.filter((q) => q.hot)).toHaveLength(1);
  });

  it('keeps at most maxHot questions hot: the ones most asked in the last 10 seconds', () => {
    const window = new RoomWindow();
    let seq = 0;
    // Five questions each asked by a fifth of the room, the later ones a little more.
    for (let k = 0; k < 5; k++) {
      window.know(info(`q${k}`));
      for (let i = 0; i < 6 + k; i++) {
        window.apply([
          {
            seq: ++seq,
            viewerId: `v${k}-${i}`,
            customerId: 'c',
            nickname: null,
            text: 'q',
            at: T0 + i * 100,
            kind: 'question',
            questionKey: `q${k}`,
            messageId: null,
          },
        ]);
      }
    }
    const view = window.view(T0 + 2_000, { ...HOT, minShare: 0.1 });
    expect(view.questions.filter((q) => q.hot).map((q) => q.info.key)).toEqual(['q4', 'q3', 'q2']);
  });

  it('waits each asker once: answered viewers do not wait again within the window, new askers do', () => {
    const window = new RoomWindow();
    window.know(info('coupon'));
    let seq = 0;
    const ask = (viewer: string, at: number) =>
      window.apply([
        {
          seq: ++seq,
          viewerId: viewer,
          customerId: `cus-${viewer}`,
          nickname: `nick-${viewer}`,
          text: '券',
          at,
          kind: 'question',
          questionKey: 'coupon',
          messageId: `m-${viewer}-${seq}`,
        },
      ]);
    ask('a', T0);
    ask('b', T0 + 1000);
    expect(window.waiting('coupon', T0 + 2000).map((w) => w.viewerId)).toEqual(['a', 'b']);
    window.markAnswered('coupon', ['a', 'b'], T0 + 2000, 1);
    expect(window.waiting('coupon', T0 + 2000)).toEqual([]);
    // A second ask within the window of the answer: no repeat.
    ask('a', T0 + 60_000);
    ask('c', T0 + 61_000);
    expect(window.waiting('coupon', T0 + 62_000).map((w) => w.viewerId)).toEqual(['c']);
    // Past the window, asking again is a new question.
    ask('a', T0 + 2000 + 15 * 60_000);
    const later = window.waiting('coupon', T0 + 2000 + 15 * 60_000);
    expect(later.map((w) => w.viewerId)).toEqual(['c', 'a']);
    // The answer replies to the asker's latest ask.
    expect(later[1]!.asker.messageId).toMatch(/^m-a-/);
  });

  it('skips comments it has already applied (a rebuild meeting the bus)', () => {
    const window = new RoomWindow();
    window.know(info('coupon'));
    const comment: WindowComment = {
      seq: 10,
      viewerId: 'v',
      customerId: 'c',
      nickname: null,
      text: '券',
      at: T0,
      kind: 'question',
      questionKey: 'coupon',
      messageId: null,
    };
    window.apply([comment]);
    // The rebuild read the log up to 10: a notice for anything at or below it is counted already.
    window.appliedThrough = 10;
    window.apply([comment, { ...comment, seq: 9 }]);
    expect(window.ingested).toBe(1);
    expect(window.view(T0, HOT).questions[0]!.counts.m1).toBe(1);
  });

  it('counts notices that arrive out of log order once each (batches committed by two processes)', () => {
    const window = new RoomWindow();
    window.know(info('coupon'));
    const ask = (seq: number, viewerId: string): WindowComment => ({
      seq,
      viewerId,
      customerId: `c-${viewerId}`,
      nickname: null,
      text: '券',
      at: T0,
      kind: 'question',
      questionKey: 'coupon',
      messageId: null,
    });
    // Process 2's later batch is heard first; process 1's earlier one arrives after it, then again.
    window.apply([ask(20, 'b'), ask(21, 'c')]);
    window.apply([ask(10, 'a'), ask(11, 'd')]);
    window.apply([ask(10, 'a'), ask(21, 'c')]);
    expect(window.ingested).toBe(4);
    expect(window.view(T0, HOT).questions[0]).toMatchObject({ counts: { m1: 4 }, askers: { m1: 4 } });
  });
});
