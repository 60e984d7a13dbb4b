import type { ReplyLanguage } from './reply-language';

/**
 * The catalogue's controlled values in the reply's language. Merchants fill skin types, fibres and
 * places of origin from a short list of words; an English reply renders them in English instead of
 * quoting "油性, 混合性" mid-sentence. A value is rendered only when every Chinese word in it is in
 * the glossary — anything else is the merchant's free text and stays as written (a half-translated
 * value would be worse than the original). Product names are never rendered here.
 */

// Longest first: "混合性" before "混合", "粘胶纤维" before "纤维".
const WORDS: [string, string][] = [
  // Skin types (suitableSkin)
  ['混合性肌肤', 'combination skin'],
  ['干性肌肤', 'dry skin'],
  ['油性肌肤', 'oily skin'],
  ['中性肌肤', 'normal skin'],
  ['过敏肤质', 'allergy-prone skin'],
  ['混合性', 'combination'],
  ['混合肌', 'combination'],
  ['敏感肌', 'sensitive'],
  ['敏感性', 'sensitive'],
  ['婴幼儿', 'babies and toddlers'],
  ['干性', 'dry'],
  ['油性', 'oily'],
  ['中性', 'normal'],
  ['所有肤质', 'all skin types'],
  ['孕妇', 'pregnant women'],
  // Fibres and materials (material)
  ['粘胶纤维', 'viscose'],
  ['聚酯纤维', 'polyester'],
  ['羊毛', 'wool'],
  ['羊绒', 'cashmere'],
  ['锦纶', 'nylon'],
  ['氨纶', 'elastane'],
  ['涤纶', 'polyester'],
  ['真丝', 'silk'],
  ['棉', 'cotton'],
  ['麻', 'linen'],
  ['微弹', 'slight stretch'],
  ['面料', 'fabric'],
  ['里衬', 'lining'],
  // Places of origin (origin)
  ['中国', 'China'],
  ['澳大利亚', 'Australia'],
  ['新西兰', 'New Zealand'],
  ['日本', 'Japan'],
  ['韩国', 'Korea'],
  ['法国', 'France'],
  ['上海', 'Shanghai'],
  ['广州', 'Guangzhou'],
  ['花都', 'Huadu'],
  ['浙江', 'Zhejiang'],
  ['杭州', 'Hangzhou'],
  ['桐乡', 'Tongxiang'],
  ['内蒙古', 'Inner Mongolia'],
  ['锡林郭勒', 'Xilingol'],
  ['福建', 'Fujian'],
  ['晋江', 'Jinjiang'],
];
const SORTED = [...WORDS].sort((a, b) => b[0].length - a[0].length);
const HAN = /\p{Script=Han}/u;
const PUNCTUATION: [RegExp, string][] = [
  [/[，、；]/g, ', '],
  [/·/g, ', '],
  [/（/g, ' ('],
  [/）/g, ')'],
  [/：/g, ': '],
];

/** One value in English when every Chinese word of it is a controlled word; else null. */
export function englishValue(value: string): string | null {
  let out = value;
  for (const [zh, en] of SORTED) out = out.split(zh).join(` ${en} `);
  if (HAN.test(out)) return null;
  for (const [pattern, to] of PUNCTUATION) out = out.replace(pattern, to);
  return out
    .replace(/\s+/g, ' ')
    .replace(/\s+([,):])/g, '$1')
    .replace(/\(\s+/g, '(')
    .replace(/(\d%)\s*/g, '$1 ')
    .trim();
}

/** A value as an English reply shows it: rendered when controlled, else the merchant's words. */
export function valueIn(value: string, language: ReplyLanguage): string {
  if (language !== 'en') return value;
  return englishValue(value) ?? value;
}

/** A list of values ("油性、混合性") joined for the reply language, each rendered when it can be. */
export function listIn(values: readonly string[], language: ReplyLanguage): string {
  return values.map((v) => valueIn(v, language)).join(language === 'en' ? ', ' : '、');
}
