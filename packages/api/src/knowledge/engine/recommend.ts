import { ownValue } from '../../platform/own-property';
import { listAttribute } from '../catalog-stock';
import type { KnowledgeProduct } from './knowledge-base';
import type { ReadText } from './knowledge-index';
import type { ReplyLanguage } from './reply-language';
import { CHILD_LISTED, CHILD_WORDS } from './retail-lexicon';
import { isActionRequest } from './shopper-signals';
import { listIn } from './value-glossary';

/**
 * "do you have anything for dry skin", "which serum helps with dark spots", "anything good for oily
 * skin under 150 yuan", "100元以内适合油皮的有什么": a recommendation by skin type, skin concern and
 * budget, answered from the catalogue's own facts — the skin types a product lists, the concern its
 * name or ingredients name, its price — each product with why it fits. Nothing is recommended that
 * the catalogue does not say fits; over-budget matches are named as such, never passed off.
 *
 * Chinese questions without a budget are left to the merchant's recommendation articles (written
 * for them); English ones get the catalogue answer in English, and any question with a budget gets
 * it in either language (no article reads a price limit).
 */

export interface RecommendContext {
  read: ReadText;
  text: string;
  language: ReplyLanguage;
  products: KnowledgeProduct[];
  /** Products the message names outright or by a kind noun ("serum", "防晒"): the kind asked for. */
  kindIds: string[];
  /** Whether the merchant has a skin_recommendation intent (else product_recommendation). */
  intent: string;
}

export interface RecommendAnswer {
  action: 'answer';
  text: string;
  intent: string;
  articleId: null;
  productId: string | null;
  confidence: number;
  lowConfidence: false;
  outOfScope: false;
  quickReplies: string[];
  attribute: string;
  grounding: { articles: []; product: KnowledgeProduct | null; attribute: string };
}

/** Skin types a shopper names, the word of a product's `suitableSkin` list for each, and name words that aim at it. */
const SKIN = [
  {
    listed: '混合',
    zh: '混合性肌肤',
    en: 'combination skin',
    asked: /混油|混干|混合性|混合皮|混合肌|\bcombination\b|\bcombo skin\b/,
    aims: [] as string[],
  },
  {
    listed: '油',
    zh: '油性肌肤',
    en: 'oily skin',
    // Pores, blackheads and breakouts are how shoppers describe oily skin without naming it.
    asked:
      /油皮|油性|大油田|爱出油|毛孔|黑头|爆痘|长痘|闷痘|\boily\b|\bgreasy\b|\bpores?\b|\bblackheads?\b|\bbreak ?outs?\b|\bacne(?! marks?)\b|\bpimples?\b|\bzits?\b/,
    aims: ['控油'],
  },
  {
    listed: '干',
    zh: '干性肌肤',
    en: 'dry skin',
    asked:
      /干皮|干性|皮肤干|脱皮|起皮|\bdry skin\b|\bskin (?:is|gets|feels) (?:so |very |really )?dry\b|\bdehydrated skin\b|\bflak(?:y|ing|es)\b|\bpeeling\b/,
    aims: ['保湿', '水润', '补水'],
  },
  {
    listed: '敏感',
    zh: '敏感肌',
    en: 'sensitive skin',
    // Skin that reacts, stings or goes red with products is sensitive skin, named or not.
    asked:
      /敏感肌|敏感皮|皮肤敏感|容易过敏|一用就(?:红|痒|过敏|刺)|\bsensitive\b|\breactive\b|\breacts?\b|\breacting\b|\b(?:gets?|easily) irritated\b|\bgentle\b/,
    aims: ['敏感', '舒缓', '修护'],
  },
  {
    listed: '中性',
    zh: '中性肌肤',
    en: 'normal skin',
    asked: /中性皮|中性肌|\bnormal skin\b/,
    aims: [] as string[],
  },
];

/**
 * Skin concerns in shoppers' words, and the catalogue words (in a product's name, aliases or
 * ingredients) that address each: effects a name claims, actives a label lists. What a word means for the reply is said in the reply language.
 */
const CONCERNS = [
  {
    asked:
      /淡斑|斑点|色斑|痘印|提亮|美白|亮肤|暗沉|肤色不均|\bdark spots?\b|\bspots\b|\bpigmentation\b|\bbright(?:en|ening|er)?\b|\bdull(?:ness)?\b|\buneven (?:skin )?tone\b|\bwhiten(?:ing)?\b|\bacne marks?\b/,
    effects: ['亮肤', '美白', '提亮'],
    actives: ['烟酰胺'],
    zh: '提亮肤色',
    en: 'brightening and uneven tone',
  },
  {
    asked: /控油|出油|油光|\boil(?:-| )control\b|\bshine\b|\bshiny\b|\bgreas(?:e|y)\b/,
    effects: ['控油'],
    actives: [] as string[],
    zh: '控油',
    en: 'oil control',
  },
  {
    asked:
      /补水|保湿|缺水|干燥|紧绷|起皮|\bhydrat(?:e|ing|ion)\b|\bmoistur(?:e|ise|ize|ising|izing|iser|izer)\b|\bdryness\b|\btight\b/,
    effects: ['保湿', '补水', '水润'],
    actives: ['透明质酸', '玻尿酸'],
    zh: '补水保湿',
    en: 'hydration',
  },
  {
    asked:
      /泛红|舒缓|修护|屏障|刺激|\bredness\b|\bred\b|\bsooth(?:e|ing)\b|\bcalm(?:ing)?\b|\birritat(?:ed|ion)\b|\bbarrier\b/,
    effects: ['舒缓', '修护'],
    actives: ['积雪草'],
    zh: '舒缓修护',
    en: 'soothing and redness',
  },
];

/** Catalogue words a reason names, in English (an English reply never quotes them in Chinese). */
const REASON_WORDS: Record<string, string> = {
  亮肤: 'brightening',
  美白: 'brightening',
  提亮: 'brightening',
  烟酰胺: 'niacinamide',
  控油: 'oil control',
  保湿: 'moisturising',
  补水: 'hydrating',
  水润: 'hydrating',
  透明质酸: 'hyaluronic acid',
  玻尿酸: 'hyaluronic acid',
  舒缓: 'soothing',
  修护: 'repair',
  积雪草: 'centella (cica)',
  敏感: 'sensitive skin',
};

// Asking for a suggestion rather than about one product: "recommend", "anything for", "which … helps".
const ASKS_RECOMMENDATION =
  /推荐|有什么|有啥|有没有.{0,8}(?:适合|的)|用什么|用啥|用哪|哪款|哪个|哪种|买什么|买哪|选什么|选哪|什么好|\brecommend|\bsuggest|\banything\b|\bsomething\b|\bany(?: \w+){0,2} (?:for|that|to help)\b|\bwhat (?:do|would|should|can) (?:you|i)\b|\bwhat(?:'s| is| are)? (?:good|best|nice)\b|\bwhich\b|\bbest\b|\bgood for\b|\bhelps? (?:with|for)\b|\bwork(?:s)? (?:for|on)\b|\blooking for\b|\boptions?\b|\bproducts? for\b|\bwhat should i\b/;
// Words that ask for a suggestion even beside a product's name ("which serum helps with dark spots").
const ASKS_SUGGESTION =
  /推荐|哪款|哪个|哪种|有什么|有啥|用什么|用啥|\brecommend|\bsuggest|\banything\b|\bsomething\b|\bwhich\b|\bbest\b|\bany(?: \w+){0,2} (?:for|that|to help)\b|\bwhat (?:do|would|should|can) (?:you|i)\b|\bwhat(?:'s| is) good\b|\blooking for\b|\bhelps? (?:with|for)\b/;
// Shopping for someone else: a suggestion is wanted even with no recommending word.
const GIFT = /送给|送人|送礼|礼物|\bgifts?\b|\bpresents?\b/;
// A budget: "under 150 yuan", "below ¥80", "100元以内", "预算150以内", "不超过200".
const BUDGET = [
  /\b(?:under|below|less than|within|max(?:imum)?|up to|no more than|cheaper than|at most|budget(?: of| is)?)\s*(?:¥|rmb|cny|\$)?\s*(\d{2,5})/,
  /(?:预算|不超过|不到|低于|少于|最多)\s*(?:¥|rmb)?\s*(\d{2,5})/,
  /(\d{2,5})\s*(?:元|块钱?|rmb|yuan|¥)?\s*(?:以内|以下|之内|内|左右)/,
];
// Matters that are no recommendation whatever else they say (orders, returns, reactions).
const NOT_A_RECOMMENDATION =
  /退|换货|订单|物流|快递|发货|售后|过敏了|起疹|刺痛|怎么办|\b(?:refund|return|order|exchange|rash|reaction)\b|\bwhat (?:should|do|can) i do\b|\bafter (?:using|applying|i used|i put)\b|\bbroke out\b/;
// A baby audience: products listed for babies answer only questions about babies.

/** The price limit a message sets, or null. */
export function askedBudget(plain: string): number | null {
  for (const pattern of BUDGET) {
    const match = pattern.exec(plain);
    if (match) return Number(match[1]);
  }
  return null;
}

function labels(p: KnowledgeProduct): string {
  return [p.name, ...p.aliases].join(' ');
}

interface Candidate {
  product: KnowledgeProduct;
  reasons: string[];
  aims: number;
  spread: number;
}

/** A recommendation from the catalogue, or null when the message asks none (or the catalogue has no skin facts). */
export function recommendationAnswer(ctx: RecommendContext): RecommendAnswer | null {
  const { plain, normalized } = ctx.read;
  if (NOT_A_RECOMMENDATION.test(plain)) return null;
  // A price limit beside a skin type or concern ("gift for my mom, dry skin, under 300") is a call
  // for suggestions without a recommending word; so is a gift.
  const budget = askedBudget(plain);
  if (!ASKS_RECOMMENDATION.test(plain) && budget == null && !GIFT.test(plain)) return null;
  if (isActionRequest(normalized, ctx.text)) return null;
  const skin = SKIN.find((s) => s.asked.test(plain));
  const concern = CONCERNS.find((c) => c.asked.test(plain));
  if (!skin && !concern) return null;
  // A product named outright and asked about ("is the serum ok for dry skin") is no call for a
  // suggestion: the product's own facts answer that (product-facts).
  if (ctx.read.products.length > 0 && !ASKS_SUGGESTION.test(plain)) return null;
  // Chinese questions without a price limit: the merchant's articles are written for them.
  if (ctx.language !== 'en' && budget == null) return null;
  const en = ctx.language === 'en';
  const forBaby = CHILD_WORDS.test(plain);

  const pool = ctx.kindIds.length > 0 ? ctx.products.filter((p) => ctx.kindIds.includes(p.id)) : ctx.products;
  const matches: Candidate[] = [];
  for (const product of pool) {
    const listed = listAttribute(ownValue(product.attributes, 'suitableSkin'));
    if (!forBaby && listed.some((v) => CHILD_LISTED.test(v))) continue;
    const reasons: string[] = [];
    let aims = 0;
    if (skin) {
      if (!listed.some((v) => v.includes(skin.listed))) continue;
      reasons.push(
        en ? `listed for these skin types: ${listIn(listed, 'en')}` : `适合肤质写明有${listIn(listed, 'zh')}`,
      );
      aims += skin.aims.filter((w) => labels(product).includes(w)).length;
    }
    if (concern) {
      const ingredients = String(ownValue(product.attributes, 'ingredients') ?? '');
      const inName = concern.effects.filter((w) => labels(product).includes(w));
      const inLabel = concern.actives.filter((w) => labels(product).includes(w) || ingredients.includes(w));
      if (inName.length === 0 && inLabel.length === 0) continue;
      aims += inName.length * 2 + inLabel.length;
      if (inName.length > 0)
        reasons.push(
          en
            ? `made for ${[...new Set(inName.map((w) => REASON_WORDS[w] ?? w))].join(' and ')}`
            : `名字写明${inName.join('、')}`,
        );
      if (inLabel.length > 0)
        reasons.push(
          en
            ? `contains ${[...new Set(inLabel.map((w) => REASON_WORDS[w] ?? w))].join(' and ')}`
            : `含${inLabel.join('、')}`,
        );
    }
    matches.push({ product, reasons, aims, spread: listed.length || 9 });
  }
  // Nothing of the kind asked for has skin facts at all ("which jeans …"): no skin question about it.
  const skinFacts = pool.some((p) => listAttribute(ownValue(p.attributes, 'suitableSkin')).length > 0);
  if (matches.length === 0 && (ctx.kindIds.length === 0 || !skinFacts)) return null;

  // The category most matches are in leads (skincare before a foundation for "oily skin").
  const counts = new Map<string, number>();
  for (const m of matches)
    counts.set(m.product.category ?? '', (counts.get(m.product.category ?? '') ?? 0) + 1);
  const main = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  matches.sort(
    (a, b) =>
      b.aims - a.aims ||
      Number((b.product.category ?? '') === main) - Number((a.product.category ?? '') === main) ||
      a.spread - b.spread ||
      (a.product.price ?? 0) - (b.product.price ?? 0),
  );
  const within =
    budget == null ? matches : matches.filter((m) => m.product.price != null && m.product.price <= budget);
  const over = budget == null ? [] : matches.filter((m) => !within.includes(m));
  const chosen = within.slice(0, 3);

  const what = [
    skin ? (en ? skin.en : skin.zh) : null,
    concern ? (en ? concern.en : concern.zh) : null,
  ].filter(Boolean);
  const wanted = en ? what.join(', ') : what.join('、');
  const limit = budget == null ? '' : en ? ` within ¥${budget}` : `、¥${budget}以内`;
  const price = (p: KnowledgeProduct) => (p.price == null ? '' : en ? ` (¥${p.price})` : `（¥${p.price}）`);
  const line = (m: Candidate) =>
    en
      ? `• ${m.product.name}${price(m.product)}: ${m.reasons.join('; ')}`
      : `· ${m.product.name}${price(m.product)}：${m.reasons.join('；')}`;
  const cheapestOver = [...over].sort((a, b) => (a.product.price ?? 0) - (b.product.price ?? 0))[0];
  let text: string;
  if (chosen.length > 0) {
    text = en
      ? `For ${wanted}${limit}, from what our product details list:\n${chosen.map(line).join('\n')}`
      : `适合${wanted}${limit}的，按商品资料：\n${chosen.map(line).join('\n')}`;
    if (over.length > 0)
      text += en
        ? `\nOver your budget: ${over
            .slice(0, 2)
            .map((m) => `${m.product.name}${price(m.product)}`)
            .join('; ')}.`
        : `\n超出预算的还有：${over
            .slice(0, 2)
            .map((m) => `${m.product.name}${price(m.product)}`)
            .join('、')}。`;
  } else if (cheapestOver) {
    text = en
      ? `Nothing listed for ${wanted} is${limit}. The lowest-priced match is ${cheapestOver.product.name}${price(cheapestOver.product)}: ${cheapestOver.reasons.join('; ')}.`
      : `写明适合${what.join('、')}的商品里没有¥${budget}以内的。最便宜的是${cheapestOver.product.name}${price(cheapestOver.product)}：${cheapestOver.reasons.join('；')}。`;
  } else {
    // A kind was asked for ("which serum …") and none of that kind fits: say so, no stand-in.
    text = en
      ? `None of our product details list ${wanted} for that kind of product, so I won't guess. I can pass you to a person to check.`
      : `这类商品的资料里没有写明适合${wanted}的，我不乱推荐哦。需要的话可以转人工帮您看看～`;
  }
  const shown = chosen.length > 0 ? chosen : cheapestOver ? [cheapestOver] : [];
  return {
    action: 'answer',
    text,
    intent: ctx.intent,
    articleId: null,
    productId: shown.length === 1 ? shown[0]!.product.id : null,
    confidence: 1,
    lowConfidence: false,
    outOfScope: false,
    quickReplies: shown.map((m) => m.product.aliases[0] ?? m.product.name),
    attribute: 'suitableSkin',
    grounding: {
      articles: [],
      product: shown.length === 1 ? shown[0]!.product : null,
      attribute: 'suitableSkin',
    },
  };
}
