// bot-f's held-out set (bot-f-heldout-cases.ts): questions written before the fixes and never
// tuned on. The score is asserted at the level reached (38 of 44; 23 before the fixes), so a
// change that loses held-out answers shows here; the misses still left are listed in
// docs/notes/bot-f.md.
import { describe, expect, it } from 'vitest';
import { HELD_OUT, meets } from './bot-f-heldout-cases';
import { converseWith, demoEngine } from './demo-engine';

describe('bot-f held-out questions', () => {
  it('answers at least 38 of the 44 as the knowledge says', () => {
    const engine = demoEngine();
    const missed: string[] = [];
    for (const c of HELD_OUT) {
      const result = converseWith(engine, c.q.split(' || '));
      if (!meets(c, result)) missed.push(`${c.q} → ${result.action} ${result.intent}/${result.articleId}`);
    }
    expect(HELD_OUT.length).toBe(44);
    expect(missed.length, missed.join('\n')).toBeLessThanOrEqual(6);
  });
});
