import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EvalReport,
  evaluateIntentSplit,
  evaluateQuestions,
  type IntentSplitReport,
  parseEvalQuestions,
  parseLabelledCsv,
} from '../src/knowledge/evaluation';
import { createTestApi, type TestApi, UNLIMITED } from './harness';

const evalFile = (name: string) =>
  parseEvalQuestions(readFileSync(fileURLToPath(new URL(`../eval/${name}`, import.meta.url)), 'utf8'));

// The dev set, run through the real /v1/messages and /v1/channels/:channel/messages routes.
const devQuestions = evalFile('dev-questions.jsonl');
// The independent shopper set: written apart from the knowledge and the dev set, one group per
// kind of real shopper text (English, pinyin, typos, livestream comments, small talk, requests
// for a person, complaints, two questions in one, things the shop does not sell…).
const shopperQuestions = evalFile('shopper-questions.jsonl');

describe('AI answers on the demo store dev questions (regression thresholds)', () => {
  let api: TestApi;
  let report: EvalReport;
  beforeAll(async () => {
    // Hundreds of sessions and sends in a minute from one address: the eval measures answers, not limits.
    api = await createTestApi({ rateLimits: UNLIMITED });
    report = await evaluateQuestions(api.app, devQuestions);
  }, 120_000);
  afterAll(() => api.close());

  it('recognises the intent of at least 93% of the questions', () => {
    expect(report.total).toBe(devQuestions.length);
    expect(report.intentAccuracy).toBeGreaterThanOrEqual(0.93);
  });

  it('cites the expected article first for at least 88% of the questions that have one', () => {
    expect(report.articleTop1).toBeGreaterThanOrEqual(0.88);
  });

  it('names the expected product (from the message or the cross-channel context) for at least 95%', () => {
    expect(report.productAccuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('declines every out-of-scope question and wrongly declines almost no in-scope one', () => {
    expect(report.outOfScopeRejection).toBe(1);
    expect(report.falseRejections).toBeLessThanOrEqual(1);
  });
});

describe('AI answers on the independent shopper set (regression thresholds)', () => {
  let api: TestApi;
  let report: EvalReport;
  beforeAll(async () => {
    // Hundreds of sessions and sends in a minute from one address: the eval measures answers, not limits.
    api = await createTestApi({ rateLimits: UNLIMITED });
    report = await evaluateQuestions(api.app, shopperQuestions);
  }, 180_000);
  afterAll(() => api.close());

  it('has at least 150 questions on all 12 channels, each kind of the issue represented', () => {
    expect(report.total).toBeGreaterThanOrEqual(150);
    const channels = new Set(shopperQuestions.map((q) => q.channel));
    expect(channels.size).toBe(12);
    for (const kind of [
      'human_request',
      'complaint',
      'english',
      'pinyin',
      'colloquial',
      'ellipsis',
      'context_product',
      'category_word',
      'price',
      'clarify',
      'smalltalk',
      'out_of_scope',
      'two_questions',
      'rambling',
      'traditional',
      'typo',
      'live_short',
      'not_carried',
      'bare_number',
      'order_id',
      'own_orders',
      'ticket_reason',
    ])
      expect(report.byKind[kind]?.total, kind).toBeGreaterThan(0);
  });

  it('recognises at least 85% of the intents, cites the right article for 80%, names the right product for 90%', () => {
    expect(report.intentAccuracy).toBeGreaterThanOrEqual(0.85);
    expect(report.articleTop1).toBeGreaterThanOrEqual(0.8);
    expect(report.productAccuracy).toBeGreaterThanOrEqual(0.9);
  });

  it('declines every out-of-scope question and escalates every request for a person', () => {
    const missed = report.rows.filter(
      (r) => r.question.expect.action === 'decline' && r.got.action !== 'decline',
    );
    expect(missed.map((r) => r.question.q)).toEqual([]);
    expect(report.outOfScopeRejection).toBe(1);
    const notEscalated = report.rows.filter(
      (r) => r.question.expect.action === 'escalate' && r.got.status !== 'queued',
    );
    expect(notEscalated.map((r) => r.question.q)).toEqual([]);
    expect(report.humanEscalation).toBe(1);
  });

  it('answers in the language of the question (English system texts, Traditional for Traditional)', () => {
    expect(report.languageAccuracy).toBe(1);
  });
});

// The reviewer's blind set: 169 shopper messages on the 12 channels, written before the reviewer
// read the engine or the other sets, scored before any change of the review (intent 79.9%,
// article 76.1%, human requests escalated 59.1%, fully right 74.0%). The floors sit a few points
// under what the engine reaches now, so a regression fails CI while noise does not.
// What the review reached is in packages/api/README.md (AI figures); the floors sit below it.
const REVIEW_FLOOR = {
  intent: 0.92,
  article: 0.87,
  product: 0.95,
  fullyRight: 0.87,
  human: 0.9,
  wronglyDeclined: 2,
};
const reviewQuestions = evalFile('review-questions.jsonl');

describe("AI answers on the reviewer's blind set (regression thresholds)", () => {
  let api: TestApi;
  let report: EvalReport;
  beforeAll(async () => {
    api = await createTestApi({ rateLimits: UNLIMITED });
    report = await evaluateQuestions(api.app, reviewQuestions);
  }, 180_000);
  afterAll(() => api.close());

  it('has 169 lines on all 12 channels', () => {
    expect(report.total).toBe(169);
    expect(new Set(reviewQuestions.map((q) => q.channel)).size).toBe(12);
  });

  it('keeps intent, article, product and fully-right accuracy above its floors', () => {
    expect(report.intentAccuracy).toBeGreaterThanOrEqual(REVIEW_FLOOR.intent);
    expect(report.articleTop1).toBeGreaterThanOrEqual(REVIEW_FLOOR.article);
    expect(report.productAccuracy).toBeGreaterThanOrEqual(REVIEW_FLOOR.product);
    expect(report.fullyRight).toBeGreaterThanOrEqual(REVIEW_FLOOR.fullyRight);
  });

  it('declines every out-of-scope line, hands over requests for a person, wrongly declines almost none', () => {
    expect(report.outOfScopeRejection).toBe(1);
    expect(report.humanEscalation).toBeGreaterThanOrEqual(REVIEW_FLOOR.human);
    expect(report.falseRejections).toBeLessThanOrEqual(REVIEW_FLOOR.wronglyDeclined);
  });
});

/** `shared/eval/banking77-train.csv` beside the repository (a test may read it; the product never does). */
function findBanking77(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 8; depth++) {
    const candidate = join(dir, 'shared', 'eval', 'banking77-train.csv');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return null;
}
const banking77 = findBanking77();

describe('intent learning beyond the store: Banking77 imported through /v1/kb/import', () => {
  let api: TestApi;
  let report: IntentSplitReport;
  beforeAll(async () => {
    if (!banking77) throw new Error('shared/eval/banking77-train.csv not found above the repository');
    // Hundreds of sessions and sends in a minute from one address: the eval measures answers, not limits.
    api = await createTestApi({ rateLimits: UNLIMITED });
    report = await evaluateIntentSplit(api.app, parseLabelledCsv(readFileSync(banking77, 'utf8')));
  }, 300_000);
  afterAll(() => api?.close());

  it('scores at least 88% on the held-out fifth, well above word TF-IDF nearest neighbour', () => {
    expect(report.intents).toBe(77);
    expect(report.heldOut).toBeGreaterThan(1900);
    expect(report.trained + report.heldOut).toBe(10_003);
    expect(report.accuracy).toBeGreaterThanOrEqual(0.88);
    expect(report.accuracy).toBeGreaterThan(report.baselineAccuracy + 0.05);
  });
});
