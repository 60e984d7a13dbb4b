// bot-j's held-out set (bot-j-heldout-cases.ts): questions written before the fixes and never
// tuned on. The score is asserted at the level reached (22 of 36 on main 72dbd22 before the fixes,
// 29 after), so a change that loses held-out answers shows here; the misses still left are listed
// in docs/notes/bot-j.md.
import { describe, expect, it } from 'vitest';
import { HELD_OUT, meets } from './bot-j-heldout-cases';
import { converseWith, demoEngine } from './demo-engine';

describe('bot-j held-out questions', () => {
  it('answers at least 29 of the 36 as the knowledge says', () => {
    const engine = demoEngine();
    const missed: string[] = [];
    for (const c of HELD_OUT) {
      const result = converseWith(engine, c.q.split(' || '));
      if (!meets(c, result))
        missed.push(
          `${c.q} → ${result.action} ${result.intent}/${result.articleId}/${result.productId} «${result.text.slice(0, 80)}»`,
        );
    }
    expect(HELD_OUT.length).toBe(36);
    expect(missed.length, missed.join('\n')).toBeLessThanOrEqual(7);
  });
});
