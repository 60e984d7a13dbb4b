import { ownValue } from '../../platform/own-property';
import { listAttribute } from '../catalog-stock';
import { ALLERGENS, type Allergen, ASKS_COLOUR, asksMen, COLOUR_KEYS, GOODS_KINDS } from './goods-lexicon';
import { type KnowledgeArticle, type KnowledgeProduct, namesOf, withoutNames } from './knowledge-base';
import type { ReadText } from './knowledge-index';
import { labelsAge } from './label-facts';
import type { ReplyLanguage, SystemTextKey } from './reply-language';
import { CHILD_LISTED, CHILD_WORDS, ELDERLY_WORDS, MAY_USE, PREGNANCY_WORDS } from './retail-lexicon';
import { isActionRequest, isEllipticalFollowUp, isQuestion, ownPurchase } from './shopper-signals';
import { listIn, valueIn } from './value-glossary';

/**
 * Answers about a product's facts that the intent ranking reads badly, composed from the catalogue
 * alone (no article is ever guessed for them):
 * - goods of a kind the shop does not carry, asked about in any way ("这件大衣有没有黑色的",
 *   "有没有别的材质的围巾") → "we don't carry X", with what the shop has;
 * - an allergy as a *suitability* question ("对羊毛过敏，开衫能穿吗") — not a reaction, which the
 *   first-aid article answers — → whether the product's material/ingredients/allergy notes hold it;
 * - colours or shades the catalogue does not list → says so and what is listed, offers a person;
 * - "for men?" / "can women use it?" → the product's suitable skin types (none of the catalogue's
 *   facts is by sex);
 * - how a parcel is left (驿站, 快递柜, 门口) when no article says → a person, not the
 *   "signed but not received" article;
 * and, after the engine has read a message, a clear question about one product that it could only
 * answer with "which aspect?" → what is known and that this detail is not listed (`honestGap`).
 */

export interface FactContext {
  read: ReadText;
  text: string;
  language: ReplyLanguage;
  /** The product named outright, else the one in the conversation, else the only one of a kind noun. */
  productId: string | null;
  /** Whether a product was named in this message (rather than carried over from the conversation). */
  named: boolean;
  /** The products of a kind noun that names several ("防晒" → both sunscreens), when none is named. */
  candidates: string[];
  products: KnowledgeProduct[];
  product: (id: string | null | undefined) => KnowledgeProduct | undefined;
  articles: Iterable<KnowledgeArticle>;
  say: (key: SystemTextKey, slots?: Record<string, string | number>) => string;
  /** What the shop sells, in a few words (as the not-carried answer lists it). */
  catalogue: () => string[];
}

/** A catalogue answer: the fields the engine's result takes from it. */
export interface FactAnswer {
  action: 'answer' | 'clarify';
  text: string;
  intent: string | null;
  articleId: null;
  productId: string | null;
  confidence: number;
  lowConfidence: boolean;
  outOfScope: false;
  quickReplies: string[];
  attribute?: string;
  grounding?: { articles: KnowledgeArticle[]; product: KnowledgeProduct | null; attribute?: string };
}

const PRODUCT_INFO = 'product_info';
const INGREDIENTS = 'ingredients';

/**
 * The one shape of a catalogue answer: an answer is sure (confidence 1) and grounded on the product
 * with the fact it read (`attribute`); a clarify ("not listed", "not stated") is unsure, offers its
 * chips, and is grounded on the product alone. No product (goods not carried, a parcel's placement):
 * no grounding at all.
 */
function productFactResult(
  product: KnowledgeProduct | null,
  text: string,
  {
    action = 'answer',
    intent = action === 'answer' ? PRODUCT_INFO : null,
    attribute,
    quickReplies = [],
  }: {
    action?: FactAnswer['action'];
    intent?: string | null;
    attribute?: string;
    quickReplies?: string[];
  } = {},
): FactAnswer {
  const sure = action === 'answer';
  return {
    action,
    text,
    intent,
    articleId: null,
    productId: product?.id ?? null,
    confidence: sure ? 1 : 0.1,
    lowConfidence: !sure,
    outOfScope: false,
    quickReplies,
    ...(attribute ? { attribute } : {}),
    ...(product ? { grounding: { articles: [], product, ...(sure && attribute ? { attribute } : {}) } } : {}),
  };
}

// After-sales and order words: a message about an order of something is not a catalogue question.
const AFTER_SALES =
  /退|换货|换个|订单|物流|快递|发货|到货|签收|收到|售后|投诉|\b(?:order|refund|return|exchange|deliver(?:y|ed)?|ship(?:ping|ped)?|parcel)\b/;
// A reaction that has happened: the first-aid article's matter, not a suitability question.
const REACTION =
  /过敏了|起了|疹|红点|红肿|肿了|痒了|发痒|刺痛|刺刺|发烫|泛红|就医|医院|怎么办|怎么处理|\brash\b|\bbroke out\b|\bswollen\b|\bitchy\b|\breaction\b|\bwhat (?:should|do) i do\b/;
const ALLERGY_WORD =
  /过敏|不耐受|(?:碰|接触|沾|穿|吃|用)(?:到|了)?.{0,4}(?:会|就)(?:痒|红|起|过敏)|\ballerg|\bintoleran|\bsensitive to\b/;
// The shopper asks whether it suits them, or for another one without it.
const ASKS_SUITABILITY =
  /能|可以|可不可以|适合|适不适合|行不行|会不会|有没有|有吗|吗|别的|其他|不含|没有.{0,3}的|\bcan\b|\bok\b|\bsafe\b|\bsuitable\b|\bany\b|\bwithout\b|\bfree\b|\?|？/;
// An allergy note about the factory, not the recipe ("同一生产线还加工花生").
const SHARED_LINE =
  /同一生产线|同一车间|共线|共用|可能含|可能有|微量|\bmay contain\b|\btraces?\b|\bsame (?:line|factory)\b/;
// Before a label word: "无酒精", "不含香精" say it is absent.
const NEGATED_BEFORE = /(?:无|不含|不添加|未添加|零|免|0)$/;
// How a parcel is left: a delivery preference, not a parcel gone missing.
const DELIVERY_PREFERENCE =
  /(?:放|存|寄存|送|投|投递|投放|寄)[到在去进]?(?:菜鸟|小区|楼下|家|我家)?的?(?:驿站|快递柜|丰巢|门口|门卫|物业|前台|传达室|楼下|代收点|快递点)|送货上门|送上门|上门派送|\b(?:leave|drop|put)\b.{0,30}\b(?:door|doorstep|locker|reception|front desk|pickup point|neighbou?r|concierge)\b|\bto my door\b/;
const PARCEL_PROBLEM =
  /没收到|找不到|没找到|没有啊|没看到|丢|不见|说放|显示|已签收|签收了|被放|放了|\bdidn'?t\b|\bnever\b|\bmissing\b|\blost\b|\bcan'?t find\b/;
// Vague asks ("口红怎么样", "介绍一下") are rightly met with "which aspect?".
const VAGUE =
  /怎么样|咋样|如何|好不好|好用吗|介绍|了解|详细|推荐|值得|\bwhat about\b|\btell me about\b|\bany good\b/;
const QUESTION_FILLER =
  /请问|你好|您好|亲|这个|那个|这款|那款|这件|那件|这条|那条|你们|你家|家的|的|了|吗|呢|吧|啊|呀|哦|嘛|是|有|没有|会不会|能不能|可不可以|能|会|可以|不|[\s?？!！,，。.~～]/g;

// "有没有", "能不能": a question without 吗 (the normaliser folds them, so read the raw text). An
// English question may open with a connective of the conversation ("and can men use it", "so is it…").
const A_NOT_A =
  /(\p{Script=Han})[不没]\1|有没有|有冇|有吗|能不能|可不可以|会不会|是不是|行不行|适不适合|辣不辣|几个|几种|哪些|哪几|^(?:(?:and|so|also|but|then|ok|okay|oh|well|plus)\s+)?(?:does|do|is|are|can|could|will|would|what|which|any)\b|\b(?:is|are|does|do|can|could|will|would) (?:it|they|this|these|those|that|he|she|i|my|the|your)\b|\bor not\b/iu;
// Verbs that make goods the object of another product ("放电脑", "装手机", "配鞋", "fit a laptop").
const HOLDS =
  /(?:放|装|塞|配|搭|带|连|插|充|套|穿)[得下进了个台只双件]*$|\b(?:fit|fits|hold|holds|take|takes|go with|goes with|match|wear with)\b(?: an?| the| my)?\s*$/;
// English goods words that are verbs as often ("suit", "watch", "ring", "tie"), and the words a
// noun follows ("a", "any", "sell", "leather") that make them goods.
const VERB_TOO = new Set(['suit', 'watch', 'ring', 'tie', 'cap', 'tee', 'honey', 'phone', 'trench', 'vest']);
const NOUN_BEFORE =
  '(?:a|an|the|any|some|your|yours|sell|sells|have|has|carry|stock|buy|get|got|want|need|new|cheap|nice|good|leather|gold|silver|wool|silk|cotton|black|white|baseball|smart|of|for)';
// Another size or version of the same product: "有没有小号的", "有大一点的款吗", "does it come smaller".
const ASKS_VARIANT =
  /(?:有|出)(?:没有)?(?:小|大|迷你|加大|加长|mini)(?:号|款|尺寸|规格|一点|一些|点|一号)|(?:别的|其他|其它)(?:尺寸|规格|型号|款式|大小)|\b(?:smaller|bigger|larger|mini|other sizes?|another size)\b/;
// Goods as the means of a service, not goods to buy: "用手机", "在电脑上", "手机号", "phone number".
const INSTRUMENT_BEFORE =
  /(?:用|在|拿|通过|从|换|绑定?|登录|打|拨)$|\b(?:on|from|via|by|with|using|use|through)\s+(?:my|the|a|your|our)?\s*$/;
// A policy of the goods themselves right before them ("warranty on the", "保修的"): they are asked about.
const GOODS_POLICY = /保修|质保|保固|\b(?:warranty|guarantee|guaranteed)\b(?:\s+\w+){0,2}\s*$/;
const INSTRUMENT_AFTER =
  /^\s*(?:号|上|端|版|app|客户端|网页|浏览器|银行|支付|付款|下单|验证|登录|\b(?:number|no|app|browser|version|screen)\b)/;
// Service matters: a message about them that names goods ("帽子的运费怎么算", "coupon for hats")
// asks the service question; goods are asked for only right after a word of selling ("有卖帽子吗").
const SERVICE_MATTER =
  /运费|包邮|邮费|优惠|券|满减|折扣|打折|活动|价保|付款|支付|下单|发票|账号|账户|会员|积分|地址|登录|注册|客服|发货|到货|\b(?:coupons?|discounts?|promo(?:tion)?s?|vouchers?|codes?|invoices?|pay(?:ment)?|checkout|account|login|shipping|postage|delivery|points)\b/;
const ASKS_FOR_GOODS =
  /(?:有没有|有|卖不卖|有卖|卖|进|上架)(?:卖)?(?:的|些|点|那种|这种)?\s*$|\b(?:sell|have|carry|stock|got|any)\s+(?:any\s+)?$/;
// Words that ask for goods to buy ("有没有", "卖", "do you have"), as opposed to using them.
const BUYING = /有|卖|买|进货|上架|\b(?:sell|have|carry|stock|get)\b|颜色|色|码|材质|款/;
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// A lexicon word as a whole English word, compiled once per word (GOODS_KINDS is fixed): these
// were built anew for every kind on every message.
const englishWords = new Map<string, RegExp>();
const englishWord = (w: string): RegExp => {
  let pattern = englishWords.get(w);
  if (!pattern) {
    pattern = new RegExp(`(?<![a-z])${escapeRegExp(w)}(?![a-z])`);
    englishWords.set(w, pattern);
  }
  return pattern;
};
// A match needs the word itself in the text: the substring test first spares the regex (which
// tries its lookbehind at every position) for the ~200 lexicon words a message does not hold.
const saysEnglishWord = (lower: string, w: string): boolean =>
  lower.includes(w) && englishWord(w).test(lower);
const HAN = /\p{Script=Han}/u;

/** The words a product answers to: its name and aliases. */
/** True when a label word occurs in the text other than after "无/不含" (a label saying it is absent). */
function present(text: string, word: RegExp): boolean {
  const global = new RegExp(word.source, 'g');
  for (const match of text.matchAll(global)) {
    if (!NEGATED_BEFORE.test(text.slice(Math.max(0, match.index - 3), match.index))) return true;
  }
  return false;
}

/** Product facts that can hold an allergen, in the order a label is read. */
const ALLERGEN_FACTS = ['material', 'ingredients', 'allergenNotes'] as const;

/** Facts a product's text may answer a detail from (its size chart names the strap, its care the dryer). */
const FACT_LABELS: Record<string, { zh: string; en: string }> = {
  sizeChart: { zh: '尺码参考', en: 'size chart' },
  material: { zh: '材质', en: 'material' },
  care: { zh: '洗涤保养', en: 'care' },
  shelfLife: { zh: '保质期', en: 'shelf life' },
  volume: { zh: '规格', en: 'size' },
  // Not ingredient lists: chemical names hold any two characters ("氧化" in 氧化锌 is no answer to
  // "会不会氧化"); the ingredients intent answers those.
};

const LABELS: Record<string, { zh: string; en: string }> = {
  material: { zh: '材质', en: 'material' },
  ingredients: { zh: '成分', en: 'ingredients' },
  allergenNotes: { zh: '过敏提示', en: 'allergy notes' },
  suitableSkin: { zh: '适合肤质', en: 'skin types' },
  sizes: { zh: '尺码', en: 'sizes' },
  volume: { zh: '规格', en: 'size' },
  origin: { zh: '产地', en: 'origin' },
  shelfLife: { zh: '保质期', en: 'shelf life' },
};

const textOf = (value: unknown) =>
  Array.isArray(value) ? value.map(String).join('、') : value == null ? '' : String(value);
/** A fact for an English reply: controlled values (skin types, fibres, places) in English. */
const englishText = (value: unknown) =>
  Array.isArray(value) ? listIn(value.map(String), 'en') : value == null ? '' : valueIn(String(value), 'en');

const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });
/**
 * The longest start of `value` of at most `max` UTF-16 units that ends between two characters as
 * people see them: never inside a surrogate pair (which storage would turn into U+FFFD) or an
 * emoji sequence.
 */
function graphemesWithin(value: string, max: number): string {
  let end = 0;
  for (const { index, segment } of graphemes.segment(value)) {
    if (index + segment.length > max) break;
    end = index + segment.length;
  }
  return value.slice(0, end);
}

/**
 * A fact cut to a readable length for a one-line summary, at the end of a whole list item
 * ("聚二甲基硅氧烷、二氧化硅、合成蜡等"), never inside a name or a bracket ("CI 774…").
 */
function brief(value: string, max = 48): string {
  if (value.length <= max) return value;
  let depth = 0;
  let cut = -1;
  for (let i = 0; i < max; i++) {
    const char = value[i]!;
    if (char === '(' || char === '（') depth++;
    else if ((char === ')' || char === '）') && depth > 0) depth--;
    else if (depth === 0 && /[、，,；;]/.test(char)) cut = i;
  }
  if (cut < max / 3) return `${graphemesWithin(value, max)}…`;
  // "等" after a Chinese list, ", …" after a Latin one.
  return `${value.slice(0, cut)}${/[、，；]/.test(value[cut]!) ? '等' : ', …'}`;
}

/** Up to `count` listed facts of a product ("材质：…"), for a reply that says what *is* known. */
function knownFacts(product: KnowledgeProduct, language: ReplyLanguage, count = 2): string {
  const en = language === 'en';
  const listed = ['material', 'ingredients', 'suitableSkin', 'sizes', 'volume', 'origin'].filter(
    (key) => textOf(ownValue(product.attributes, key)) !== '',
  );
  // An English reply lists the facts it can say in English ("size: 3.5g", "origin: Shanghai,
  // China") before quoting the merchant's Chinese (an ingredient list); Chinese only when no other.
  const english = en ? listed.filter((key) => !HAN.test(englishText(product.attributes[key]))) : listed;
  const keys = english.length > 0 ? english : listed;
  const facts = keys
    .slice(0, count)
    .map(
      (key) =>
        `${en ? LABELS[key]!.en : LABELS[key]!.zh}${en ? ': ' : '：'}${brief(en ? englishText(product.attributes[key]) : textOf(product.attributes[key]))}`,
    );
  if (product.price != null) facts.push(en ? `price: ¥${product.price}` : `价格：¥${product.price}`);
  return facts.join(en ? '; ' : '；');
}

/** Up to two chips asking for facts the product does list ("开衫的材质", "cardigan price"). */
function factChips(product: KnowledgeProduct, language: ReplyLanguage): string[] {
  const short = product.aliases[0] ?? product.name;
  const en = language === 'en';
  const keys = ['material', 'ingredients', 'suitableSkin', 'sizes', 'origin'].filter(
    (key) => textOf(ownValue(product.attributes, key)) !== '',
  );
  const chips = keys
    .slice(0, 1)
    .map((key) => (en ? `${short} ${LABELS[key]!.en}` : `${short}的${LABELS[key]!.zh}`));
  if (product.price != null) chips.push(en ? `${short} price` : `${short}多少钱`);
  return chips;
}

/** Whether a product's labels name a kind of goods (a word of the kind, or its category). */
function carries(products: KnowledgeProduct[], words: string[], english: string[]): boolean {
  return products.some(
    (p) =>
      namesOf(p).some((label) => words.some((w) => label.toLowerCase().includes(w.toLowerCase()))) ||
      (!!p.category && english.includes(p.category.toLowerCase())),
  );
}

/**
 * The products of the kind of goods a word names ("sweaters" → the cardigan sold as 毛衣外套):
 * those whose name or alias holds a Chinese word of the kind. Empty when the word is of no kind or
 * no product is of it — then, and only then, may the bot say the shop does not carry it.
 */
export function productsOfKind(word: string, products: KnowledgeProduct[]): KnowledgeProduct[] {
  const lower = word.toLowerCase().trim();
  const kind = GOODS_KINDS.find(
    (k) => k.zh.some((w) => lower.includes(w.toLowerCase())) || k.en.some((w) => saysEnglishWord(lower, w)),
  );
  if (!kind) return [];
  return products.filter((p) =>
    namesOf(p).some((label) => kind.zh.some((w) => label.toLowerCase().includes(w.toLowerCase()))),
  );
}

/**
 * The goods the message names that the catalogue does not carry ("大衣", "scarves"), or null.
 * Goods named as the means of something else ("手机号怎么改", "用电脑能下单吗", "on my phone")
 * are no goods asked for.
 */
export function uncarriedGoods(plain: string, products: KnowledgeProduct[]): string | null {
  const lower = plain.toLowerCase();
  for (const kind of GOODS_KINDS) {
    const zh = kind.zh.find((w) => lower.includes(w.toLowerCase()));
    const en = zh ? undefined : kind.en.find((w) => saysEnglishWord(lower, w));
    const word = zh ?? en;
    if (!word) continue;
    // An English word that is also a verb ("will it suit my skin", "can I watch the live"): goods
    // only as a noun — plural, or after a determiner or a word of buying ("a watch", "sell ties").
    if (
      en &&
      VERB_TOO.has(en) &&
      !new RegExp(`\\b${NOUN_BEFORE}\\s+(?:\\w+\\s+)?${escapeRegExp(en)}\\b`).test(lower)
    )
      continue;
    // The goods as what a product holds or goes with ("能放电脑不", "配什么鞋", "fits a laptop"):
    // a question about that product, not about goods to buy.
    const at = lower.indexOf(word.toLowerCase());
    const before = lower.slice(Math.max(0, at - 12), at);
    if (HOLDS.test(before)) return null;
    const after = lower.slice(at + word.length);
    // "巧克力色", "咖啡色的开衫": a colour, not the goods.
    // ("the warranty on the earbuds": the goods a policy of the goods themselves is about.)
    const ofGoods = GOODS_POLICY.test(lower.slice(Math.max(0, at - 30), at));
    if ((!ofGoods && INSTRUMENT_BEFORE.test(before)) || INSTRUMENT_AFTER.test(after) || /^\s*色/.test(after))
      continue;
    // Any product answering to a word of the kind (or the word asked) means the shop has it.
    if (carries(products, [...kind.zh, word], kind.en)) return null;
    return word;
  }
  return null;
}

// Who has the allergy and how much, before the thing they are allergic to ("我家宝宝有点芒果过敏").
const ALLERGY_SUBJECT =
  /^(?:我们家|我家|我们|本人|自己|我|宝宝|孩子|小孩|儿子|女儿|老公|老婆|男朋友|女朋友|家人|他|她|对于|对|有点儿?|有些|比较|特别|非常|严重|轻微|容易|会|都|是|就)+/u;
// Words before 过敏 that are no allergen ("皮肤过敏", "容易过敏", "过敏体质").
const NOT_AN_ALLERGEN = /^(?:皮肤|肌肤|脸|体质|容易|敏感|经常|有点|什么|东西|很多|季节性|换季)$/u;
// English words in an allergy's slot that name no allergen ("because of an allergy", "a bad allergy").
const ENGLISH_SLOT_STOP =
  /^(?:an?|the|of|to|for|because|my|i|im|me|we|he|she|they|it|have|has|had|got|with|bad|severe|mild|serious|skin|food|seasonal|any|some|this|that|these|those|kid|son|daughter|baby)$/;

/** Whether the message asks for a colour or shade (not whether one fades or flatters). */
export function asksColour(plain: string): boolean {
  return (
    ASKS_COLOUR.test(plain) &&
    !/掉色|褪色|串色|染色|显白|显黑|\bfade|\bbleed/.test(plain) &&
    !SKIN_REDDENED.test(plain)
  );
}
// Skin gone red after use ("face went red after the mask", "用了脸红"): a reaction, not a shade.
const SKIN_REDDENED =
  /脸红|脸.{0,3}红了|皮肤.{0,3}红了|发红|泛红|\b(?:went|turned|turns|turning|gone|goes|go|became|becomes|got|gets|getting) (?:all |bright |really |very )?red\b|\b(?:face|skin|cheeks?)\b.{0,16}\bred\b/;

/** Lower-cased name and aliases of a product: the words it answers to. */
export const productLabels = (p: KnowledgeProduct | null | undefined) =>
  p ? namesOf(p).map((l) => l.toLowerCase()) : [];

/**
 * Whether a message naming goods asks a service question about them rather than for them
 * ("买袜子能用优惠券吗", "帽子的运费"): a service matter, and the goods not right after a word of
 * selling ("有卖帽子吗 包邮吗" still asks for hats).
 */
export function servesOnly(plain: string, goods: string): boolean {
  return SERVICE_MATTER.test(plain) && !askedForGoods(plain, goods);
}

/** Whether the goods word follows a word of selling ("有卖帽子吗", "do you sell hats"). */
function askedForGoods(plain: string, word: string): boolean {
  const lower = plain.toLowerCase();
  const at = lower.indexOf(word.toLowerCase());
  return at >= 0 && ASKS_FOR_GOODS.test(lower.slice(Math.max(0, at - 16), at));
}

/**
 * The allergens a message names, when it speaks of an allergy or intolerance, those the shopper
 * says they are allergic to first: the words in the allergy's own slot ("对X过敏", "X不耐受",
 * "allergic to X", "X allergy"), not a product's name ("我对芝麻过敏，每日坚果能吃吗" asks about
 * sesame, not nuts). A substance the list does not know ("对芒果过敏", "对积雪草过敏") is taken as
 * written, marked `unlisted`, and looked for literally on the label.
 */
function askedAllergens(plain: string, products: KnowledgeProduct[]): Allergen[] {
  if (!ALLERGY_WORD.test(plain)) return [];
  const slot = allergySlot(plain);
  if (slot) {
    const known = ALLERGENS.filter((a) => a.asked.test(slot));
    if (known.length > 0) return known;
    return [unlistedAllergen(slot)];
  }
  // No slot ("碰到羊毛会痒"): any allergen named outside the products' own names.
  const own = withoutNames(plain, products.flatMap(namesOf));
  const outside = ALLERGENS.filter((a) => a.asked.test(own));
  return outside.length > 0 ? outside : ALLERGENS.filter((a) => a.asked.test(plain));
}

/** The words a shopper says they are allergic to, or null ("我家宝宝有点芒果过敏" → 芒果). */
function allergySlot(plain: string): string | null {
  const zh = plain.match(/([\p{Script=Han}]{1,10})(?:过敏|不耐受)/u)?.[1]?.replace(ALLERGY_SUBJECT, '');
  if (zh && zh.length >= 2 && zh.length <= 6 && !NOT_AN_ALLERGEN.test(zh)) return zh;
  const en =
    plain.match(
      /\ballergic to ([a-z][a-z -]{1,24}?)(?=\s*[,.;!?]|\s+(?:and|so|but|is|are|can|could|will|would|do|does|in|for)\b|$)/,
    )?.[1] ?? plain.match(/\b([a-z]+(?: [a-z]+)?) (?:allergy|allergies|intolerance)\b/)?.[1];
  const word = en?.replace(/^(?:a|an|the|my|some|have|has)\s+/, '').trim();
  if (!word || word.split(/\s+/).some((w) => ENGLISH_SLOT_STOP.test(w))) return null;
  return word;
}

function unlistedAllergen(word: string): Allergen {
  const literal = new RegExp(escapeRegExp(word), 'i');
  return { zh: word, en: word, asked: literal, label: literal, unlisted: true };
}

/** The verb of using a product: wear clothes, eat food, use the rest. */
function useVerb(product: KnowledgeProduct, en: boolean): string {
  const category = (product.category ?? '').toLowerCase();
  const wearable = ownValue(product.attributes, 'material') !== undefined && category !== 'baby';
  if (/snack|food|食品|零食|crossborder/.test(category) && !wearable) return en ? 'eat' : '吃';
  if (wearable && /apparel|cloth|fashion|服|衣/.test(category)) return en ? 'wear' : '穿';
  return en ? 'use' : '用';
}

/**
 * Whether a product holds the allergen: the fact that says so ("材质：50%羊毛…"), or null when no
 * listed fact names it. Label text saying it is absent ("无酒精") does not count.
 */
function allergenIn(product: KnowledgeProduct, allergen: Allergen): { key: string; value: string } | null {
  for (const key of ALLERGEN_FACTS) {
    const value = textOf(ownValue(product.attributes, key));
    if (value && present(value, allergen.label)) return { key, value };
  }
  return null;
}

function allergyAnswer(ctx: FactContext, allergen: Allergen, product: KnowledgeProduct): FactAnswer {
  const en = ctx.language === 'en';
  const name = en ? allergen.en : allergen.zh;
  const verb = useVerb(product, en);
  const found = allergenIn(product, allergen);
  const notes = textOf(ownValue(product.attributes, 'allergenNotes'));
  if (!found) {
    // Absence is only worth saying for an allergen whose label words we know, and when no label
    // word may hold it unnamed ("五金为合金镀金" says nothing about nickel): otherwise say that the
    // details do not state it — reassurance there would be a guess about someone's health.
    const hidden =
      allergen.mayHide && allergenFacts(product).find(([, value]) => allergen.mayHide!.test(value));
    if (allergen.unlisted || hidden) return allergyNotStated(ctx, allergen, product, hidden?.[1] ?? null);
  }
  const hasIngredients = ownValue(product.attributes, 'ingredients') !== undefined;
  const intent = hasIngredients ? INGREDIENTS : PRODUCT_INFO;
  const attribute = found?.key ?? (hasIngredients ? 'ingredients' : 'material');
  if (found) {
    // Others of its category without it, to suggest instead.
    const others = ctx.products
      .filter((p) => p.id !== product.id && p.category === product.category && !allergenIn(p, allergen))
      .slice(0, 2);
    const label = en ? LABELS[found.key]!.en : LABELS[found.key]!.zh;
    // "同一生产线还加工芝麻": made beside it, not of it — say what the note says, not "contains".
    const shared = found.key === 'allergenNotes' && SHARED_LINE.test(found.value);
    const text = shared
      ? en
        ? `${product.name}'s allergy notes mention ${name} (${found.value}), so with a ${name} allergy we don't recommend it.`
        : `${product.name}的过敏提示提到了${name}（${found.value}），对${name}过敏的话不建议${verb}。`
      : en
        ? `${product.name} contains ${name} (${label}: ${found.value}), so with a ${name} allergy we don't recommend it.` +
          (others.length ? ` Without ${name}: ${others.map((p) => p.name).join('; ')}.` : '')
        : `${product.name}含有${name}（${label}：${found.value}），对${name}过敏的话不建议${verb}。` +
          (others.length ? `不含${name}的可以看看：${others.map((p) => p.name).join('、')}。` : '');
    return productFactResult(product, text, {
      intent,
      attribute,
      quickReplies: others.map((p) => p.aliases[0] ?? p.name),
    });
  }
  const listed = ALLERGEN_FACTS.filter((key) => key !== 'allergenNotes')
    .map((key) => [key, textOf(ownValue(product.attributes, key))] as const)
    .filter(([, value]) => value);
  const facts = listed
    .map(([key, value]) => `${en ? LABELS[key]!.en : LABELS[key]!.zh}${en ? ': ' : '：'}${value}`)
    .join(en ? '; ' : '；');
  const text = en
    ? `${name[0]!.toUpperCase()}${name.slice(1)} is not among what ${product.name} lists${facts ? ` (${facts})` : ''}.` +
      (notes ? ` Allergy notes: ${notes}.` : '') +
      ' If your allergy is severe, please check with your doctor first; I can also pass you to a person.'
    : `${product.name}列出的${listed.length ? listed.map(([key]) => LABELS[key]!.zh).join('和') : '信息'}里没有${name}${facts ? `（${facts}）` : ''}。` +
      (notes ? `过敏提示：${notes}。` : '') +
      '过敏比较严重的话，建议先咨询医生；也可以转人工帮您再确认。';
  return productFactResult(product, text.replace(/。。/g, '。').replace(/\.\./g, '.'), {
    intent,
    attribute,
    quickReplies: [ctx.say('optionHuman')],
  });
}

/** The listed facts that can hold an allergen (material, ingredients), as [key, text]. */
const allergenFacts = (product: KnowledgeProduct) =>
  ALLERGEN_FACTS.filter((key) => key !== 'allergenNotes')
    .map((key) => [key, textOf(ownValue(product.attributes, key))] as const)
    .filter(([, value]) => value);

/**
 * An allergy the product's details neither confirm nor rule out: what is listed, its allergy notes,
 * and a person to ask (the merchant knows what the label leaves out), never "it's fine".
 */
function allergyNotStated(
  ctx: FactContext,
  allergen: Allergen,
  product: KnowledgeProduct,
  hiddenIn: string | null,
): FactAnswer {
  const en = ctx.language === 'en';
  const name = en ? allergen.en : allergen.zh;
  const listed = allergenFacts(product);
  const notes = textOf(ownValue(product.attributes, 'allergenNotes'));
  const facts = listed
    .map(([key, value]) => `${en ? LABELS[key]!.en : LABELS[key]!.zh}${en ? ': ' : '：'}${value}`)
    .join(en ? '; ' : '；');
  const text = en
    ? `The details of ${product.name} don't say whether it has ${name}${hiddenIn ? ` ("${hiddenIn}" doesn't say what it is made of)` : ''}.` +
      (facts ? ` Listed: ${facts}.` : '') +
      (notes ? ` Allergy notes: ${notes}.` : '') +
      ` With a ${name} allergy, please let a person check with the shop before you buy; if it is severe, ask your doctor first.`
    : `${product.name}的资料里没有写明是否含${name}${hiddenIn ? '（列出的材质没有写明具体成分）' : ''}，我不能替您打包票。` +
      (facts ? `目前写明的有：${facts}。` : '') +
      (notes ? `过敏提示：${notes}。` : '') +
      `对${name}过敏的话，建议先转人工向店铺确认；过敏比较严重的，请先咨询医生。`;
  return productFactResult(product, text.replace(/。。/g, '。').replace(/\.\./g, '.'), {
    action: 'clarify',
    attribute: 'allergy',
    quickReplies: [ctx.say('optionHuman')],
  });
}

function colourAnswer(ctx: FactContext, product: KnowledgeProduct): FactAnswer {
  const en = ctx.language === 'en';
  const key = COLOUR_KEYS.find((k) => textOf(ownValue(product.attributes, k)) !== '');
  if (key) {
    const colours = listAttribute(product.attributes[key]);
    const list = colours.length ? colours : [textOf(product.attributes[key])];
    return productFactResult(
      product,
      en
        ? `${product.name} comes in: ${list.join(', ')}.`
        : `${product.name}可选的颜色：${list.join('、')}。`,
      { attribute: key },
    );
  }
  // Nothing listed: say so and what is listed — a guess would sell a colour that may not exist.
  // Make-up comes in shades (色号), everything else in colours.
  const shades =
    /makeup|cosmetic|彩妆|美妆/i.test(product.category ?? '') || /色号|\bshades?\b/.test(ctx.read.plain);
  return notListed(ctx, product, en ? (shades ? 'shades' : 'colours') : shades ? '色号' : '颜色', 'colours');
}

/** "商品资料里没有写明…目前知道的是…可以转人工": the honest reply to a detail the catalogue lacks. */
function notListed(
  ctx: FactContext,
  product: KnowledgeProduct,
  detail: string | null,
  attribute?: string,
): FactAnswer {
  const known = knownFacts(product, ctx.language);
  const text = ctx.say(detail ? 'detailNotListed' : 'questionNotListed', {
    product: product.name,
    detail: detail ?? '',
    known: known || (ctx.language === 'en' ? 'nothing more' : '暂无更多'),
  });
  // A person first; then facts the shopper can read instead.
  return productFactResult(product, text, {
    action: 'clarify',
    attribute,
    quickReplies: [ctx.say('optionHuman'), ...factChips(product, ctx.language)],
  });
}

// How long make-up stays on ("口红能保持多久", "持妆时间多长", "how many hours does it last"): its wear,
// never its delivery or shelf life — unless the words are the shelf life's (opened, expiry, kept).
// Global: `asksWear` checks every match against the product's name (`matchAll` copies the regex).
const ASKS_WEAR =
  /持久|持妆|留妆|脱妆|掉妆|掉色|脱色|沾杯|晕妆|(?:保持|维持|撑|坚持)(?:多久|多长|几个?小时|一整?天|一上午|一下午)|能(?:保持|维持|撑)|\bstays? on\b|\blong[- ]lasting\b|\bhow many hours\b|\blasts? all day\b|\blasts? on (?:the |my |your )?(?:lips|face|skin)\b/g;
const SHELF_WORDS =
  /保质|开封|开盖|打开|拆开|过期|有效期|保存|放(?:多久|多长|几)|\bshelf\b|\bexpir|\bopen(?:ed|ing)?\b|\bkeeps?\b/;
const MAKEUP = /makeup|cosmetic|彩妆|美妆/i;
/** How long a price or an offer lasts ("这个价能保持多久", "优惠能维持几天"): the offer, not wear. */
const OFFER_LASTS =
  /优惠|价格?|活动|折扣|促销|券|满减|包邮|\b(?:price|deal|offer|discount|sale|promo(?:tion)?|coupon)s?\b/;

/**
 * Wear asked: a wear word that is not part of the product's own name ("持妆气垫有几个色号" names the
 * 轻透持妆气垫粉底 — its colours are asked, not its wear), and no price or offer said to last.
 */
function asksWear(plain: string, product: KnowledgeProduct): boolean {
  if (OFFER_LASTS.test(plain)) return false;
  const names = [product.name, ...(product.aliases ?? [])].map((n) => n.toLowerCase());
  const inName = (from: number, to: number) =>
    names.some(
      (n) =>
        (from > 0 && n.includes(plain.slice(from - 1, to))) ||
        (to < plain.length && n.includes(plain.slice(from, to + 1))),
    );
  for (const m of plain.matchAll(ASKS_WEAR)) if (!inName(m.index, m.index + m[0].length)) return true;
  return false;
}

// "this", "it", "这个": a product the shopper is looking at.
const POINTS_AT_THIS = /\b(?:this|it|these|that)\b|这个|这款|这件|这种|这瓶|它/;

/** Skin types shoppers name, with the word a product's `suitableSkin` list uses for each. */
const SKIN_TYPES: { listed: string; zh: string; en: string; asked: RegExp }[] = [
  {
    listed: '混合',
    zh: '混合性肌肤',
    en: 'combination skin',
    asked: /混油|混干|混合性|混合皮|混合肌|\bcombination\b/,
  },
  { listed: '油', zh: '油性肌肤', en: 'oily skin', asked: /油皮|油性|大油田|爱出油|\boily\b/ },
  { listed: '干', zh: '干性肌肤', en: 'dry skin', asked: /干皮|干性|皮肤干|\bdry skin\b/ },
  { listed: '敏感', zh: '敏感肌', en: 'sensitive skin', asked: /敏感肌|敏感皮|皮肤敏感|\bsensitive\b/ },
  { listed: '中性', zh: '中性肌肤', en: 'normal skin', asked: /中性皮|中性肌|\bnormal skin\b/ },
];
// Which skin types a product is for, no skin type named: "气垫适合什么肤质", "which skin types can use the cushion".
const ASKS_SKIN_TYPES =
  /(?:什么|哪些|哪种|哪类)(?:肤质|皮肤|肌肤)|肤质(?:都)?(?:能用|可以用|适合)|\b(?:what|which) (?:skin(?: types?)?|types? of skin)\b|\bskin types?\b.{0,24}\b(?:for|use|suit|suits)\b|\b(?:suitable|suit|suits|ok|good|fine) for (?:all|every|any) skin(?: types?)?\b/;
// Asking whether it suits: "能用吗", "适合吗", "会不会干", "ok for", "good for", "suit".
const SUITS =
  /能用|可以用|能不能用|适合|适不适合|合适|会不会|行不行|可以吗|能擦|\b(?:ok|okay|good|fine|suitable|safe)\b|\bsuits?\b|\bcan\b/;
// "会干吗", "会不会闷", "will it dry me out": what it will do to that skin.
const WILL_IT = /会.{0,4}(?:吗|么|嘛)|\bwill (?:it|this|they)\b/;

/**
 * Whether a product suits a skin type, from the skin types it lists: in the list → yes; not in it →
 * says which it lists and offers products of its category that list the shopper's type. The
 * product's allergy notes follow when they speak of that skin ("敏感肌请先隔天晚上少量使用").
 */
function skinAnswer(
  ctx: FactContext,
  product: KnowledgeProduct,
  skin: (typeof SKIN_TYPES)[number],
): FactAnswer {
  const en = ctx.language === 'en';
  const listed = listAttribute(product.attributes.suitableSkin);
  const fits = listed.some((v) => v.includes(skin.listed));
  const notes = textOf(ownValue(product.attributes, 'allergenNotes'));
  const note = notes?.includes(skin.listed) ? notes : '';
  const others = fits
    ? []
    : ctx.products
        .filter(
          (p) =>
            p.id !== product.id &&
            p.category === product.category &&
            listAttribute(p.attributes.suitableSkin).some((v) => v.includes(skin.listed)),
        )
        .slice(0, 2);
  const name = en ? skin.en : skin.zh;
  const list = listIn(listed, ctx.language);
  const text = en
    ? fits
      ? `${product.name} lists ${name} among the skin types it suits (${list}).${note ? ` Note: ${note}.` : ''}`
      : `${product.name} is listed for ${list} — not for ${name}, so I wouldn't recommend it there.` +
        (others.length ? ` Listed for ${name}: ${others.map((p) => p.name).join('; ')}.` : '')
    : fits
      ? `${product.name}写明适合的肤质里有${name}（适合肤质：${list}），可以用。${note ? `提示：${note}。` : ''}`
      : `${product.name}写明适合的肤质是${list}，没有包括${name}，${name}不太推荐用它。` +
        (others.length ? `写明适合${name}的有：${others.map((p) => p.name).join('、')}。` : '');
  return productFactResult(product, text.replace(/。。/g, '。'), {
    intent: 'skin_recommendation',
    attribute: 'suitableSkin',
    quickReplies: others.map((p) => p.aliases[0] ?? p.name),
  });
}

/**
 * The products a question is about: the one named; else those a kind word leaves open ("the
 * sunscreen": both), unless the conversation's product is one of them; else the conversation's.
 * At most three.
 */
function productsInQuestion(ctx: FactContext, product: KnowledgeProduct | undefined): KnowledgeProduct[] {
  if (product && (ctx.named || ctx.candidates.length < 2 || ctx.candidates.includes(product.id)))
    return [product];
  return ctx.candidates
    .map((id) => ctx.product(id))
    .filter((p): p is KnowledgeProduct => !!p)
    .slice(0, 3);
}

// "推荐", "recommend": a call for a suggestion, asked or not.
const RECOMMENDS = /推荐|\brecommend/;

/**
 * Whether a baby or a child may use it, from its suitable-skin list: listed → yes, with its notes;
 * not listed → not stated (the list is of skin types; it says nothing for a child unless it names
 * one). Of several products a kind word leaves open, each. Null for goods whose name states an age
 * range (label-facts.ts answers those from it) or when none is in question.
 */
function childAnswer(ctx: FactContext, asked: KnowledgeProduct[]): FactAnswer | null {
  if (asked.length === 0 || asked.some(labelsAge)) return null;
  const en = ctx.language === 'en';
  const listing = asked.filter((p) =>
    listAttribute(p.attributes.suitableSkin).some((v) => CHILD_LISTED.test(v)),
  );
  if (listing.length > 0) {
    const lines = listing.map((p) => {
      const list = listIn(listAttribute(p.attributes.suitableSkin), ctx.language);
      const notes = textOf(ownValue(p.attributes, 'allergenNotes'));
      return en
        ? `${p.name} is listed for babies and young children (skin types: ${list}).${notes ? ` Note: ${notes}.` : ''}`
        : `${p.name}写明适合婴幼儿（适合肤质：${list}），可以用。${notes ? `提示：${notes}。` : ''}`;
    });
    return productFactResult(
      listing.length === 1 ? listing[0]! : null,
      lines.join('\n').replace(/。。/g, '。'),
      {
        intent: 'skin_recommendation',
        attribute: 'suitableSkin',
      },
    );
  }
  // "婴儿纸尿裤新生儿能用吗": goods named for babies are for them; which size, its chart says.
  const forBabies = asked.filter((p) => namesOf(p).some((name) => CHILD_LISTED.test(name)));
  if (forBabies.length === 1 && asked.length === 1) {
    const p = forBabies[0]!;
    const chart = textOf(ownValue(p.attributes, 'sizeChart'));
    return productFactResult(
      p,
      en
        ? `${p.name} is made for babies.${chart ? ` Sizes by weight: ${chart}.` : ''}`
        : `${p.name}就是给宝宝用的。${chart ? `尺码对照：${chart}。` : ''}`,
      { intent: PRODUCT_INFO, attribute: chart ? 'sizeChart' : undefined },
    );
  }
  if (asked.length === 1) return notListed(ctx, asked[0]!, null, 'suitableSkin');
  return productFactResult(
    null,
    ctx.say('childNotListed', { products: asked.map((p) => p.name).join(en ? '; ' : '、') }),
    {
      action: 'clarify',
      quickReplies: [ctx.say('optionHuman')],
    },
  );
}

/** Goods for men asked of the shop ("有没有男士的", "有男士护肤品吗", "你们家有男款吗"). */
const MEN_GOODS =
  /有(?:没有)?(?:卖)?(?:适合|给|专门|专供|专为)?(?:男士|男生|男性|男人|男的|男款|男装)(?!.{0,6}(?:剃须|刮胡|香水|手表|皮带|领带|内裤|袜|客服|主播|店员|模特))|(?:男士|男生|男性|男人|男款|男装)(?:的|用的|专用的?)?(?:护肤品?|产品|东西|商品|款式?)?(?:有吗|有么|有嘛|有没有|有不有|吗|么|嘛)[?？]*$|(?:男士|男生|男款)(?!.{0,6}(?:剃须|刮胡|香水|手表|皮带|领带|内裤|袜))[\u4e00-\u9fa5]{1,4}(?:有吗|有么|有嘛|有没有|有不有)[?？]*$|(?:男士|男生|男性|男人|男的)(?:用|适合|该用|可以用|能用)(?:什么|啥|哪些|哪款|哪个)(?:护肤品?|产品|东西)?|\b(?:anything|something|stuff|products?|skin ?care|make-?up|items?|goods|cosmetics|clothes|clothing)\b[^.?!]{0,12}\bfor (?:men|guys|a guy|males?|my (?:boyfriend|husband|bf))\b|\bmen'?s (?:skin ?care|products?|line|range|clothes|clothing)\b/;
/** "sunscreen for men": a kind of the shop's goods (the kind word must name some) asked for men. */
const KIND_FOR_MEN = /^(?:(?:any|some|a|the)\s+)?[a-z]+(?:\s[a-z]+)?\s+for (?:men|guys|males?)\s*\??$/;
/** Goods of a named kind asked for men ("有男士面霜吗", "男士精华有吗"): still goods for men. */
const MEN_GOODS_NAMED =
  /有(?:没有)?(?:卖)?(?:适合|给|专门|专供|专为)?(?:男士|男生|男性|男人|男的|男款|男装)|(?:男士|男生|男款)[\u4e00-\u9fa5]{1,4}(?:有吗|有么|有嘛|有没有|有不有)[?？]*$|\bfor (?:men|guys)\b|\bmen'?s\b/;

/**
 * Goods for men, none named: the products whose details list skin types (a kind word's own first),
 * said to be for anyone and chosen by skin — or null when none lists them.
 */
function menGoodsAnswer(ctx: FactContext): FactAnswer | null {
  const listed = (p: KnowledgeProduct | undefined): p is KnowledgeProduct =>
    !!p && !/男/.test(p.name) && !childGoods(p) && listAttribute(p.attributes.suitableSkin).length > 0;
  const askedFor = ctx.candidates.map((id) => ctx.product(id)).filter((p): p is KnowledgeProduct => !!p);
  const ofKind = askedFor.filter(listed);
  const products = ofKind.length > 0 ? ofKind : ctx.products.filter(listed);
  const forMen = ctx.products.filter((p) => /男/.test(p.name));
  const en = ctx.language === 'en';
  // Clothes (no skin types): the details do not say whether a cut is unisex — never a dress offered.
  if (forMen.length === 0 && askedFor.length > 0 && ofKind.length === 0) {
    const one = askedFor.length === 1 ? askedFor[0]! : null;
    return productFactResult(
      one,
      en
        ? `We have nothing made for men in particular, and the details of ${one ? one.name : 'these items'} don't say whether the cut is unisex.`
        : `店里没有专门的男士款，商品资料里也没有写明${one ? one.name : '这几款'}是否男女同款。`,
      { attribute: 'unisex' },
    );
  }
  if (forMen.length > 0)
    return productFactResult(
      forMen.length === 1 ? forMen[0]! : null,
      forMen.map((p) => (p.price != null ? `${p.name} ¥${p.price}` : p.name)).join(en ? ', ' : '、'),
    );
  if (products.length === 0) return null;
  const items = products.map((p) => {
    const skin = listAttribute(p.attributes.suitableSkin).filter((s) => !CHILD_LISTED.test(s));
    return en ? `${p.name} (${listIn(skin, 'en')})` : `${p.name}（${skin.join('、')}）`;
  });
  return productFactResult(
    products.length === 1 ? products[0]! : null,
    en
      ? `We have nothing made for men in particular, and our product details don't divide by sex. These are for anyone — men choose by skin type: ${items.join('; ')}.`
      : `店里没有专门的男士款，商品资料也没有按性别区分。这些不分男女，男士按肤质选就好：${items.join('；')}。`,
    { intent: 'skin_recommendation', attribute: 'suitableSkin' },
  );
}

/** Goods made for babies / toddlers: a child's skin type listed, or a child's word in the name. */
function childGoods(p: KnowledgeProduct): boolean {
  return (
    listAttribute(p.attributes.suitableSkin).some((skin) => CHILD_LISTED.test(skin)) ||
    namesOf(p).some((name) => CHILD_LISTED.test(name))
  );
}

function forMenAnswer(ctx: FactContext, product: KnowledgeProduct): FactAnswer | null {
  const en = ctx.language === 'en';
  // A product named for one sex says so itself.
  if (/男/.test(product.name)) return null;
  // A toddler formula or a baby wash is not "for men too": who it is made for is the answer.
  if (childGoods(product))
    return productFactResult(
      product,
      en
        ? `${product.name} is made for babies and toddlers, not for adults.`
        : `${product.name}是给宝宝用的婴幼儿产品，不是给成人的。`,
      { attribute: 'suitableAge' },
    );
  const skin = listAttribute(product.attributes.suitableSkin);
  if (/女/.test(product.name) || ownValue(product.attributes, 'sizes') !== undefined) {
    // Clothes: the catalogue does not say whether the cut is unisex.
    return notListed(ctx, product, en ? 'fit for men' : '是否男女同款', 'unisex');
  }
  if (skin.length === 0) {
    return productFactResult(
      product,
      en
        ? `${product.name} is not made for one sex; nothing in its details limits it to women, so men can use it too.`
        : `${product.name}不分男女，商品资料里没有限定性别，男士也可以${useVerb(product, false)}。`,
    );
  }
  return productFactResult(
    product,
    en
      ? `${product.name} is not by sex: men can use it too. It suits these skin types: ${listIn(skin, 'en')}.`
      : `${product.name}不分男女，男士也可以用，按肤质选就好；适合肤质：${skin.join('、')}。`,
    { attribute: 'suitableSkin' },
  );
}

/**
 * The answer to a product-fact question of the kinds above, or null when the message is none of
 * them (the engine then reads it as before).
 */
export function productFactAnswer(ctx: FactContext): FactAnswer | null {
  const { read } = ctx;
  // Chinese written in pinyin ("kou hong you na xie yan se") is read in the words it spells.
  const plain = read.pinyinOnly ? read.normalized : read.plain;
  // The normaliser folds 有没有 → 有, 能不能 → 能: the shopper's own words tell a question too.
  // "那颜色呢" after a product: a question in one word, about the product in the conversation.
  const asks =
    isQuestion(read.normalized, ctx.text) ||
    A_NOT_A.test(ctx.text) ||
    (read.pinyinOnly && A_NOT_A.test(plain)) ||
    isEllipticalFollowUp(ctx.text);
  // "防晒乳小孩能用吗", "宝宝能用这个沐浴露吗", "kids can use the sunscreen?", "宝宝防晒推荐": a baby or a
  // child, asked about or recommended for (a recommendation need not be a question).
  const askedAbout = productsInQuestion(ctx, ctx.product(ctx.productId));
  if (
    (asks || RECOMMENDS.test(plain)) &&
    !isActionRequest(read.normalized, ctx.text) &&
    askedAbout.length > 0 &&
    CHILD_WORDS.test(withoutNames(plain, askedAbout.flatMap(namesOf))) &&
    MAY_USE.test(plain) &&
    !REACTION.test(plain) &&
    // "孩子对蓝莓过敏，坚果能给他吃吗": an allergy is the question (the allergy answer below);
    // "宝宝7公斤 纸尿裤选什么码": a size (the size advice).
    !ALLERGY_WORD.test(plain) &&
    !/码|\bsizes?\b/.test(plain) &&
    askedAllergens(plain, ctx.products).length === 0
  ) {
    const child = childAnswer(ctx, askedAbout);
    if (child) return child;
  }
  // "老年人可以用面霜吗", "is the cream ok for my grandma": an older user is no skin type the details
  // list; unless the product's own data names them, said not stated, with what is listed.
  if (
    asks &&
    !isActionRequest(read.normalized, ctx.text) &&
    askedAbout.length === 1 &&
    ELDERLY_WORDS.test(withoutNames(plain, askedAbout.flatMap(namesOf))) &&
    MAY_USE.test(plain) &&
    !REACTION.test(plain) &&
    !ALLERGY_WORD.test(plain)
  ) {
    const p = askedAbout[0]!;
    if (!ELDERLY_WORDS.test(`${namesOf(p).join(' ')} ${JSON.stringify(p.attributes)}`))
      return notListed(ctx, p, null, 'suitableSkin');
  }
  // "有没有男士的", "有男士护肤品吗", "有适合男生用的吗": goods for men asked of the shop, no product
  // named. None is made for one sex and the details do not divide by it: said plainly, with what
  // suits — the products listed by skin type (a kind word's own, when one is named).
  if (
    (!ctx.named || MEN_GOODS_NAMED.test(plain)) &&
    (MEN_GOODS.test(plain) || (KIND_FOR_MEN.test(plain) && (ctx.named || ctx.candidates.length > 0))) &&
    !isActionRequest(read.normalized, ctx.text)
  ) {
    // "face wash for men": one product named — whether men can use it.
    const one = ctx.named ? ctx.product(ctx.productId) : undefined;
    const men = one ? forMenAnswer(ctx, one) : menGoodsAnswer(ctx);
    if (men) return men;
  }
  if (!asks || isActionRequest(read.normalized, ctx.text)) return null;

  // How the parcel is left, when no article of the shop says.
  if (DELIVERY_PREFERENCE.test(plain) && !PARCEL_PROBLEM.test(plain) && !deliveryPreferenceArticle(ctx)) {
    return productFactResult(null, ctx.say('deliveryPreference'), {
      action: 'clarify',
      quickReplies: [ctx.say('optionHuman')],
    });
  }
  if (AFTER_SALES.test(plain)) return null;

  const product = ctx.product(ctx.productId);
  // Goods the shop does not carry, named with no product of ours: "这件大衣有没有黑色的".
  const strongMention = read.products.some((p) => p.score >= 1);
  // With a product in the conversation, goods are asked for only in words of buying.
  const named =
    !ctx.named && !strongMention && (!ctx.productId || BUYING.test(plain)) && !ownPurchase(plain)
      ? uncarriedGoods(plain, ctx.products)
      : null;
  const goods = named && servesOnly(plain, named) ? null : named;
  if (goods) {
    return productFactResult(
      null,
      ctx.say('notCarried', {
        item: goods,
        catalog: ctx.catalogue().join(ctx.language === 'en' ? ', ' : '、'),
      }),
    );
  }

  const allergens = askedAllergens(plain, ctx.products);
  // Of several named ("坚果和芝麻都过敏"), the one the product holds leads.
  const allergen = product ? (allergens.find((a) => allergenIn(product, a)) ?? allergens[0]) : allergens[0];
  if (
    allergen &&
    product &&
    !REACTION.test(plain) &&
    (ASKS_SUITABILITY.test(plain) || A_NOT_A.test(ctx.text))
  )
    return allergyAnswer(ctx, allergen, product);

  // "油皮可以用玻尿酸面霜吗", "the cream, good for oily skin?": the skin types it lists answer it.
  const skin = SKIN_TYPES.find((t) => t.asked.test(plain));
  if (
    skin &&
    product &&
    ctx.named &&
    listAttribute(product.attributes.suitableSkin).length > 0 &&
    // The normaliser folds "会不会干", "能不能用" to "会干", "能用": the shopper's own words ask too.
    (SUITS.test(plain) || A_NOT_A.test(ctx.text) || WILL_IT.test(plain)) &&
    !REACTION.test(plain) &&
    !/哪个|哪款|哪一|推荐|\bwhich\b|\brecommend/.test(plain)
  )
    return skinAnswer(ctx, product, skin);
  // "油皮能用防晒吗" with two sunscreens (none named, or another product before): each of them.
  if (
    skin &&
    askedAbout.length > 1 &&
    askedAbout.every((p) => listAttribute(p.attributes.suitableSkin).length > 0) &&
    (SUITS.test(plain) || A_NOT_A.test(ctx.text) || WILL_IT.test(plain)) &&
    !REACTION.test(plain) &&
    !/哪个|哪款|哪一|推荐|\bwhich\b|\brecommend/.test(plain)
  ) {
    const answers = askedAbout.map((p) => skinAnswer(ctx, p, skin));
    return {
      ...answers[0]!,
      text: answers.map((a) => a.text).join('\n'),
      productId: null,
      quickReplies: [],
      grounding: { articles: [], product: null },
    };
  }

  // "气垫适合什么肤质": the skin types it lists, when it lists any — for each of the products a
  // kind word leaves open ("which skin is the sunscreen for" with two sunscreens).
  if (!skin && ASKS_SKIN_TYPES.test(plain) && !REACTION.test(plain)) {
    const asked = product
      ? [product]
      : ctx.candidates
          .map((id) => ctx.product(id))
          .filter((p): p is KnowledgeProduct => !!p)
          .slice(0, 3);
    const listing = asked.filter((p) => listAttribute(p.attributes.suitableSkin).length > 0);
    if (listing.length > 0 && listing.length === asked.length) {
      const en = ctx.language === 'en';
      const lines = listing.map((p) => {
        const listed = listAttribute(p.attributes.suitableSkin);
        return en
          ? `${p.name} is listed for these skin types: ${listIn(listed, 'en')}.`
          : `${p.name}写明适合的肤质：${listIn(listed, 'zh')}。`;
      });
      const result = productFactResult(listing.length === 1 ? listing[0]! : null, lines.join('\n'), {
        intent: 'skin_recommendation',
        attribute: 'suitableSkin',
      });
      return result;
    }
  }

  // "男生能用防晒吗" with two sunscreens (none named, or another product before): each of them.
  if (askedAbout.length > 1 && asksMen(plain)) {
    const answers = askedAbout.map((p) => forMenAnswer(ctx, p));
    if (answers.length > 1 && answers.every((a) => a?.action === 'answer')) {
      return {
        ...answers[0]!,
        text: answers.map((a) => a!.text).join('\n'),
        productId: null,
        grounding: { articles: [], product: null },
      };
    }
  }
  // "can women use the sunscreen", "is the sunscreen ok for ladies" with two sunscreens: each of them
  // (never the pregnancy article that "women" comes near).
  if (askedAbout.length > 1 && WOMEN_MAY_USE.test(plain) && !PREGNANCY_WORDS.test(plain)) {
    const answers = askedAbout.map((p) => forWomenAnswer(ctx, p));
    if (answers.every((a) => a?.action === 'answer')) {
      return {
        ...answers[0]!,
        text: answers.map((a) => a!.text).join('\n'),
        productId: null,
        grounding: { articles: [], product: null },
      };
    }
  }
  // "is this suitable for men?" with no product named or in the conversation: a question about a
  // product of the shop the bot cannot see — ask which, never decline it as off-shop.
  if (!product && ctx.candidates.length === 0 && POINTS_AT_THIS.test(plain) && asksMen(plain))
    return productFactResult(
      null,
      ctx.say('whichProduct', { topic: ctx.language === 'en' ? 'details' : '信息' }),
      {
        action: 'clarify',
        quickReplies: [ctx.say('optionHuman')],
      },
    );
  // Colours and "for men?" about the product named, or the one in the conversation when the
  // message names none ("这款还有别的配色吗").
  if (!product || (!ctx.named && read.products.length > 0)) return null;
  // Make-up's wear: how long it stays on is no fact the catalogue lists — said so, never the
  // delivery times "多久" reached or the shelf life "last" did.
  if (MAKEUP.test(product.category ?? '') && asksWear(plain, product) && !SHELF_WORDS.test(plain))
    return notListed(ctx, product, ctx.language === 'en' ? 'wear time' : '持妆时长', 'wear');
  if (asksColour(plain)) return colourAnswer(ctx, product);
  // Another size or version of a product with no sizes listed ("托特包有没有小号的"): not listed —
  // never a decline, never a guess. Products with sizes are answered from them (catalogueAnswer).
  if (ASKS_VARIANT.test(plain) && ownValue(product.attributes, 'sizes') === undefined)
    return notListed(
      ctx,
      product,
      ctx.language === 'en' ? 'other sizes or versions' : '其他尺寸或款式',
      'variants',
    );
  if (asksMen(plain)) return forMenAnswer(ctx, product);
  if (WOMEN_MAY_USE.test(plain) && !PREGNANCY_WORDS.test(plain)) return forWomenAnswer(ctx, product);
  return null;
}

/**
 * Whether women may use goods ("can women use the cleanser", "女生能用吗"): a may-use question with a
 * women word — not a pregnancy (its own article) nor a cut of clothes (`forWomenAnswer`).
 */
const WOMEN_MAY_USE =
  /\b(?:can|could|may|should|do|does|is|are)\b[^.?!]{0,30}\b(?:women|woman|ladies|lady|girls?|females?)\b|\b(?:women|woman|ladies|lady|girls?|females?)\b[^.?!]{0,12}\b(?:use|ok|okay|fine|suitable)\b|(?:女生|女士|女的|女人|女性|女孩子|女孩|小姐姐|姑娘)(?:也)?(?:能|可以|适合)(?:用)?/;

/**
 * Women asked of goods the details list skin types for (or name no sex at all): not by sex — anyone
 * may use them, chosen by skin type; a baby's goods say who they are for. Clothes (sizes): the details
 * do not say a cut's sex — not listed, and a size asked is left to the size readings; goods named for
 * one sex are left to their name.
 */
function forWomenAnswer(ctx: FactContext, product: KnowledgeProduct): FactAnswer | null {
  const en = ctx.language === 'en';
  if (/男|女/.test(product.name)) return null;
  // Never another matter "use" comes near (the allergy first aid of "ladies ok to use the jeans?").
  if (ownValue(product.attributes, 'sizes') !== undefined)
    return /码|\d|\bsizes?\b|\b(?:xs|s|m|l|xl|xxl)\b/i.test(ctx.text)
      ? null
      : notListed(ctx, product, ctx.language === 'en' ? 'who it is cut for' : '适合人群');
  if (childGoods(product)) return forMenAnswer(ctx, product);
  const skin = listAttribute(product.attributes.suitableSkin);
  if (skin.length === 0)
    return productFactResult(
      product,
      en
        ? `${product.name} is not made for one sex; nothing in its details limits who can use it.`
        : `${product.name}不分男女，商品资料里没有限定性别，女士也可以${useVerb(product, false)}。`,
    );
  return productFactResult(
    product,
    en
      ? `${product.name} is not by sex: anyone can use it, by skin type. It suits these skin types: ${listIn(skin, 'en')}.`
      : `${product.name}不分男女，女士也可以用，按肤质选就好；适合肤质：${skin.join('、')}。`,
    { attribute: 'suitableSkin' },
  );
}

/** An article of the shop about where a parcel is left (not a missing parcel), if any. */
function deliveryPreferenceArticle(ctx: FactContext): boolean {
  for (const article of ctx.articles) {
    const words = [article.title, ...(article.questions ?? [])].join(' ');
    if (DELIVERY_PREFERENCE.test(words) && !PARCEL_PROBLEM.test(words)) return true;
  }
  return false;
}

/**
 * After the engine: a clear, specific question about one product ("口红会沾杯吗", "牛肉干辣不辣")
 * that it could only meet with a clarify — no fact or article answers it — gets what is known and
 * that this detail is not listed, with a person offered, instead of "which aspect?". Vague asks
 * ("口红怎么样") keep the clarify. Null when the result should stand.
 */
export function honestGap(
  ctx: Pick<FactContext, 'language' | 'say' | 'product'> & { text: string; read: ReadText },
  result: {
    action: string;
    productId: string | null;
    intent: string | null;
    quickReplies: string[];
    attribute?: string;
  },
): FactAnswer | null {
  // A clarify that already names the detail missing (colours not listed) stands.
  if (result.action !== 'clarify' || !result.productId || result.intent || result.attribute) return null;
  const product = ctx.product(result.productId);
  if (!product) return null;
  const plain = ctx.read.plain;
  if (longMessage(plain)) return null;
  if (VAGUE.test(plain) || !(isQuestion(ctx.read.normalized, ctx.text) || A_NOT_A.test(ctx.text)))
    return null;
  const rest = asked(plain, product);
  // English words are counted before the filler goes, which takes the spaces between them too.
  const content = HAN.test(rest)
    ? (rest.match(/\p{Script=Han}/gu)?.length ?? 0) >= 2
    : (withoutLabels(plain, product).match(/[a-z]{3,}/g)?.length ?? 0) >= 2;
  if (!content) return null;
  const held = factHolding(ctx, product, rest);
  if (held) return held;
  const answer = notListed({ ...ctx, productId: product.id } as FactContext, product, null);
  return {
    ...answer,
    quickReplies: [...new Set([...answer.quickReplies, ...result.quickReplies])].slice(0, 4),
  };
}

/**
 * A story rather than a question ("是这样的 上周五…不知道这个能不能直接丢洗衣机"): the engine reads
 * its last clauses on their own (`answerTail`), which a reply about the whole would pre-empt.
 */
const longMessage = (plain: string) =>
  (plain.match(/\p{Script=Han}/gu)?.length ?? 0) > 24 || (plain.match(/[a-z]+/g)?.length ?? 0) > 14;

// Glosses of English grammar words, which say nothing of what is asked.
const GRAMMAR_GLOSSES = new Set([
  '的时候',
  '什么时候',
  '能',
  '可以',
  '吗',
  '什么',
  '怎么',
  '多久',
  '人',
  '有',
]);

/** What is left of a message once the product's own words and the question's grammar are taken out. */
function asked(plain: string, product: KnowledgeProduct): string {
  return withoutLabels(plain, product).replace(QUESTION_FILLER, '');
}

/** The message with the product's own names cut out. */
const withoutLabels = (plain: string, product: KnowledgeProduct): string =>
  withoutNames(plain, namesOf(product));

/**
 * After the engine: a general article (written for no product) chosen for a question about one
 * product that shares not one character of what it asks with it — "托特包有肩带吗" answered with the
 * shipping-fee article — is a neighbour, not an answer. The question then gets what is known and
 * a person (`honestGap`'s reply). An English question is checked by its glosses (English words
 * never occur in Chinese articles; a question with no gloss is left be). Null when the article stands.
 */
export function unrelatedArticle(
  ctx: Pick<FactContext, 'language' | 'say' | 'product'> & { text: string; read: ReadText },
  result: { action: string; productId: string | null; articleId: string | null },
  article: KnowledgeArticle | undefined,
): FactAnswer | null {
  if (result.action !== 'answer' || !result.productId || !article || article.productIds.length > 0)
    return null;
  const product = ctx.product(result.productId);
  if (!product || longMessage(ctx.read.plain)) return null;
  if (!(isQuestion(ctx.read.normalized, ctx.text) || A_NOT_A.test(ctx.text))) return null;
  // An English question meets the Chinese article through its glosses ("sweat" → 出汗): those are
  // what it asks, less the product's own names and the glosses of grammar ("when I" → 的时候).
  // (Whole terms there: a gloss is a word, and "出汗" shares 出 with any "发出".)
  const written = [article.title, ...(article.questions ?? []), article.answer].join(' ');
  const english = !HAN.test(ctx.read.plain);
  const rest = english
    ? withoutLabels(ctx.read.normalized.slice(ctx.read.plain.length), product)
        .split(/\s+/)
        .filter((term) => HAN.test(term) && !GRAMMAR_GLOSSES.has(term))
        .join(' ')
    : asked(ctx.read.plain, product);
  if (english) {
    const terms = rest.split(' ').filter(Boolean);
    if (terms.length === 0 || terms.some((term) => written.includes(term))) return null;
    return notListed({ ...ctx, productId: product.id } as FactContext, product, null);
  }
  // Characters, not words: "拆开了还能退吗" and an article on 拆封/退货 share 拆 and 退.
  const han = rest.match(/\p{Script=Han}/gu) ?? [];
  if (han.length === 0) return null;
  if (han.some((c) => written.includes(c))) return null;
  return (
    factHolding(ctx, product, rest) ??
    notListed({ ...ctx, productId: product.id } as FactContext, product, null)
  );
}

/** What is listed of a product and that the question is not, with a person offered. */
export function notCoveredForProduct(
  ctx: Pick<FactContext, 'language' | 'say' | 'product'> & { text: string; read: ReadText },
  product: KnowledgeProduct,
): FactAnswer {
  return notListed({ ...ctx, productId: product.id } as FactContext, product, null);
}

/**
 * A fact of the product whose text holds a two-character word of what is asked ("肩带" in the
 * tote's size chart: "肩带长58cm"), answered whole; null when none does.
 */
function factHolding(
  ctx: Pick<FactContext, 'language'>,
  product: KnowledgeProduct,
  rest: string,
): FactAnswer | null {
  const runs = rest.match(/\p{Script=Han}+/gu) ?? [];
  const pairs = runs.flatMap((run) => [...run].slice(0, -1).map((c, i) => c + run[i + 1]));
  if (pairs.length === 0) return null;
  for (const [key, value] of Object.entries(product.attributes)) {
    const label = ownValue(FACT_LABELS, key);
    const text = textOf(value);
    if (!label || !pairs.some((pair) => text.includes(pair))) continue;
    const en = ctx.language === 'en';
    return productFactResult(
      product,
      en
        ? `${product.name}, ${label.en}: ${text}.`
        : `${product.name}的${label.zh}：${text}。`.replace(/。。$/, '。'),
      { attribute: key },
    );
  }
  return null;
}
