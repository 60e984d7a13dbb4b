// bot-i's held-out set (bot-i-heldout-cases.ts): questions written before the fixes and never
// tuned on. The score is asserted at the level reached (25 of 43 on main fc39a03 before the
// fixes, 33 after), so a change that loses held-out answers shows here; the misses still left
// are listed in docs/notes/bot-i.md.
import { describe, expect, it } from 'vitest';
import { HELD_OUT, meets } from './bot-i-heldout-cases';
import { converseWith, demoEngine } from './demo-engine';

describe('bot-i held-out questions', () => {
  it('answers at least 33 of the 43 as the knowledge says', () => {
    const engine = demoEngine();
    const missed: string[] = [];
    for (const c of HELD_OUT) {
      const result = converseWith(engine, c.q.split(' || '));
      if (!meets(c, result))
        missed.push(
          `${c.q} → ${result.action} ${result.intent}/${result.articleId}/${result.productId} «${result.text.slice(0, 80)}»`,
        );
    }
    expect(HELD_OUT.length).toBe(43);
    expect(missed.length, missed.join('\n')).toBeLessThanOrEqual(10);
  });
});
