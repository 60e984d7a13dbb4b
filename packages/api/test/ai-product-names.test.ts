// Product names in the conversation's language: an English conversation gets the catalogue's
// English names (`attributes.names.en`) on its product chips and in its text, the bot recognises
// them when tapped, and a catalogue without them keeps its own names — tapping one of those keeps
// the conversation English. Chinese conversations are unchanged.
import { kbProductBody } from '@threadline/sdk-core/protocol';
import { describe, expect, it } from 'vitest';
import { type ConversationMemory, createAnswerEngine } from '../src/knowledge/engine/answer-engine';
import { createKnowledgeIndex } from '../src/knowledge/engine/knowledge-index';
import { demoKnowledge } from './demo-knowledge';

const HAN = /\p{Script=Han}/u;
const kb = demoKnowledge();
const engine = createAnswerEngine(createKnowledgeIndex(kb));
const englishNames = new Set(kb.products.map((p) => (p.attributes.names as { en: string }).en));
const ask = (text: string, memory: ConversationMemory = {}) =>
  engine.answer({ text, channel: 'web', memory });

describe('product chips and names in an English conversation', () => {
  it('every demo product has an English name', () => {
    expect(englishNames.size).toBe(kb.products.length);
  });

  it.each([['how much is the sunscreen'], ['what about the lipstick?']])(
    '"%s": chips without Chinese, naming the products in English',
    (text) => {
      const result = ask(text);
      expect(result.language).toBe('en');
      expect(result.quickReplies.length).toBeGreaterThan(0);
      expect(result.quickReplies.filter((chip) => HAN.test(chip))).toEqual([]);
      expect(result.quickReplies.some((chip) => [...englishNames].some((name) => chip.includes(name)))).toBe(
        true,
      );
      expect(result.text).not.toMatch(HAN);
    },
  );

  it('names the products in English in the text', () => {
    const result = ask('do you have sunscreen?');
    expect(result.language).toBe('en');
    expect(result.text).toContain('Light Oil-Control Sunscreen SPF50+');
    expect(result.text).toContain('Sensitive-Skin Mineral Sunscreen SPF30');
    expect(result.text).not.toMatch(HAN);
  });

  it('a tapped English chip is recognised: the product, answered in English', () => {
    const first = ask('how much is the sunscreen');
    const chip = first.quickReplies[0]!;
    const product = kb.products.find((p) => chip.startsWith((p.attributes.names as { en: string }).en))!;
    expect(product).toBeDefined();
    const tapped = ask(chip, first.memory);
    expect(tapped).toMatchObject({ action: 'answer', productId: product.id, language: 'en' });
    expect(tapped.text).toContain((product.attributes.names as { en: string }).en);
    expect(tapped.text).toContain(`¥${product.price}`);
    expect(tapped.text).not.toMatch(HAN);
    // The bare English name, typed or tapped, is the product too.
    const named = ask('Velvet Matte Lipstick', first.memory);
    expect(named).toMatchObject({ productId: 'p-velvet-lipstick', language: 'en' });
  });

  it('a Chinese conversation keeps the catalogue’s Chinese names', () => {
    for (const text of ['防晒多少钱', '口红怎么样']) {
      const result = ask(text);
      expect(result.language).toBe('zh');
      expect(result.quickReplies.length).toBeGreaterThan(0);
      for (const chip of result.quickReplies) expect(chip).toMatch(HAN);
      expect(result.text).not.toMatch(/Lipstick|Sunscreen/);
    }
  });

  it('without English names the catalogue’s own names stay; tapping them keeps the conversation English', () => {
    const bare = demoKnowledge();
    for (const product of bare.products) delete product.attributes.names;
    const plain = createAnswerEngine(createKnowledgeIndex(bare));
    const ask = (text: string, memory: ConversationMemory = {}) =>
      plain.answer({ text, channel: 'web', memory });
    const first = ask('how much is the sunscreen');
    expect(first.language).toBe('en');
    // "清透防晒 price": the product's own name in an English chip.
    const chip = first.quickReplies[0]!;
    expect(chip).toMatch(HAN);
    const tapped = ask(chip, first.memory);
    expect(tapped).toMatchObject({ action: 'answer', productId: 'p-sunscreen-light', language: 'en' });
    expect(tapped.text).toMatch(/costs ¥139/);
    // A bare Chinese name keeps the conversation's language, whichever it is.
    expect(ask('澜悦丝绒雾面口红', first.memory).language).toBe('en');
    expect(ask('澜悦丝绒雾面口红', ask('口红怎么样').memory).language).toBe('zh');
    // Chinese words around a name are Chinese, in any conversation.
    expect(ask('清透防晒多少钱', first.memory).language).toBe('zh');
  });

  it('the import refuses a malformed `names` with its path', () => {
    const product = { id: 'p-1', name: '面霜' };
    expect(kbProductBody.safeParse({ ...product, attributes: { names: { en: 'Cream' } } }).success).toBe(
      true,
    );
    for (const names of ['Cream', ['Cream']]) {
      const parsed = kbProductBody.safeParse({ ...product, attributes: { names } });
      expect(parsed.success, JSON.stringify(names)).toBe(false);
      expect(parsed.error?.issues.map((i) => i.path)).toEqual([['attributes', 'names']]);
    }
    // A bad entry is named by its own path; the good entries beside it are not reported.
    for (const [names, bad] of [
      [{ en: 42 }, 'en'],
      [{ en: '' }, 'en'],
      [{ en: 'Cream', fr: ' ' }, 'fr'],
      [{ 'not a tag': 'Cream', ja: 'クリーム' }, 'not a tag'],
      [{ en: 'x'.repeat(201) }, 'en'],
    ] as const) {
      const parsed = kbProductBody.safeParse({ ...product, attributes: { names } });
      expect(parsed.success, JSON.stringify(names)).toBe(false);
      expect(parsed.error?.issues.map((i) => i.path)).toEqual([['attributes', 'names', bad]]);
      expect(parsed.error?.issues[0]?.message).toContain(
        bad === 'not a tag' ? 'not a language tag' : `names.${bad}`,
      );
    }
  });
});
