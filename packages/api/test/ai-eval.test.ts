import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EvalReport, evaluateQuestions, parseEvalQuestions } from '../src/knowledge/evaluation';
import { createTestApi, type TestApi, UNLIMITED } from './harness';

// The dev set, run through the real /v1/messages and /v1/channels/:channel/messages routes.
const questions = parseEvalQuestions(
  readFileSync(fileURLToPath(new URL('../eval/dev-questions.jsonl', import.meta.url)), 'utf8'),
);

describe('AI answers on the demo store dev questions (regression thresholds)', () => {
  let api: TestApi;
  let report: EvalReport;
  beforeAll(async () => {
    // Hundreds of sessions and sends in a minute from one address: the eval measures answers, not limits.
    api = await createTestApi({ rateLimits: UNLIMITED });
    report = await evaluateQuestions(api.app, questions);
  }, 120_000);
  afterAll(() => api.close());

  it('recognises the intent of at least 93% of the questions', () => {
    expect(report.total).toBe(questions.length);
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
