import { ownValue } from '../../platform/own-property';
import type { KnowledgeProduct } from './knowledge-base';
import type { ReadText } from './knowledge-index';
import type { ReplyLanguage } from './reply-language';
import { isActionRequest, isQuestion } from './shopper-signals';

/**
 * Facts a product carries in its own words rather than in a field, answered yes or no:
 * - the stage and age range in its title ("3段（12-36个月）"): "奶粉几段的", "适合一岁宝宝吗",
 *   "is the formula ok for a 6 month old";
 * - a taste its ingredients show ("辣椒" → spicy, "白砂糖" → sweet): "牛肉干辣不辣", "is it salty";
 * - a use its name states ("洗发沐浴露二合一" → hair too): "宝宝沐浴露可以洗头吗".
 * Only what the catalogue says is claimed; the degree (how spicy) is said to be not listed. A use
 * the name does not state is left to the engine's honest "not listed" reply.
 */

export interface LabelContext {
  read: ReadText;
  text: string;
  language: ReplyLanguage;
  /** The products in question, surest first (named, then the conversation's). */
  products: KnowledgeProduct[];
  /** The shop's whole catalogue: products that do state a use asked about. */
  catalogue: readonly KnowledgeProduct[];
  /** The shop's articles: one about the product may say what its facts do not ("立体防漏边"). */
  articles?: readonly { title: string; answer: string }[];
}

export interface LabelAnswer {
  action: 'answer';
  text: string;
  intent: string;
  articleId: null;
  productId: string;
  confidence: number;
  lowConfidence: false;
  outOfScope: false;
  quickReplies: string[];
  attribute?: string;
  grounding: { articles: []; product: KnowledgeProduct; attribute?: string };
}

// An order already bought is after-sales, not a label question ("奶粉宝宝一岁了能退吗").
const AFTER_SALES = /退|换货|订单|物流|快递|售后|投诉|\b(?:refund|return|exchange|order)\b/;
// "辣不辣", "几段", "吗": asked, even without a question mark.
const ASKS_YES_NO =
  /(\p{Script=Han})[不没]\1|吗|么|几|多大|哪|\?|？|^(?:is|are|does|do|can|could|will|what|which|how)\b/iu;

const CN_DIGITS: Record<string, number> = {
  一: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
  十: 10,
  半: 0.5,
};
const EN_NUMBERS: Record<string, number> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
};

/** "一", "两", "十二", "3" → a number, or NaN. */
function numberOf(word: string): number {
  if (/^\d+(?:\.\d+)?$/.test(word)) return Number(word);
  if (Object.hasOwn(EN_NUMBERS, word)) return EN_NUMBERS[word]!;
  if (word === '十') return 10;
  if (word.startsWith('十')) return 10 + (CN_DIGITS[word[1]!] ?? Number.NaN);
  if (word.length === 2 && word[1] === '十') return (CN_DIGITS[word[0]!] ?? Number.NaN) * 10;
  return word.length === 1 ? (CN_DIGITS[word] ?? Number.NaN) : Number.NaN;
}

// "一岁", "1岁半", "两周岁", "六个月", "半岁", "8月龄", "6 month old", "two years old", "18 months".
const AGE_ZH =
  /(\d+|[一二两三四五六七八九十]{1,3}|半)\s*(?:周岁|岁)(半)?|(\d+|[一二两三四五六七八九十]{1,3})\s*(?:个)?月(?:龄|大)?/;
const AGE_EN =
  /\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)[\s-]*(months?|years?|yrs?|mos?)(?:[\s-]*old)?\b/;

/** The age a question names, in months, or null. */
export function askedAgeMonths(plain: string): number | null {
  const zh = AGE_ZH.exec(plain);
  if (zh) {
    if (zh[1] !== undefined) {
      const years = numberOf(zh[1]);
      if (Number.isNaN(years)) return null;
      return Math.round(years * 12 + (zh[2] ? 6 : 0));
    }
    const months = numberOf(zh[3]!);
    return Number.isNaN(months) ? null : months;
  }
  const en = AGE_EN.exec(plain);
  if (en) {
    const n = numberOf(en[1]!);
    if (Number.isNaN(n)) return null;
    return /^y/.test(en[2]!) ? n * 12 : n;
  }
  return null;
}

/** The age range (months) and stage a product's name or aliases state, if any. */
function labelledRange(product: KnowledgeProduct): { from: number; to: number; words: string } | null {
  for (const label of [product.name, ...product.aliases]) {
    const months = /(\d+)\s*[-~至到]\s*(\d+)\s*(?:个)?月/.exec(label);
    if (months) return { from: Number(months[1]), to: Number(months[2]), words: months[0] };
    const years = /(\d+)\s*[-~至到]\s*(\d+)\s*(?:周)?岁/.exec(label);
    if (years) return { from: Number(years[1]) * 12, to: Number(years[2]) * 12, words: years[0] };
  }
  return null;
}
function labelledStage(product: KnowledgeProduct): string | null {
  for (const label of [product.name, ...product.aliases]) {
    const stage = /(\d)\s*段/.exec(label);
    if (stage) return stage[1]!;
  }
  return null;
}

/** Whether the product's name or aliases state an age range or a stage (the formula's "3段 12-36个月"). */
export const labelsAge = (product: KnowledgeProduct): boolean =>
  labelledRange(product) !== null || labelledStage(product) !== null;

const ASKS_STAGE = /几段|哪一?段|什么段|\bwhich stage\b|\bwhat stage\b|\bstage\b/;
// An age said before 能/可以 ("一岁能喝吗", "8个月可以吗") needs its number: "这个月能一起开发票吗"
// names a month of the calendar, not an age.
const ASKS_AGE =
  /几个月|几岁|多大|月龄|年龄|适合.{0,6}(?:岁|月|宝宝|孩子|小孩|婴儿)|[\d一二两三四五六七八九十半几]\s*(?:个|周)?(?:岁|月)(?:龄|大|半)?.{0,4}(?:能|可以|适合)|\bhow old\b|\bwhat age\b|\bages?\b|\bmonths? old\b|\byears? old\b|\b\d+ months?\b|\btoddler\b|\bnewborn\b/;

function ageAnswer(ctx: LabelContext, product: KnowledgeProduct): LabelAnswer | null {
  const plain = ctx.read.plain;
  const stage = labelledStage(product);
  const range = labelledRange(product);
  const asksStage = ASKS_STAGE.test(plain);
  const asksAge = ASKS_AGE.test(plain);
  if ((!asksStage || !stage) && (!asksAge || !range)) return null;
  const en = ctx.language === 'en';
  const age = askedAgeMonths(plain);
  const years = (m: number) => (m % 12 === 0 ? `${m / 12}` : (m / 12).toFixed(1));
  const rangeText = range
    ? en
      ? `${range.from}–${range.to} months (${years(range.from)}–${years(range.to)} years)`
      : `${range.words}（${years(range.from)}-${years(range.to)}岁）`
    : '';
  const parts: string[] = [];
  if (stage) parts.push(en ? `${product.name} is stage ${stage}` : `${product.name}是${stage}段`);
  if (range)
    parts.push(
      en
        ? `${stage ? 'for' : `${product.name} is for`} ${rangeText}`
        : `${stage ? '' : product.name}写明适合${rangeText}`,
    );
  let text = en ? `${parts.join(', ')}.` : `${parts.join('，')}。`;
  if (age != null && range) {
    const asked = en ? `${age} months` : age % 12 === 0 ? `${age / 12}岁（${age}个月）` : `${age}个月`;
    const fits = age >= range.from && age <= range.to;
    text += fits
      ? en
        ? ` ${asked} is within that range.`
        : `${asked}在这个范围内，可以吃。`
      : en
        ? ` ${asked} is outside that range, so it is not the one for that age; our catalogue lists no other stage — I can pass you to a person.`
        : `${asked}不在这个范围内，不建议；店里没有写明其他段数的，需要的话可以转人工帮您看看。`;
  }
  return {
    action: 'answer',
    text,
    intent: 'product_info',
    articleId: null,
    productId: product.id,
    confidence: 1,
    lowConfidence: false,
    outOfScope: false,
    quickReplies: [],
    grounding: { articles: [], product },
  };
}

/** Tastes, the ingredient words that give each, and those words in English. */
const TASTES = [
  {
    asked: /辣不辣|辣吗|辣的吗|辣么|有辣|会辣|多辣|辣味|\bspicy\b|\bhot and spicy\b|\bchil(?:l)?i\b/,
    words: [
      ['辣椒', 'chilli'],
      ['花椒', 'Sichuan pepper'],
      ['麻辣', 'chilli'],
      ['胡椒', 'pepper'],
      ['芥末', 'mustard'],
    ],
    zh: '辣',
    en: 'spicy',
  },
  {
    asked: /甜不甜|甜吗|甜的吗|会甜|有甜|多甜|甜味|\bsweet\b|\bsugary\b|\bsugar\b/,
    words: [
      ['白砂糖', 'sugar'],
      ['砂糖', 'sugar'],
      ['蔗糖', 'sugar'],
      ['蜂蜜', 'honey'],
      ['果葡糖浆', 'syrup'],
      ['糖浆', 'syrup'],
      ['麦芽糖', 'maltose'],
      ['乳糖', 'lactose'],
      ['糖', 'sugar'],
    ],
    zh: '甜',
    en: 'sweet',
  },
  {
    asked: /咸不咸|咸吗|咸的吗|会咸|多咸|咸味|\bsalty\b|\bsalt\b/,
    words: [
      ['食用盐', 'salt'],
      ['盐', 'salt'],
      ['酱油', 'soy sauce'],
    ],
    zh: '咸',
    en: 'salty',
  },
  {
    asked: /酸不酸|酸吗|酸的吗|会酸|多酸|\bsour\b/,
    words: [
      ['柠檬', 'lemon'],
      ['醋', 'vinegar'],
      ['柠檬酸', 'citric acid'],
    ],
    zh: '酸',
    en: 'sour',
  },
];

function tasteAnswer(ctx: LabelContext, product: KnowledgeProduct): LabelAnswer | null {
  const ingredients = String(ownValue(product.attributes, 'ingredients') ?? '');
  if (!ingredients) return null;
  const taste = TASTES.find((t) => t.asked.test(ctx.read.plain));
  if (!taste) return null;
  const en = ctx.language === 'en';
  const found = taste.words.filter(([zh]) => ingredients.includes(zh!));
  // The longest word found stands for the shorter ones inside it (白砂糖, not also 糖).
  const shown = found.filter(([zh]) => !found.some(([other]) => other !== zh && other!.includes(zh!)));
  const names = [...new Set(shown.map(([zh, english]) => (en ? english! : zh!)))];
  const text =
    names.length > 0
      ? en
        ? `Yes, ${product.name} lists ${names.join(' and ')} in its ingredients, so it is ${taste.en}; how ${taste.en} is not stated.`
        : `${product.name}的配料里有${names.join('、')}，是有${taste.zh}味的；具体多${taste.zh}资料里没有写明。成分：${ingredients}。`
      : en
        ? `${product.name} lists nothing ${taste.en} (such as ${taste.words
            .slice(0, 2)
            .map(([, english]) => english)
            .join(' or ')}) in its ingredients, so going by the label it is not ${taste.en}.`
        : `${product.name}的配料里没有${taste.words
            .slice(0, 2)
            .map(([zh]) => zh)
            .join('、')}这类配料，按配料看不${taste.zh}。成分：${ingredients}。`;
  return {
    action: 'answer',
    text,
    intent: 'ingredients',
    articleId: null,
    productId: product.id,
    confidence: 1,
    lowConfidence: false,
    outOfScope: false,
    quickReplies: [],
    attribute: 'ingredients',
    grounding: { articles: [], product, attribute: 'ingredients' },
  };
}

/** Uses a shopper asks about, and the words a product's name or aliases state each with. */
const USES = [
  {
    asked: /洗头|洗头发|洗发|当洗发水|洗发水用|\bhair\b|\bshampoo\b/,
    words: ['洗发'],
    zh: '洗头',
    en: 'washing hair',
  },
  {
    asked: /洗澡|沐浴|洗身体|洗全身|\bbath\b|\bbody wash\b|\bshower\b/,
    words: ['沐浴'],
    zh: '洗澡',
    en: 'bathing',
  },
  {
    asked: /卸妆|\bremove makeup\b|\bmake-?up remov/,
    words: ['卸妆'],
    zh: '卸妆',
    en: 'removing makeup',
  },
  {
    asked:
      /防晒|\bsun protection\b|\bspf\b|\buv\b|\bprotects? (?:\w+ )?(?:from|against) (?:the )?(?:sun|uv)\b|\bsun ?block\b/,
    words: ['防晒', 'SPF'],
    zh: '防晒',
    en: 'sun protection',
  },
  // An effect a name may state as a quality ("水润保湿面霜", "清透控油防晒乳"): asked only when said
  // as what the product does or has ("有保湿效果", "能控油吗", "保湿吗"), so the word inside a name
  // ("保湿面霜能用多久") is not a question of it.
  {
    asked:
      /(?:有|带|能|可以|会)(?:没有)?(?:的)?保湿|保湿(?:的)?(?:效果|功效|作用|功能)|保湿(?:吗|不|么|嘛)|保不保湿|是保湿的|真的?保湿|\bmoisturi[sz](?:e|es|ing)\b|\bhydrat(?:e|es|ing)\b/,
    words: ['保湿'],
    zh: '保湿',
    en: 'moisturising',
    effect: true,
  },
  {
    asked:
      /(?:有|带|能|可以|会)(?:没有)?(?:的)?控油|控油(?:的)?(?:效果|功效|作用|功能)|控油(?:吗|不|么|嘛)|控不控油|是控油的|真的?控油(?!防晒)|\boil[- ]control|\bcontrols? (?:the )?oil\b/,
    words: ['控油'],
    zh: '控油',
    en: 'oil control',
    effect: true,
  },
  {
    asked:
      /(?:有|带|能|可以|会)(?:没有)?(?:的)?美白|美白(?:的)?(?:效果|功效|作用|功能)|美白(?:吗|不|么|嘛)|是美白的/,
    words: ['美白', '亮肤'],
    zh: '美白',
    en: 'brightening',
    effect: true,
  },
  {
    asked: /(?:有|带|能|可以|会)(?:没有)?(?:的)?祛痘|祛痘(?:的)?(?:效果|功效|作用|功能)|祛痘(?:吗|不|么|嘛)/,
    words: ['祛痘'],
    zh: '祛痘',
    en: 'acne care',
    effect: true,
  },
  {
    asked:
      /(?:有|带|能|可以|会)(?:没有)?(?:的)?防(?:侧|后)?漏|防(?:侧|后)?漏(?:的)?(?:效果|功效|作用|功能)|防(?:侧|后)?漏(?:吗|不)|\bleak[- ]?(?:proof|protection|guard)s?\b|\bprevents? leaks?\b/,
    words: ['防漏', '防侧漏'],
    zh: '防漏',
    en: 'leak protection',
    effect: true,
  },
];
/**
 * A kind of product named by its use ("防晒霜", "卸妆水", "sunscreen"): the product's name, not a use
 * asked — unless it is what the product would be used as ("能当洗发水用吗").
 */
const KIND_WITH_USE =
  /(?<!当|当作|当成|作为|用作|做)(?:防晒|卸妆|洗发|沐浴)(?:霜|乳|液|露|水|油|膏|喷雾|棒|啫喱|凝胶)(?!的?(?:功能|效果|功效|作用))|\bsunscreens?\b|\bsun ?cream\b|\bshampoos?\b(?= (?:is|are|ok|safe|for|can))|\bbody washe?s?\b(?= (?:is|are|ok|safe|for|can))/g;
// A use is asked as what the product can do, or as an effect or function it has ("有防晒效果吗",
// "带防晒吗", "有没有卸妆功能"). (English "does it have SPF" is left to the engine's "not covered".)
const ASKS_USE =
  /能|可以|可不可以|能不能|用来|当|效果|功效|作用|功能|带|有没有|有(?=防晒|卸妆|洗发|沐浴|保湿|控油)|\bcan\b|\bok to\b|\bfor\b|\bbe used\b|\buse\b|\bprotects?\b/;
// English "does it have SPF", "is there SPF in it", "with sun protection?": a yes when the product's
// own name states the use; otherwise left to the engine's "not covered" (as before).
// A use asked as a property of the product ("有防晒效果吗", "带防晒功能吗").
// English "does it / can it …" points at the product just talked about as 效果 does.
const ASKS_PROPERTY = /效果|功效|作用|功能|带|\b(?:does|do|is|can|will|would) (?:it|this|this one|that)\b/;
const ASKS_HAS_EN =
  /\b(?:have|has|is there|are there|any|with|got|come with|contain|contains|include|includes)\b/;

// The sun-protection figure asked ("spf多少", "防晒指数是多少", "what spf is it", "does it have spf"):
// the figure a product's own name states ("… SPF35 PA++") is the answer. A name with no figure is
// left to the use reading (a yes/no or "not stated").
const ASKS_SPF = /\bspf\b|防晒(?:指数|倍数|系数|值|等级)|\bpa\s*值|\bsun protection factor\b/;
const ASKS_FIGURE =
  /多少|几|多高|多大|是什么|什么(?:级别|等级)|高吗|高不高|\bwhat\b|\bhow (?:high|much|strong)\b|\bwhich\b|\blevel\b|\brating\b/;
const SPF_FIGURE = /SPF\s*\d+\+?(?:\s*PA\+*)?/i;

const ASKS_SPF_HAS_ZH = /有(?:没有)?(?:spf|防晒指数)|(?:spf|防晒指数)(?:吗|呢)|带(?:spf|防晒指数)/;

const spfFigureOf = (product: KnowledgeProduct): string | undefined =>
  [product.name, ...product.aliases].find((l) => SPF_FIGURE.test(l))?.match(SPF_FIGURE)?.[0];

function asksSpfFigure(ctx: LabelContext): boolean {
  if (!ASKS_SPF.test(ctx.read.plain)) return false;
  return (
    ASKS_FIGURE.test(ctx.read.plain) ||
    ASKS_HAS_EN.test(ctx.read.plain) ||
    ASKS_SPF_HAS_ZH.test(ctx.read.plain)
  );
}

function spfFigureAnswer(ctx: LabelContext, product: KnowledgeProduct): LabelAnswer | null {
  if (!asksSpfFigure(ctx)) return null;
  const figure = spfFigureOf(product);
  const en = ctx.language === 'en';
  if (figure)
    return usageAnswer(
      product,
      en
        ? `${product.name}: ${figure}, as its name states.`
        : `${product.name}：商品名写明了防晒指数 ${figure}。`,
    );
  // A product named in this message whose labels give no figure: that is said, with those that do.
  // (In English the engine's "not covered, a person can check" stands, as before: ai-fresh-bot-g.)
  if (en || !ctx.read.products.some((mention) => mention.productId === product.id)) return null;
  const others = ctx.catalogue.filter((p) => p.id !== product.id && spfFigureOf(p)).slice(0, 3);
  const list = others.map((p) => p.name).join('、');
  return usageAnswer(
    product,
    `${product.name}的商品资料里没有写明防晒指数（SPF），不建议当防晒用。${list ? `写明防晒指数的有：${list}。` : ''}`,
    others.map((p) => p.name),
  );
}

/**
 * "does the sunscreen have spf" with no one product settled (the shop has two sunscreens): each
 * sunscreen's figure from its own name.
 */
function spfOfKindAnswer(ctx: LabelContext): LabelAnswer | null {
  if (!asksSpfFigure(ctx) || !/防晒|\bsunscreens?\b|\bsun ?cream\b/.test(ctx.read.plain)) return null;
  const shelf = ctx.catalogue.filter(
    (p) => spfFigureOf(p) && /防晒|sunscreen/i.test([p.name, ...p.aliases].join(' ')),
  );
  if (shelf.length === 0) return null;
  const en = ctx.language === 'en';
  // The names carry the figure ("… SPF30 PA+++"); one not carrying it (an alias did) gets it added.
  const list = shelf.map((p) => {
    const figure = spfFigureOf(p) ?? '';
    return p.name.includes(figure) ? p.name : `${p.name} ${figure}`;
  });
  const yes = ASKS_HAS_EN.test(ctx.read.plain) || ASKS_SPF_HAS_ZH.test(ctx.read.plain);
  return usageAnswer(
    shelf[0]!,
    en
      ? `${yes ? 'Yes, as' : 'As'} their names state: ${list.join('; ')}.`
      : `${yes ? '有的，' : ''}商品名写明了防晒指数：${list.join('；')}。`,
    shelf.map((p) => p.name),
  );
}

function useAnswer(ctx: LabelContext, product: KnowledgeProduct): LabelAnswer | null {
  const labels = [product.name, ...product.aliases];
  // The use must be asked, not only named in what the product is called: "防晒霜可以给小孩用吗" asks
  // who may use a sunscreen (its own facts answer, or do not), "防晒霜能防晒吗" asks the use.
  // Nor is a use inside the product's own label ("控油防晒能控油不": 控油 is asked, 防晒 is its name).
  // Pinyin is read as the Chinese it spells ("mianshuang baoshi ma" → 面霜保湿吗).
  const said = ctx.read.spelled ?? ctx.read.plain;
  let asked = said;
  for (const label of [...labels].sort((a, b) => b.length - a.length))
    if (label.length >= 2) asked = asked.split(label.toLowerCase()).join(' ');
  asked = asked.replace(KIND_WITH_USE, ' ');
  const use = USES.find((u) => u.asked.test(asked));
  if (!use) return null;
  // An effect's own words say it is asked ("保湿吗"); a use wants a word of asking what it can do.
  const asksUse = ASKS_USE.test(said) || ('effect' in use && use.effect === true);
  const hasAsked = ASKS_HAS_EN.test(said);
  if (!asksUse && !hasAsked) return null;
  // Asking about the product's own kind ("防晒霜能防晒吗") is no question of another use.
  const own = labels.find((label) => use.words.some((w) => label.includes(w)));
  const en = ctx.language === 'en';
  if (!own) return asksUse ? useNotStated(ctx, product, use) : null;
  const word = use.words.find((w) => own.includes(w));
  const where = own === product.name ? '的名字' : `（也叫${own}）`;
  return usageAnswer(
    product,
    en
      ? `Yes: ${product.name} is made for ${use.en} as well, as its name says.`
      : 'effect' in use && use.effect
        ? `有的，${product.name}${where}写明了${word}。`
        : `可以的，${product.name}${where}写明了${word}，可以用来${use.zh}。`,
  );
}

/** A use of a product answered from its own labels (with products that state it, as chips). */
function usageAnswer(product: KnowledgeProduct, text: string, quickReplies: string[] = []): LabelAnswer {
  return {
    action: 'answer',
    text,
    intent: 'product_usage',
    articleId: null,
    productId: product.id,
    confidence: 1,
    lowConfidence: false,
    outOfScope: false,
    quickReplies,
    grounding: { articles: [], product },
  };
}

/**
 * A use the product named in the message does not state anywhere ("面霜能防晒吗", "can the cleanser
 * remove makeup"): its facts do not say so, so the bot says that and names the products that do,
 * rather than answering with an article that merely shares the words. Null when the product is
 * only the conversation's (the question may be about something else) or a fact of it names the use.
 */
function useNotStated(
  ctx: LabelContext,
  product: KnowledgeProduct,
  use: (typeof USES)[number],
): LabelAnswer | null {
  // The conversation's product counts when the message names none and asks the use as a property
  // of "it" ("面霜多少钱" → "有防晒效果吗"): the shopper means the product just talked about.
  const named = ctx.read.products.some((mention) => mention.productId === product.id);
  // An effect asked bare after a product ("面霜多少钱" → "控油吗"): of that product too.
  const bareEffect =
    'effect' in use && use.effect === true && (ctx.read.plain.match(/\p{Script=Han}/gu)?.length ?? 0) <= 6;
  if (
    !named &&
    (ctx.read.products.some((mention) => mention.score >= 1) ||
      (!ASKS_PROPERTY.test(ctx.read.plain) && !bareEffect))
  )
    return null;
  const facts = JSON.stringify(product.attributes ?? {});
  if (use.words.some((w) => facts.includes(w))) return null;
  const en = ctx.language === 'en';
  const others = ctx.catalogue
    .filter(
      (p) => p.id !== product.id && [p.name, ...p.aliases].some((l) => use.words.some((w) => l.includes(w))),
    )
    .slice(0, 2)
    .map((p) => p.name);
  // No product of the shop states the use, but an article about this one does ("纸尿裤漏尿怎么办：…
  // 立体防漏边…"): quoted, rather than a bare "not stated". (With products made for the use, those
  // are named instead: a cream's usage note saying "白天别忘了防晒" is no sun protection of its own.)
  const labels = [product.name, ...product.aliases];
  for (const article of others.length === 0 ? (ctx.articles ?? []) : []) {
    if (!labels.some((l) => article.title.includes(l))) continue;
    const sentence = article.answer
      .split(/[。；;！!\n]/)
      .find((part) => use.words.some((w) => part.includes(w)));
    if (!sentence) continue;
    return usageAnswer(
      product,
      en
        ? `${product.name}'s details don't list ${use.en} as such; our note "${article.title}" says: ${sentence.trim()}.`
        : `${product.name}的商品资料里没有单独写${use.zh}效果；「${article.title}」里写到：${sentence.trim()}。`,
    );
  }
  const text = en
    ? `${product.name}'s details don't say it is for ${use.en}, so I wouldn't use it that way.${others.length > 0 ? ` Made for ${use.en}: ${others.join(', ')}.` : ''}`
    : 'effect' in use && use.effect
      ? `${product.name}的商品资料里没有写明有${use.zh}效果。${others.length > 0 ? `写明${use.words[0]}的有：${others.join('、')}。` : ''}`
      : `${product.name}的商品资料里没有写它可以${use.zh}，不建议这样用。${others.length > 0 ? `写明${use.words[0]}的有：${others.join('、')}。` : ''}`;
  return usageAnswer(product, text, others);
}

/** A yes/no from the product's own labels, or null when none of these kinds is asked. */
export function labelFactAnswer(ctx: LabelContext): LabelAnswer | null {
  if (isActionRequest(ctx.read.normalized, ctx.text)) return null;
  if (ctx.products.length === 0) return spfOfKindAnswer(ctx);
  if (AFTER_SALES.test(ctx.read.plain)) return null;
  // A story ("宝宝一岁半了…想知道要交多少税") asks something else; its last clause is read alone later.
  if ((ctx.read.plain.match(/\p{Script=Han}/gu)?.length ?? 0) > 24) return null;
  if ((ctx.read.plain.match(/[a-z]+/g)?.length ?? 0) > 16) return null;
  if (
    !isQuestion(ctx.read.normalized, ctx.text) &&
    !ASKS_YES_NO.test(ctx.text) &&
    !(ctx.read.spelled && /[吗么不]$/.test(ctx.read.spelled))
  )
    return null;
  for (const product of ctx.products) {
    const answer =
      ageAnswer(ctx, product) ??
      tasteAnswer(ctx, product) ??
      spfFigureAnswer(ctx, product) ??
      useAnswer(ctx, product);
    if (answer) return answer;
  }
  return null;
}
