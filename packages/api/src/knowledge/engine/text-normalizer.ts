import { Converter as TraditionalConverter } from 'opencc-js/cn2t';
import { Converter } from 'opencc-js/t2cn';
import { normalizedInMessage } from './message-scope';
import { EMOJI_TERMS } from './retail-lexicon';

// Traditional (Taiwan/Hong Kong usage) → Simplified; built once, the dictionaries are large.
let toSimplified: ((text: string) => string) | undefined;
const HAN = /\p{Script=Han}/u;
const PICTOGRAPHIC = /\p{Extended_Pictographic}/u;
// Whether a character changes under conversion, learnt once per character: most shopper text is
// already Simplified, and the phrase-level conversion is the slowest step of normalising.
const changesUnderConversion = new Map<string, boolean>();

let toTraditional: ((text: string) => string) | undefined;

/**
 * True when the text has characters that only Traditional Chinese writes that way: they change
 * on the way to Simplified and are already what Traditional writes (so 么, which Taiwan's tables
 * turn into 幺, is not mistaken for a Traditional character).
 */
export function hasTraditional(text: string): boolean {
  for (const ch of text) {
    if (!HAN.test(ch)) continue;
    let changes = changesUnderConversion.get(ch);
    if (changes === undefined) {
      toSimplified ??= Converter({ from: 'tw', to: 'cn' });
      toTraditional ??= TraditionalConverter({ from: 'cn', to: 'tw' });
      changes = toSimplified(ch) !== ch && toTraditional(ch) === ch;
      if (changesUnderConversion.size < 50_000) changesUnderConversion.set(ch, changes);
    }
    if (changes) return true;
  }
  return false;
}

/**
 * Colloquial and regional variants rewritten to one standard form, applied to the knowledge base
 * and to shopper text alike, so "啥时候" meets "什么时候" and "几天" meets "多久". Only general
 * Chinese usage belongs here — nothing specific to one shop's catalogue.
 */
const VARIANTS: [RegExp, string, needs?: string][] = [
  // Cantonese written forms (Hong Kong / Guangdong shoppers): "口红有冇其他颜色" asks 有没有.
  [/有冇/g, '有没有'],
  [/冇/g, '没有'],
  [/系唔系|系咪|系不系/g, '是不是'],
  [/(\p{Script=Han})唔\1/gu, '$1不$1', '唔'],
  [/唔(?!该|好意思)/g, '不'],
  [/嘅/g, '的'],
  [/咩|乜嘢|乜/g, '什么'],
  [/点样/g, '怎么'],
  [/几时/g, '什么时候'],
  [/啲/g, '些'],
  [/啥/g, '什么'],
  // Chat shorthand in English ("do u have", "ur shop", "pls"); not inside words or "u盘".
  [/(?<![\p{L}\d])u(?![\p{L}\d'])/gu, 'you', 'u'],
  [/(?<![\p{L}\d])ur(?![\p{L}\d'])/gu, 'your', 'u'],
  [/(?<![\p{L}\d])(?:pls|plz)(?![\p{L}\d])/gu, 'please', 'p'],
  // The commonest English misspellings of the words an order is asked after with ("havent recieved
  // my oreder", "where is my parcle"): general spelling slips, read as the word meant.
  [/\brec(?:ie|i|e|ee)v(e|ed|es|ing)\b/g, 'receiv$1', 'r'],
  [/\b(?:oreder|ordr|oder|odrer|oredr|orderr|ordeer)(s)?\b/g, 'order$1', 'o'],
  [/\b(?:parcle|pacel|parsel|parcell|parcal)(s)?\b/g, 'parcel$1', 'p'],
  [/\bcontroll(s|ed|ing)?\b/g, 'control$1', 'c'],
  [/\b(?:retrun|retun|reutrn|retrn|retunr|retur)(s|ed|ing|able)?\b/g, 'return$1', 'r'],
  [/\b(?:pakage|packge|pakcage|pacakge|pckage|pakge|packag)(s)?\b/g, 'package$1', 'p'],
  [/咋/g, '怎么'],
  [/神马|甚么/g, '什么'],
  [/多长时间|多少天|多长|几天|多少时间/g, '多久'],
  [/几号|啥时候|什么时间/g, '什么时候'],
  [/能不能|可不可以|可以不可以|能否/g, '能'],
  [/有没有|有无/g, '有'],
  [/是不是|是否/g, '是'],
  [/会不会/g, '会'],
  [/要不要/g, '要'],
  [/(?:咨询|了解)一下/g, '咨询', '一'],
  // Goods sent or returned together ("能一起发吗", "一块退", "一并寄回"): one shipment or one return —
  // not offers used together (一起享受), which keeps its 一起.
  [/(?:一起|一块儿?|一同|一并)(?=发|寄|退|送)/g, '合并', '一'],
  // 油 typed as the same-sounding 有 in a skin said to be oily ("皮肤偏有", "肤质比较有").
  [/(?<=皮肤|肤质)(偏|比较|很|太|有点|特别)有(?=$|\s|的)/g, '$1油', '有'],
  // Everyday e-commerce synonyms: what a shop's FAQ calls one thing, shoppers call several.
  [/免(?:运费|快递费|邮费|运|邮)/g, '包邮'],
  [/快递费|邮费|寄费|运输费/g, '运费'],
  [/谁付|谁承担|谁负责|谁掏/g, '谁出'],
  [/淘宝直播|抖音直播|直播里/g, '直播间'],
  [/退钱/g, '退款'],
  // Water and sweat resistance ("防晒防水吗"): told where an article says to reapply after sweating or
  // swimming — the words the English gloss of "waterproof" reaches too (retail-lexicon).
  [/防水|防汗|耐水|耐汗/g, '$& 游泳 出汗', '防耐'],
  // Goods close to their expiry said in everyday words ("快过期的口红", "马上到期的坚果"): the trade's
  // 临期, which the shop's articles use (its return exception, its discount zone) — kept beside them.
  [/(?:快|快要|马上(?:就)?(?:要)?|即将|就要|临近|接近)(?:过期|到期|过保质期)/g, '$& 临期', '快马即就临接'],
  [/护理|养护/g, '保养'],
  [/压扁了?|压坏了?|摔坏了?|碎了|裂了|破了/g, '破损'],
  // "寄来的跟我下单的不是一个颜色", "这不是我拍的那款": what arrived is not what was ordered.
  [
    /(?:跟|和|与)(?:我)?(?:当时|当初|之前|下单时|原来)?(?:下单|买|拍|订|选)的(?:东西|商品|颜色|款式|型号|尺码|那款|那个)?(?:不是一个|不是同一个|不一样|不一致|不同|对不上)|不是我(?:下单|买|拍|订|选)的/g,
    '$& 发错',
    '的',
  ],
  [/(\d)\s*(?:公斤|千克)/g, '$1kg', '公千'],
  [/(\d)\s*(?:厘米|公分)/g, '$1cm', '厘公'],
  [/木有|没得/g, '没有'],
  [/嘛|(?<![什怎那这多要])么(?=\s|$)/g, '吗', '嘛么'],
  [/(?<=\p{Script=Han})不(?=\s|$)/gu, '吗', '不'],
  [/[亲]{2,}|宝子们?|家人们|集美们?|姐妹们?|老铁们?/g, ' ', '亲宝家集姐老'],
  [/请问|麻烦(?:问)?一下|麻烦/g, ' '],
  // Hedges in front of the question ("不知道能不能手洗" asks "能手洗吗").
  [/(?:我)?(?:不知道|想知道|不清楚|不确定)/g, ' ', '不想'],
  [/哦+|呀+|啊+|哈(?!喽)|呢+|吧+|噢+|嗯+|额+|呃+/g, ' '],
];

/**
 * The characters one of which every match of `pattern` starts with, or null when its source does
 * not say: each top-level alternative must begin with a plain literal character (no escape, class,
 * group, anchor or dot) that no quantifier makes optional. A text holding none of them cannot
 * match, so the rewrite is skipped (it would return the text unchanged).
 */
export function leadingCharacters(pattern: RegExp): Set<string> | null {
  if (pattern.flags.includes('i')) return null;
  const source = pattern.source;
  const alternatives: string[] = [];
  let depth = 0;
  let inClass = false;
  let start = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      alternatives.push(source.slice(start, i));
      start = i + 1;
    }
  }
  alternatives.push(source.slice(start));
  const leads = new Set<string>();
  for (const alternative of alternatives) {
    const point = alternative.codePointAt(0);
    if (point === undefined) return null;
    const lead = String.fromCodePoint(point);
    if ('\\^$.|?*+()[]{}'.includes(lead)) return null;
    const next = alternative[lead.length];
    if (next === '?' || next === '*' || next === '{') return null;
    leads.add(lead);
  }
  return leads;
}

// Each rewrite with characters one of which every match holds (null: always tried): the ones its
// source starts each alternative with, or, where the source does not show them at the start, the
// ones written beside the rewrite (a character every alternative needs somewhere).
const VARIANT_STEPS = VARIANTS.map(([pattern, replacement, needs]) => ({
  pattern,
  replacement,
  leads: needs ? [...needs] : leadingCharacters(pattern) && [...leadingCharacters(pattern)!],
}));

/**
 * A size written in Chinese numerals ("二十六码", "还有二十七的吗", "穿二十八的"): the number a
 * catalogue lists sizes by. Only beside 码 / 寸 or asked to be had or worn — "二十四小时", "十天" stay.
 */
const CHINESE_SIZE_NUMBER =
  /([二三四五六七八九]?十[一二三四五六七八九]?)(?=\s*(?:码|寸))|(?<=(?:有|穿)\s*)([二三四五六七八九]?十[一二三四五六七八九]?)(?=\s*的)/g;
const CHINESE_DIGITS = '一二三四五六七八九';

/** `CHINESE_SIZE_NUMBER` written in digits ("牛仔裤还有二十七的吗" → "牛仔裤还有27的吗"). */
export function withArabicSizes(text: string): string {
  if (!text.includes('十')) return text;
  return text.replace(CHINESE_SIZE_NUMBER, (numeral: string) => {
    const [tens, ones] = numeral.split('十') as [string, string];
    return String(
      (tens ? CHINESE_DIGITS.indexOf(tens) + 1 : 1) * 10 + (ones ? CHINESE_DIGITS.indexOf(ones) + 1 : 0),
    );
  });
}

/**
 * Shopper text → the canonical form the engine matches on: full-width forms folded (NFKC),
 * Traditional → Simplified, lower case, punctuation and emoji gone, colloquial variants unified.
 */
export function normalizeText(text: string): string {
  return normalizedInMessage(text, normalizeOnce);
}

function normalizeOnce(text: string): string {
  let out = text.normalize('NFKC');
  if (HAN.test(out) && hasTraditional(out)) {
    toSimplified ??= Converter({ from: 'tw', to: 'cn' });
    out = toSimplified(out);
  }
  if (PICTOGRAPHIC.test(out)) {
    for (const [emoji, words] of EMOJI_TERMS) out = out.replace(emoji, words);
  }
  out = out.toLowerCase().replace(/[\p{P}\p{S}\p{Cc}\p{Z}]+/gu, ' ');
  // Most rewrites cannot match a given text: one whose needed characters are all absent is
  // skipped (its replace would return the text unchanged). A message is short, so looking for a
  // character in it costs less than a Set of its characters.
  for (const { pattern, replacement, leads } of VARIANT_STEPS) {
    if (leads) {
      let possible = false;
      for (const lead of leads) {
        if (out.includes(lead)) {
          possible = true;
          break;
        }
      }
      if (!possible) continue;
    }
    out = out.replace(pattern, replacement);
  }
  out = withArabicSizes(out);
  return out.replace(/\s+/g, ' ').trim();
}
