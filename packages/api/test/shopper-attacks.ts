// The reviewers' attack format (review-u, review-y): a shopper's conversation and what a careful shop
// assistant answers to its last turn, judged against the engine. A `test` is an attack that holds; a
// `test.fails` is a known, named break whose `gave` records what the engine said and whose assertion
// is what it should say — so the break shows up the day it is fixed.
import { describe, expect, test } from 'vitest';
import type { AnswerEngine, EngineResult } from '../src/knowledge/engine/answer-engine';
import { converseWith } from './demo-engine';

export type OneOrMany = string | string[];

export interface Attack {
  /** The shopper's turns, "||"-separated; the last answer is judged. */
  say: string;
  article?: OneOrMany;
  /** A product the answer must be about (null: about no single product). */
  product?: OneOrMany | null;
  /** A product the answer must not be about. */
  notProduct?: string;
  attr?: OneOrMany;
  /** The reply must say this (the fact a careful assistant would give). */
  text?: RegExp;
  /** The reply must not say this (the wrong fact). */
  notText?: RegExp;
  notArticle?: string[];
  /** An answer, not an ask-back or an off-topic refusal. */
  answered?: boolean;
  /** Breaks only: what the engine answered when the attack was written. */
  gave?: string;
  /** Breaks only: what a careful assistant answers instead. */
  should?: string;
  /** A break fixed since (by whom): a `test` now; `gave` / `should` kept as the record. */
  fixedBy?: string;
}

const anyOf = (v: OneOrMany): string[] => (Array.isArray(v) ? v : [v]);

export function judgeAttack(a: Attack, engine: AnswerEngine): void {
  const turns = a.say.split('||').map((t) => t.trim());
  const r: EngineResult = converseWith(engine, turns);
  const label = a.say;
  if (a.article !== undefined) expect(anyOf(a.article), `${label}: article`).toContain(r.articleId);
  if (a.product === null) expect(r.productId, `${label}: no single product`).toBeNull();
  else if (a.product !== undefined) expect(anyOf(a.product), `${label}: product`).toContain(r.productId);
  if (a.notProduct) expect(r.productId, `${label}: not ${a.notProduct}`).not.toBe(a.notProduct);
  if (a.attr !== undefined) expect(anyOf(a.attr), `${label}: attribute`).toContain(r.attribute);
  if (a.text) expect(r.text, `${label}: says`).toMatch(a.text);
  if (a.notText) expect(r.text, `${label}: does not say`).not.toMatch(a.notText);
  for (const n of a.notArticle ?? []) expect(r.articleId, `${label}: not ${n}`).not.toBe(n);
  if (a.answered) {
    expect(r.action, `${label}: not asked back`).not.toBe('clarify');
    expect(r.action, `${label}: not refused`).not.toBe('decline');
  }
}

/** One kind of attack: its holds as tests, its open breaks as `test.fails`, fixed breaks as tests. */
export function runAttacks(kind: string, holds: Attack[], breaks: Attack[], engine: AnswerEngine): void {
  describe(kind, () => {
    for (const h of holds) test(`holds: ${h.say}`, () => judgeAttack(h, engine));
    for (const b of breaks) {
      if (!b.gave || !b.should)
        throw new Error(`a break says what the engine gave and should give: ${b.say}`);
      if (b.fixedBy) test(`fixed by ${b.fixedBy}: ${b.say} (gave ${b.gave})`, () => judgeAttack(b, engine));
      // A break: the engine gave `b.gave`; the assertion is `b.should`, so this test fails today.
      else test.fails(`break: ${b.say} (gave ${b.gave})`, () => judgeAttack(b, engine));
    }
  });
}

/** What only the cross-border route says (a bonded warehouse, customs clearance): wrong of domestic goods. */
export const BONDED = /保税|清关|bonded|customs/i;
/** The sunscreen's reapply advice (the light sunscreen's usage article), wrong of other goods. */
export const REAPPLY = /游泳|补涂|reapply|swimming/i;

/** A held-out set's cases of one kind, each a plain test judged like an attack. */
export function runCases(kind: string, list: Attack[], engine: AnswerEngine): void {
  describe(kind, () => {
    for (const a of list) test(a.say, () => judgeAttack(a, engine));
  });
}
