// bot-g's held-out set (bot-g-heldout-cases.ts): questions written before the fixes and never
// tuned on. The score is asserted at the level reached (27 of 38 after bot-g's fixes, 16 before; 29 after bot-i's kinds), so a
// change that loses held-out answers shows here; the misses still left are listed in
// docs/notes/bot-g.md.
import { describe, expect, it } from 'vitest';
import { HELD_OUT, meets } from './bot-g-heldout-cases';
import { converseWith, demoEngine } from './demo-engine';

describe('bot-g held-out questions', () => {
  it('answers at least 29 of the 38 as the knowledge says', () => {
    const engine = demoEngine();
    const missed: string[] = [];
    for (const c of HELD_OUT) {
      const result = converseWith(engine, c.q.split(' || '));
      if (!meets(c, result)) missed.push(`${c.q} → ${result.action} ${result.intent}/${result.articleId}`);
    }
    expect(HELD_OUT.length).toBe(38);
    expect(missed.length, missed.join('\n')).toBeLessThanOrEqual(9);
  });
});
