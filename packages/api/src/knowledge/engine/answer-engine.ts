import { ownValue } from '../../platform/own-property';
import { isInStock, listAttribute, stockAlternatives } from '../catalog-stock';
import { tokenize } from './chinese-tokenizer';
import { askedDomesticPlace, domesticDeliveryArticle, domesticFit, isPlaceWord } from './domestic-places';
import { unseenTopic } from './english-coverage';
import { asksMen, MEN_SAID, withoutMenAddressed } from './goods-lexicon';
import { type ArticleCandidate, classify, type IntentCandidate } from './intent-classifier';
import {
  askedIn,
  type KnowledgeArticle,
  type KnowledgeIntent,
  type KnowledgeProduct,
  namesOf,
} from './knowledge-base';
import {
  intentKeyOf,
  isFunctionTerm,
  type KnowledgeIndex,
  OFF_TOPIC,
  type ReadText,
} from './knowledge-index';
import { labelFactAnswer } from './label-facts';
import { focusMessage } from './message-focus';
import { withinMessage, wordSegments } from './message-scope';
import {
  asksColour,
  honestGap,
  notCoveredForProduct,
  productFactAnswer,
  productLabels,
  productsOfKind,
  servesOnly,
  uncarriedGoods,
  unrelatedArticle,
} from './product-facts';
import { createNameLocaliser, localNames } from './product-names';
import { splitQuestions } from './question-splitter';
import { recommendationAnswer } from './recommend';
import { regionAnswer } from './region-coverage';
import {
  inScript,
  orderStatusText,
  type ReplyLanguage,
  replyLanguageOf,
  type SystemTextKey,
  systemText,
} from './reply-language';
import {
  ASKS_AVAILABILITY,
  ATTRIBUTE_CUES,
  ATTRIBUTE_INTENT_CUES,
  asksOrderChange,
  asksOrderChangeOfGoods,
  CHILD_LISTED,
  CHILD_WORDS,
  ELDERLY_WORDS,
  MAY_USE,
  ORDER_CHANGE_UNSENT,
  ORDER_STATUS_CUE,
  ORDER_UNSHIPPED_CUE,
  PREGNANCY_WORDS,
  PRODUCT_NOUNS,
  REASON_POLICY_WORDS,
  SHOP_CUE,
} from './retail-lexicon';
import { serviceAskedInPregnancy, serviceSenseFix } from './service-senses';
import {
  askedForSale,
  asksAboutService,
  asksEventSchedule,
  asksForHuman,
  asksMultiBuyDiscount,
  asksOfOrderNote,
  asksServiceAtHour,
  asksWhenServiceOpen,
  discountGroup,
  extractOrderId,
  extractReason,
  extractWantedSize,
  GIFT_MISSING,
  greetingIntentOf,
  isActionRequest,
  isBareNumber,
  isEllipticalFollowUp,
  isGreeting,
  isProductMention,
  isQuestion,
  mentionsOffDomainTopic,
  mentionsOrderNote,
  namesEventTimes,
  negativeSentiment,
  ownPurchase,
  skinTypeOf,
  withoutGreeting,
} from './shopper-signals';
import { smallTalkKind } from './small-talk';
import { stableSort } from './stable-sort';
import { normalizeText, withArabicSizes } from './text-normalizer';
import { valueIn } from './value-glossary';

/** A ticket the engine opened and is waiting to complete with the order number it asked for. */
export interface AwaitedOrder {
  type: string;
  intent: string;
  productId: string | null;
  reason: string | null;
}

/** What the bot remembers across turns and channels (stored in `conversations.context`). */
export interface ConversationMemory {
  lastProductId?: string;
  /** The goods a kind word left open in the last turn that named goods ("防晒多少钱": both sunscreens). */
  lastKindIds?: string[] | null;
  lastOrderId?: string;
  lastIntent?: string;
  /** An intent waiting for the shopper to say which product ("which one?"). */
  pendingIntent?: string;
  /** Unclear turns in a row: the second offers a human, the third hands over. */
  lowConfidenceStreak?: number;
  /** The language the shopper writes in (zh, zh-Hant, en): replies to wordless messages keep it. */
  language?: ReplyLanguage;
  /** The ticket the last turn opened without an order number (the bot asked for one). */
  awaitingOrderFor?: AwaitedOrder | null;
  intents?: string[];
  productIds?: string[];
  orderIds?: string[];
  answeredArticleIds?: string[];
  /**
   * Who the last turn asked a product for (pregnancy or a child, in the shopper's word): a bare
   * follow-up ("那精华呢", "what about the cream") asks the same of another product.
   */
  askedFor?: { who: 'pregnancy' | 'child' | 'men'; word: string; kind?: string } | null;
  /** The catalogue fact (price, sizes) the last product answer gave: "那口红呢" asks it again. */
  lastFact?: string | null;
  [key: string]: unknown;
}

/** One of the shopper's orders as the merchant's backend pushed it to the profile. */
export interface ShopperOrder {
  id: string;
  /** The merchant's status words ("已发货", "shipped", "运输中"…), shown as they are. */
  status: string;
  carrier?: string | null;
  trackingNumber?: string | null;
  /** Products in the order (catalogue ids), to pick the order a question is about. */
  productIds?: string[];
  /** ISO time the order was placed or last changed: the latest answers "我的订单到哪了". */
  updatedAt?: string | null;
}

/** Profile facts that make answers personal. */
export interface ShopperProfile {
  attributes: Record<string, unknown>;
  /** SKUs / product ids in the cart. */
  cartProductIds: string[];
  /** Recent orders, newest first; "我的订单到哪了" answers from them when given. */
  orders?: ShopperOrder[];
}

export interface EngineInput {
  text: string;
  channel: string;
  memory?: ConversationMemory;
  profile?: ShopperProfile;
  /** What to do with questions outside the shop's business. */
  outOfScope?: 'decline' | 'human';
}

export type EngineAction = 'answer' | 'clarify' | 'escalate' | 'ticket' | 'decline' | 'smalltalk';

export interface TicketDraft {
  type: string;
  intent: string;
  orderId: string | null;
  productId: string | null;
  reason: string | null;
  wantedSize: string | null;
}

export interface EngineResult {
  action: EngineAction;
  /** The reply text (for tickets, the part after the ticket confirmation); empty = stay silent. */
  text: string;
  intent: string | null;
  articleId: string | null;
  productId: string | null;
  confidence: number;
  lowConfidence: boolean;
  outOfScope: boolean;
  ticket?: TicketDraft;
  /** The ticket only gets the order number it was waiting for. */
  ticketFill?: boolean;
  /** Up to three options for the shopper to tap (plus "talk to a person" past two unclear turns). */
  quickReplies: string[];
  /** The language the reply is written in (the shopper's). */
  language: ReplyLanguage;
  /** The catalogue fact answered (`price`, `shelfLife`…), when the answer came from the catalogue. */
  attribute?: string;
  /** The shopper's order the answer is about (from the profile's orders). */
  orderId?: string | null;
  memory: ConversationMemory;
  /** What the answer rests on, for an LLM to phrase and for the meta. */
  grounding: { articles: KnowledgeArticle[]; product: KnowledgeProduct | null; attribute?: string };
  /** Best guesses kept when the engine did not answer, for the learning loop. */
  nearest: { intent: string | null; articleId: string | null };
  /** Further answers in the same turn: the second question of "保质期多久？可以退货吗？". */
  more: EngineResult[];
}

export interface EngineThresholds {
  /** Below this the question is treated as outside the shop's business. */
  outOfScope: number;
  /** Below this the bot asks which of its best readings was meant instead of answering. */
  confident: number;
}

const DEFAULT_THRESHOLDS: EngineThresholds = { outOfScope: 0.05, confident: 0.2 };
// Share of n-gram similarity to an article's own question variants when ranking one intent's articles.
const VARIANT_SHARE = Number(process.env.TL_VARIANT_SHARE ?? 0.35);
// A request to act, or a question about the shopper's own order: that much for the intents that do it.
const ACTION_BONUS = 0.2;
// A product fact asked in so many words, about a known product: that much more for its intent.
const ATTRIBUTE_CUE_BONUS = 0.25;
// The built-in intents of answers the catalogue gives (prices, what the shop sells).
export const PRODUCT_INFO_INTENT = 'product_info';
// Suggestions of what goes with a product (its catalogue `goesWith`), answered from the catalogue.
export const PRODUCT_RECOMMENDATION_INTENT = 'product_recommendation';
// "配什么", "搭什么好看", "有什么配的小东西", "what goes with": what completes a product, not what it is.
const ASKS_GOES_WITH =
  /配什么|搭什么|配啥|搭啥|怎么搭|怎么配(?!送|货|件)|如何搭配|搭配什么|搭配推荐|什么搭配|(?:好|适合|可以|能)(?:搭|配)(?!送|货|件|合|置)|(?:和|跟|与|配)(?:它|这个|这款|什么|啥).{0,3}(?:一起|搭|配)(?!送)|配的(?:小东西|东西|单品|衣服|商品|产品|小物|配饰|包|鞋)|一起(?:买|入|带|穿)(?:什么|啥|的)|\bgo(?:es)? (?:well )?with\b|\bpair(?:s|ed)? (?:well |it )?with\b|\bmatch(?:es)? with\b|\bwear (?:it |them )?with\b|\bcomplete the look\b/;
// The intent of articles on how to use a product (order in a routine, amount, how often).
const PRODUCT_USAGE_INTENT = 'product_usage';
// "能一起用吗", "哪个先涂", "use them together", "which goes first": using products together or in
// order — about the products. Next to two products it is a routine question, not coupon stacking.
const ASKS_USING_TOGETHER =
  /一起(?:用|涂|抹|擦|使用)|同时(?:用|涂|抹|使用)|叠(?:加|着)(?:用|涂|使用)|混(?:用|着用)|搭配(?:用|使用)|(?:先|后|再)(?:用|涂|抹|擦|上)|哪个先|谁先|先后|顺序|\btogether\b|\bat the same time\b|\b(?:goes|go|apply|put|use)\b.{0,40}\bfirst\b|\bfirst\b.{0,40}\bor\b|\blayer(?:ing)?\b|\bmix\b|\bin (?:what|which) order\b/;
// Words of money off: with them "一起用" asks which coupons or offers stack, whatever else is named.
const MONEY_OFF =
  /券|优惠|红包|满减|折扣|积分|\bcoupons?\b|\bvouchers?\b|\bpromo\b|\bdiscounts?\b|\bpoints\b/;
// Characters of a short, single question (a question about the service may outrank another reading).
const SHORT_QUESTION = 60;
// Weight left to the readings other than dispatch when an order waiting to ship is asked about.
const UNSHIPPED_OTHERS = 0.6;
// A delivery place decides the reading only below this confidence in another one.
const PLACE_OVERRIDES_BELOW = 0.5;
// Matters asked beside a delivery place that are the question themselves: where the parcel is,
// a return, an address change, a cancellation, an invoice; goods arrived damaged or short; when the
// order is sent out (dispatch, not the journey); a fee asked in English ("for free", "more
// expensive" — the Chinese fee words lead to the fee article through the place's own articles).
const OTHER_MATTER =
  /到哪|物流|进度|签收|没收到|退|换|改|地址|取消|发票|少了|少发|漏发|破了|破损|坏了|碎了|压坏|什么时候发|几时发|多久发|\b(?:where|track|tracking|return|refund|exchange|change|address|cancel|invoice|updated?|missing|broken|damaged|cracked)\b/;
// The skin reacting (redness, a rash, stinging, itching) and a use just before it — or, in English,
// the product said to have done it ("the cream made my face itchy", "my skin got itchy").
const SKIN_REACTED =
  /过敏|起疹|红疹|刺痛|发痒|泛红|发红|脸红|红了|红肿|\b(?:rash|itch(?:y|ing)?|sting(?:s|ing)?|burn(?:s|ing)?|breakouts?|broke out|break(?:s|ing)? out|bumps?|hives|pimples?|zits?|swollen|swelling|puffy|redness|(?:is|are|went|turned|got|gone|became|so|all|bright|very) red|red (?:and|bumps|spots|patches)|peeling|tingl(?:e|es|ing|y))\b/;
const AFTER_USE =
  /用了|用完|用过|涂了|涂完|擦了|擦完|敷了|敷完|抹了|抹完|用后|使用后|\b(?:after|since) (?:using|applying|wearing|i used|i applied|i put on|the|your|this|that|it)\b|\b(?:made|gave) (?:my|me)\b|\bused (?:the|your|this|that|it|my)\b.{0,40}\bnow\b|\bmy (?:face|skin|lips|eyes|neck|cheeks|hands?) (?:got|went|turned|became|has been|is now)\b/;
// "用了什么能缓解泛红", "what helps redness after sun": advice asked for, not a reaction reported.
const isQuestionForAdvice = (plain: string): boolean =>
  /推荐|哪款|哪个好|什么.{0,4}(?:能|可以)(?:缓解|舒缓|改善|修复)|用什么|\b(?:recommend|which (?:one|product)|what (?:helps|can i use|should i use))\b/.test(
    plain,
  );
// A parcel or its arrival named, with which damage or a missing item is about the delivered goods.
const PARCEL =
  /包裹|快递|箱子|外箱|纸箱|收到|到货|寄到|发到|送到|寄去|发去|\b(?:parcel|package|box|delivery|delivered|arrived|came|shipment)\b/;
// A gift sent back with a return ("退货时赠品没寄回可以吗"): the return's rules, not goods short.
const RETURN_OF_GIFT = /退|寄回|\b(?:return|returns|returning|refund|send (?:it |them )?back)\b/;
// A delivery fee asked, and an article about fees by its title.
const FEE_ASKED =
  /运费|邮费|包邮|\b(?:for free|free shipping|free delivery|fees?|costs?|expensive|cheaper|how much|postage|charge)\b/;
const FEE_ARTICLE = /运费|包邮|邮费|\b(?:fees?|shipping cost)\b/i;
// Another problem told beside an order waiting to ship: then the order's state is only the context.
const OTHER_TROUBLE =
  /失败|不成功|扣了两次|重复扣|多扣|未付款|没付成|关闭了|\bfail|\bdeclined\b|\bcharged (?:twice|two)|\bdouble charged\b/;
// Share of the linear model in the blended intent score (the rest is retrieval over question variants).
const LINEAR_SHARE = 0.55;
// The words of a note itself and of leaving it (not what it asks for).
const NOTE_WORDS = /[备注留言单]|付款|写了|要求|什么|时候|多久/;
// A short follow-up is at most this long (Han characters / English words); it stays in the last
// matter when an article of it scores at least CARRY_SHARE of the best article for its words.
const FOLLOW_UP_HAN = 10;
const FOLLOW_UP_WORDS = 9;
const CARRY_SHARE = 0.6;
/** Where or how to apply, naming nothing to apply for ("在哪里申请", "怎么申请呢", "where do I apply"). */
const BARE_APPLY =
  /^(?:那|那么|请问|我)?(?:要|应该|该)?(?:在)?(?:哪里|哪儿|哪|怎么|如何|去哪|从哪)(?:里|儿)?(?:去|可以|能)?(?:申请|提交|操作|办理)(?:呢|啊|呀|吗|的)?[？?。！!]*$|^(?:where|how) (?:do|can|should) i (?:apply|submit|request)(?: for it| it)?\??$/;
// Words that tie a vague message to this conversation or this shop rather than to the world.
const REFERS_TO_CHAT =
  /你们|我的|我买|我家|这个|那个|这款|那款|上次|刚才|之前|帮我|\bmy\b|\byour\b|\bthis\b|\bit\b/;
// Words that only point at the thing discussed ("这个多少钱", "how much is it").
const DEICTIC =
  /这个|那个|这款|那款|这件|那件|这条|那条|这双|这套|这瓶|这盒|这支|宝贝|链接|现在|一个|一件|目前|[这那它的呀呢啊]|\b(?:what|whats|what s|is|it|its|this|that|the|one|for|now|of|does|do|much|how)\b|\s/g;
// "怎么用", "how do I": a question of how to do something.
const HOW_TO =
  /怎么用|怎样用|怎么使用|如何使用|如何用|怎么操作|怎么弄|在哪(?:里)?(?:用|输入|填)|\bhow (?:do|can|should|would) (?:i|we|you)\b|\bhow to\b|\bwhere do i (?:enter|put|apply)\b/;
// Words of something gone wrong: with them a "how" asks for a fix ("怎么用不了", "how do I fix").
const TROUBLE_ASKED =
  /用不了|不能用|不可用|用不上|没法用|失败|不行|没(?:有)?(?:抵扣|减|用上|生效)|不显示|灰色|过期|为什么|怎么回事|\bwhy\b|\bnot\b|n't\b|\bfail|\berror\b|\bproblem\b|\bissue\b|\bfix\b|\bbroken\b/;
// Something reported as gone wrong in so many words ("promo code says invalid", "优惠码提示无效",
// "my voucher won't apply", "my coupon expired"): the article about what goes wrong answers it, not one that merely
// mentions when the thing cannot be used. ("doesn't" reads "doesn t" once normalised.)
const TROUBLE_STATED =
  /用不了|不能用|不可用|用不上|没法用|无效|失效|过期了|已过期|\bexpired\b|失败|不成功|没(?:有)?(?:抵扣|减|用上|生效)|不显示|灰色|不见了|消失|\b(?:disappeared|vanished|gone)\b|\binvalid\b|\bnot (?:working|valid|accepted|applied|applying|going through)\b|n(?:'| )?t (?:work(?:s|ing)?|apply(?:ing)?|accept(?:ed|ing)?|go(?:ing)? through)\b|\bdeclined\b|\brejected\b|\berror\b|\bgr[ae]yed out\b/;
// A follow-up putting another case of the same matter: "what if…", "and if…", "要是…呢", "万一…".
const CONDITIONAL_FOLLOW_UP =
  /^(?:and |but |so |ok |okay )?(?:what about if|what about when|how about if|what if|and if|but if|if it|if i|if the|if my)\b|^(?:那|那么|可是|但是)?(?:如果|要是|万一|假如)/;
const HAN_ONLY = /^\p{Script=Han}+$/u;
// Words of the case that say no case: "已经", "还", "的话".
const CASE_FILLER = /^(?:已经|还是|的话|如果|要是|万一|假如|怎么|怎么办|那么|可以|能不能)$/;
// An article title about what goes wrong rather than how to do it.
const TROUBLESHOOTING = /用不了|不可用|不能用|失败|原因|怎么办|不更新|没收到|破损|漏发|发错|重复/;
const A_NOT_A = /能不能|可不可以|是不是|会不会|有没有|要不要|行不行|好不好|可以吗/;
// "这个", "this one": a product the shopper sees and the bot may not.
const POINTS_AT_PRODUCT =
  /这个|这款|那个|那款|这件|那件|这支|这瓶|这条|\b(?:this|that) (?:one|product|item)\b|\bis (?:it|this)\b/;
// "最多能买多少钱", "满多少包邮", "还差多少钱", "退多少钱": amounts that are no product's price.
const NOT_A_PRICE =
  /最多|最少|上限|限额|额度|满多少|差多少|还差|退多少|扣多少|补多少|交多少|税|运费|邮费|定金|尾款|\bmax(?:imum)?\b|\blimit\b/;
// Regular expressions with Unicode property escapes are module constants: the bundler turns such a
// literal into `new RegExp(…)` where it stands, which would build a RegExp object on every call.
// (`match` and `replace` with a global one start from 0 each time.)
const LETTER = /\p{L}/gu;
const READ_LETTER = /[\p{Script=Han}a-z]/giu;
const HAN_CHARS = /\p{Script=Han}/gu;
const NOT_HAN = /[^\p{Script=Han}]/gu;
const HAN_OR_LATIN = /[\p{Script=Han}a-z]/iu;
const HAN_CHARS_ONE = /\p{Script=Han}/u;
/**
 * Goods said first, then a question of "it" ("the serum, can guys use it"): [1] the goods, [2] the
 * question. A clause said first ("i opened the cream, can i take it back") is no such topic.
 */
const TOPIC_FIRST =
  /^((?!(?:i|we|you|he|she|they)\b)(?:(?:the|this|that|your|ur) )?[a-z][a-z' ]{1,30}?)\s*(?:[,，:;]|\s-\s)\s*((?:can|could|does|do|is|will|would|may|should)\b[^,]*\bit\b[^,]*)$/i;
/** The words said before 的 ("防晒有清透的", "清透一点的"): where a quality of goods is said. */
const BEFORE_DE = /(\p{Script=Han}{2,8})的/gu;
/** Words of who uses goods (孕妇, 宝宝, 男士…): no quality of the goods themselves. */
const SHOPPER_WORD = /孕|妇|宝|婴|儿|童|男|女|哺|乳期/u;
/** A short Chinese word (a quality asked bare: "清透", "透气"). */
const HAN_WORD = /^\p{Script=Han}{2,4}$/u;
const PICTOGRAPHIC = /\p{Extended_Pictographic}/u;
/** True when most letters of the text are in scripts the engine does not read (not Han, not Latin). */
function unreadScript(text: string): boolean {
  const sample = text.slice(0, 400);
  const letters = sample.match(LETTER)?.length ?? 0;
  if (letters < 2) return false;
  const read = sample.match(READ_LETTER)?.length ?? 0;
  return read * 2 < letters;
}
/** Longer than a short question: Han characters and Latin words counted apart (English is wordier). */
const longerThan = (plain: string, han: number, words: number) =>
  (plain.match(HAN_CHARS)?.length ?? 0) > han || (plain.match(/[a-z]+/g)?.length ?? 0) > words;
const LIVE_CHANNELS = new Set(['douyin_live', 'taobao_live', 'kuaishou_live', 'video_live']);
// Channels whose replies are read aloud (the conversations domain's VOICE_CHANNELS; the engine stays pure).
const SPOKEN_CHANNELS = new Set(['phone']);

const ATTRIBUTE_LABELS: Record<string, { zh: string; en: string }> = {
  shelfLife: { zh: '保质期', en: 'shelf life' },
  ingredients: { zh: '成分', en: 'ingredients' },
  allergenNotes: { zh: '过敏提示', en: 'allergy notes' },
  sizeChart: { zh: '尺码参考', en: 'size chart' },
  sizes: { zh: '尺码', en: 'sizes' },
  care: { zh: '洗涤保养', en: 'care' },
  material: { zh: '材质', en: 'material' },
  suitableSkin: { zh: '适合肤质', en: 'skin types' },
  volume: { zh: '规格', en: 'size' },
  origin: { zh: '产地', en: 'origin' },
  price: { zh: '价格', en: 'price' },
};
// Facts worth adding when one attribute is asked for.
const RELATED_ATTRIBUTES: Record<string, string[]> = {
  ingredients: ['allergenNotes'],
  sizeChart: [],
  care: ['material'],
};

const formatValue = (value: unknown) =>
  Array.isArray(value) ? value.join('、') : typeof value === 'object' ? JSON.stringify(value) : String(value);

/**
 * A product attribute as the bot says it. Sizes name the ones sold out (`soldOutSizes`): "尺码：S、M、
 * L、XL" for a dress whose XL is gone would send the shopper to a size they cannot buy.
 */
function attributeText(attributes: Record<string, unknown>, key: string, en: boolean): string {
  const value = ownValue(attributes, key);
  // An English reply renders the catalogue's controlled values (skin types, fibres, places) in
  // English; free text stays the merchant's words (value-glossary).
  if (en && Array.isArray(value) && key !== 'sizes')
    return value.map((v) => valueIn(String(v), 'en')).join(', ');
  if (en && typeof value === 'string') return valueIn(value, 'en');
  if (key !== 'sizes' || !Array.isArray(value)) return formatValue(value);
  const soldOut = listAttribute(attributes.soldOutSizes).filter((size) => value.includes(size));
  if (soldOut.length === 0) return formatValue(value);
  return en
    ? `${value.join(', ')} (${soldOut.join(', ')} sold out for now)`
    : `${formatValue(value)}（${soldOut.join('、')} 码暂时缺货）`;
}

/** Sizes said as words after "in", "size" or "a" ("do you have the dress in small"): their codes. */
const SIZE_WORDS = /\b(?:in|size|an?)\s+(extra[- ]small|extra[- ]large|small|medium|large)\b/gi;
const SIZE_WORD_CODES: Record<string, string> = {
  'extra small': 'XS',
  'extra large': 'XL',
  small: 'S',
  medium: 'M',
  large: 'L',
};

/** An article on following an order (by its title and questions). */
const TRACKING = /到哪|查物流|查看物流|物流(?:信息|详情)|单号在哪|\btrack/;
/** A parcel said to show delivered, to have stopped, to be lost or harmed: its own articles answer. */
const PARCEL_TROUBLE =
  /签收|没更新|不更新|不动|没动|没有?动静|卡在|停在|丢|破|坏|少了|\b(?:delivered|signed|stuck|not (?:moving|updated|updating)|hasn'?t (?:moved|updated)|lost|damaged|broken|missing)\b/;

/** An article on the shop's offers for bigger orders: spend thresholds, multi-buys, promotions. */
const PROMOTION = /满减|满.{1,4}减|多件|多买|促销|\b(?:multi-?buys?|bulk|promotions?|spend and save)\b/;
/** The goods of an order named ("where's my refund" asks where no order is). */
const ORDER_GOODS =
  /订单|快递|包裹|东西|我买的|我的货|\b(?:order|orders|parcel|package|delivery|shipment|stuff|items?)\b/;
/** Another matter asked beside where the order is: a change, a return, money back, an invoice. */
// Also: no longer wanted (不想要了, money back), after-sales or a review asked where to apply
// ("我的订单在哪里申请售后": where in the app, not where the parcel is), receipt confirmed without it
// (确认收货: signed-not-received answers).
const BESIDE_ORDER_STATUS =
  /退|换|改|地址|取消|发票|价保|降价|券|积分|催|不想要|不要了|售后|评价|评论|确认收货|\b(?:refund|return|exchange|change|address|cancel|invoice|coupon|points|price|money back|don t want|do not want)\b/;
/** "where's my free gift": the gift is asked after, not the order (which came without it). */
const WHERE_GIFT = /\bwhere(?:'s|s| s| is) (?:my|the) (?:free )?(?:gifts?|freebies?|samples?)\b/g;
/** Where the shopper's own order is asked ("where's my order"), not where a gift of it is. */
const asksAfterOrder = (normalized: string, plain?: string): boolean =>
  ORDER_STATUS_CUE.test(normalized.replace(WHERE_GIFT, ' ')) ||
  // "where's my 快递": the mixed text's English gloss rewrites "where" (哪里), the words as written say it.
  (plain !== undefined && ORDER_STATUS_CUE.test(plain.replace(WHERE_GIFT, ' ')));

/**
 * Kinds of question the ranking reads as a neighbour sharing their words, each with the article
 * that answers it (found by its title and questions, so any shop's knowledge serves):
 * - the order not come yet and no longer wanted ("东西还没收到，我不想要了") → cancelling;
 * - the parcel to be delivered somewhere else ("快递还没到，能不能送到公司") → the address change;
 * - a parcel that never comes, or held at customs ("can I get a refund if it never arrives") → the
 *   article on a parcel that stopped moving (lost after so long: sent again or refunded);
 * - where to apply for after-sales ("我的订单在哪里申请售后") → how to apply for a return.
 */
const NO_LONGER_WANTED =
  /不想要|不要了|不打算要|不需要了|\b(?:don t want|do not want|dont want|no longer want|changed my mind)\b/;
const NOT_COME_YET =
  /(?:还|都|仍|一直)(?:没|未)有?(?:收到|到|送到|来|发货|发出|发)|没收到|未收到|(?:没|未)(?:发货|发出)|\b(?:has ?n t|have ?n t|hasnt|havent|not|never|still not)(?: yet)? (?:arrived|come|received|got|gotten|been delivered)\b/;
const GOODS_BACK = /退货|寄回|退回|签收|收到了|拿到|\b(?:send (?:it|them) back|returned|delivered)\b/;
const DELIVER_ELSEWHERE =
  /(?<![没未已到])(?:(?:改|换)?(?:送|寄|派|配送)|改|换)(?:到|去|往)(?:我|我的)?(?:公司|单位|学校|宿舍|办公室|别的地|其他地|另一个地|新地址|新家|老家|酒店|朋友)|\b(?:deliver|send|ship|redirect) (?:it |them |my order |my parcel |my package )?to (?:my )?(?:office|work|workplace|school|dorm|another address|a different address|(?:my )?new address)\b/;
const LOST_PARCEL =
  /一直(?:不|没)(?:到|来|送到)|(?:寄|送|弄)丢|丢件|(?:快递|包裹|货)(?!单|号)[^，,。！!？?单号票券]{0,5}丢了|\b(?:parcel|package|order|delivery|shipment|pa[ck]{1,2}a?ge|parcle)s? (?:is |was |got |has been |have been |are |were |s )?lost\b|\blost (?:(?:my|our|the|a) )?(?:parcel|package|order|delivery|shipment|pa[ck]{1,2}a?ge|parcle)\b(?! (?:number|no|id|confirmation|receipt|email))|\b(?:parcel|package|delivery|shipment|pa[ck]{1,2}a?ge|parcle)s? (?:has |have |is |was |s )?(?:gone |went )?missing\b(?! (?:an?|one|some|the|my|two|\d)\b)|(?:parcel|package|order|delivery)\s*丢了|\bnever (?:arrives?|arrived|came|comes|shows? up|showed up|turns? up|turned up|gets? here|got here|delivered)\b|\b(?:gets?|got|goes|went) (?:lost|missing)\b|\blost in (?:the )?(?:post|mail|transit)\b/;
/**
 * A parcel that has not moved for days, said as a span ("都一个礼拜了还没动静", "五天了都没动静",
 * "no update for a week"): the stalled-parcel article (it chases the courier and says when a parcel
 * counts as lost) — also when the shopper asks where it is or to 催 it, which alone would be tracking.
 */
const STALLED_SPAN =
  /(?:一个?(?:礼拜|星期|周)|好几天|几天|多天|[一二三四五六七八九十两\d]+ ?(?:天|日|个?(?:礼拜|星期))|半个月|一个月)(?:了)?.{0,6}(?:没|不|无)(?:有)?(?:动|动静|更新|消息|变化|进展|物流)|(?:没|不|无)(?:有)?(?:动|动静|更新|消息)(?:了)?.{0,3}(?:一个?(?:礼拜|星期|周)|好几天|几天|[一二三四五六七八九十两\d]+ ?天)|\bno (?:tracking )?(?:updates?|movement|news) (?:for|in) (?:a|one|over a|more than a|\d+|two|three|four|five|six|seven|several|a few|few) ?(?:days?|weeks?)\b|\b(?:has ?n t|hasnt|have ?n t|havent|not) (?:moved|updated|been updated|changed) (?:for|in) (?:a|one|over a|\d+|two|three|four|five|six|seven|several|a few|few) ?(?:days?|weeks?)\b|\b(?:stuck|not moving|sitting) (?:for|in) (?:a|one|over a|more than a|\d+|two|three|four|five|six|seven|several|a few|few) ?(?:days?|weeks?)\b|\b(?:been|for|after) (?:a|one|over a|more than a|\d+|two|three|four|five|six|seven|eight|nine|ten|several|a few|few) ?(?:days?|weeks?),? (?:and |with |but )?(?:still )?no (?:tracking )?(?:updates?|movement|news)\b|(?:停了?|不动了?|卡住了?|卡了)(?:快|差不多|将近|都|有)?(?:一个?(?:礼拜|星期|周)|好几天|几天|多天|[一二三四五六七八九十两\d]+ ?(?:天|个?(?:礼拜|星期)))/;
/** How to reach the shop's service: its phone, hotline, contact, a person ("售后电话多少"). */
const SERVICE_CONTACT =
  /(?:客服|售后|人工|商家|店家|你们)(?:的)?(?:电话|热线|联系方式|联系电话|号码|手机号|微信|邮箱)|(?:客服|售后)(?:热线|电话)|(?:怎么|如何|怎样)(?:联系|找)(?:你们|客服|售后|人工|商家)|人工客服(?:怎么|在哪|哪里)|\b(?:customer )?(?:servi[cs]e|support|care) (?:phone|number|hotline|line|contact|email)\b|400 ?(?:电话|热线|号码)|联系不(?:上|到)(?:你们|客服|人工|售后|商家)|(?:找不到|联系不上|打不通)(?:你们|客服|人工|售后)|(?:客服|人工|售后)[^，,。]{0,4}(?:联系不(?:上|到)|找不到)|\b(?:you|u|you guys|ya|y all) (?:have|got|has) (?:a |an |any )?(?:phone|telephone|contact|hotline)(?: number| line| no)?\b|\bphone line\b|\b(?:your|the shop'?s|the store'?s) (?:phone|contact|hotline)(?: number| no)?\b|\bhotline\b|\bhow (?:do|can) i (?:contact|reach|call|phone) (?:you|your|the shop|the store|customer|support|someone)\b/;
/** Big sizes asked for ("大码", "加大码", "最大的码", "plus size"), not a size to change to or restock. */
const BIG_SIZE =
  /大码|加大(?:码|号|尺码)|加肥|特大号|(?:最大|大一点|大点)的?(?:码|号|尺码|尺寸)|\bplus[- ]?sizes?\b|\b(?:big|bigger|large|larger|extended) sizes?\b|\blargest size\b|\b(?:xxl|2xl|3xl|xxxl)\b/;
const BIG_SIZE_NOT =
  /换|退|没货|缺货|断货|补货|到货|还是|选哪|选什么|穿什么|哪个码|\d{2,3}|\b(?:exchange|swap|return|refund|restock|back in stock|sold out)\b/;
/** Who a may-use question was for, kept for a bare follow-up. */
type MemoryAudience = { who: 'pregnancy' | 'child' | 'men'; word: string; kind?: string };
/** A service asked by someone (pregnant, with a baby): no who-may-use question to carry on. */
const AUDIENCE_SERVICE =
  /退|换货|快递|物流|发货|运费|包邮|发票|价保|订单|尺码|\b(?:returns?|refunds?|exchange|deliver\w*|shipping|orders?|invoice)\b/;
/** A follow-up asking something of its own (a price, how, when, a size): not a bare "and X?". */
const FOLLOW_UP_ASKS =
  /多少|价|钱|怎么|什么|哪|几|时候|发货|快递|退|换|码|尺|保质|成分|颜色|规格|味|\b(?:price|cost|how|when|where|size|colou?r|ship|deliver|return)\b/;
/**
 * A use or effect asked bare, as of a product already in view ("能防晒吗", "有防晒效果吗", "防晒吗"):
 * nothing but the use and the words of asking. "有防晒吗" (has it / do you sell it) stays goods.
 */
const BARE_USE_ASKED = (plain: string): boolean => {
  const use = USE_GOODS.exec(plain)?.[0];
  if (!use) return false;
  if (/^有(?:没有)?/.test(plain) && !/效果|功效|作用|功能/.test(plain)) return false;
  return (
    plain
      .replace(use, '')
      .replace(
        /那|这个|这款|它|能|可以|会|有|没有|吗|么|嘛|不|呢|的|效果|功效|作用|功能|吧|也|还|[\s?？!！。,，]/g,
        '',
      ) === ''
  );
};
/** A number had with a pack / weight / volume unit or none ("还有30袋的吗", "有50g的吗", "还有50的吗"). */
const SPEC_ASKED =
  /有(?:没有)?\s*\d+(?:\.\d+)?\s*(?:g|克|kg|千克|公斤|ml|毫升|l|升|袋|片|支|瓶|罐|包|盒|粒)?(?:装)?的(?:吗|么|嘛|没|不|呢)?[?？。!！\s]*$/i;
/** "it", "this", "它", "这个": the product in view, not the goods a kind word names. */
const POINTS_AT_IT =
  /^(?:那|那么)?(?:它|这个|这款|这支|这瓶)(?=能|可以|会|有|是|也|还)|\b(?:does|do|is|can|will|would) (?:it|this|this one|that)\b/;
/** Money said not to come ("my refund never arrived", "退款一直不到账"): the refund's own articles. */
const MONEY_NOT_COME =
  /(?:退款|钱|款项|退费)(?:一直|还是?|都|怎么)?(?:不|没)|\b(?:refund|money|credit|reimbursement)s? (?:has |have |had |still |is |was )?(?:never|not|n t|yet)\b/;
const CUSTOMS_HELD =
  /(?=[\s\S]*(?:海关|清关|\bcustoms\b))[\s\S]*(?:卡|不动|没动|扣|失败|没通过|不通过|没过|退运|\bstuck\b|\bheld\b|\bholding\b|\bhold\b|\bfail(?:ed|s)?\b)/;
/** A different address wanted, or the one given wrong ("想换个地址", "wrong adress on my order"). */
const ADDRESS_SWAP =
  /换(?:个|一个|一下|成)?(?:新的?|别的|其他的?)?(?:收货|收件|配送|寄送)?地址|地址.{0,3}(?:写错|填错|错了|弄错)|\bwrong (?:shipping |delivery )?ad+res+\b|\bad+res+ (?:is |was )?wrong\b|\b(?:change|update) (?:my |the )?(?:shipping |delivery )?ad+res+\b/;
/** Cancelling or the money back, asked while nothing has come (with NOT_COME_YET). */
const CANCEL_OR_REFUND = /取消|退款|退钱|\b(?:cancel|refund)/;
/** …unless it is the refund itself not received, its timing, a deposit, or a gift / invoice. */
const CANCEL_NOT =
  /(?:没|未)(?:有)?收到(?:的)?(?:退款|钱|款)|到账|多久|几天|签收|退货|运费|定金|预售|赠品|小样|发票|\b(?:delivered|signed|deposit|gift|invoice)\b/;
/** 催 a parcel on its way ("催一下我的快递", "快递能催一下吗", "催件", "pls chase"). */
const CHASE_PARCEL =
  /催(?:一下|一催|催|下|个)?(?:我的)?(?:快递|包裹|物流|件)|(?:快递|包裹|物流)[^，,。]{0,6}催|\b(?:chase|hurry|speed up|push|expedite)\b.{0,20}\b(?:parcel|package|delivery|order|shipment|courier)\b|\b(?:parcel|package|delivery|order|shipment)\b.{0,40}\b(?:chase|hurry)\b/;
/** …not one still to be sent out (催发货), a refund, a reply or an application. */
const CHASE_NOT = /发货|没发|未发|发出|退款|款|回复|审核|\b(?:ship|shipped|dispatch|dispatched|refund)\b/;
/** 催 a dispatch ("帮我催一下发货"). */
const CHASE_DISPATCH = /催(?:一下|一催|催|下)?(?:商家)?发货|发货[^，,。]{0,4}催/;
/** Goods sent in one parcel or several ("一起发", "合并成一个包裹", "分开发货", "分两个包裹寄"). */
const SHIP_TOGETHER =
  /(?:一起|一块儿?|合并|同一个包裹|一个包裹|分开|分两个包裹|分成两个包裹|分两次|分别|拆开)[^，,。]{0,4}(?:发|寄|送)(?!回|票)|合并(?:成)?(?:一个)?包裹|\bship(?:ped)? (?:together|separately|in one (?:box|parcel|package))\b/;
/** Returned goods sent back in one parcel ("退货可以一起寄回吗", "退的两件能装一个箱子寄回吗"). */
const RETURN_TOGETHER =
  /(?:一起|一块儿?|合并|一个箱子|一个包裹|同一个包裹)[^，,。]{0,6}(?:寄回|退回)|(?:退货|退的|要退)[^，,。]{0,10}(?:一起|一个箱子|一个包裹|合并)/;
/** Goods eaten or drunk, by their names or category. */
const EDIBLE = /奶粉|米粉|辅食|零食|食品|坚果|果干|肉干|\b(?:snacks?|food|formula)\b/i;
/** A vowel with a pinyin tone mark (ā á ǎ à …, ǖ ǘ ǚ ǜ). */
const TONE_MARKED = /[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]/;
/** An age range a product's name states ("3段（12-36个月）", "6-12 months"). */
const AGE_RANGE = /(\d+)\s*[-–~至到]\s*(\d+)\s*(?:个月|月龄|months?)/;
/** A child's age in months said in a message ("新生儿" 0, "8个月的宝宝" 8, "2岁" 24), else null. */
function monthsOld(text: string): number | null {
  if (/新生儿|刚出生|初生|满月|\bnew-?borns?\b/i.test(text)) return 0;
  const months = /(\d+)\s*(?:个月|months?(?: old)?)/.exec(text);
  if (months) return +months[1]!;
  const years = /(\d+)\s*(?:岁|周岁|years? old)/.exec(text);
  return years ? +years[1]! * 12 : null;
}
/** Cross-border trade said in its own words; which goods are cross-border is the catalogue's (`ShopReading`). */
const CROSSBORDER_SAID = /跨境|保税|海淘|海外直邮|\bcross-?border\b/;
/**
 * Goods named by where they come from, as the topic of a question ("海外发货能退吗", "国外寄来的东西能退吗",
 * "从海外发过来的可以退吗"): goods shipped from abroad, which is what the shop's cross-border goods are.
 */
const GOODS_FROM_ABROAD =
  /^(?:那|这些|那些)?(?:从)?(?:海外|国外|境外)(?:直接)?(?:发货|发来|寄来|直发|发过来|寄过来|发的|寄的)的?(?:商品|东西|货|宝贝)?(?=.{0,3}(?:能|可以|可不可以|能不能|支持|让))/;
/**
 * Where goods are sent from ("海外直邮", "从哪里发货", "保税仓发的", "ship from abroad"): asked of
 * cross-border goods, the route their own article describes.
 */
const SHIPS_FROM =
  /直邮|(?:从|在)?(?:哪里|哪儿|哪|什么地方)(?:发货|发的|发出|寄出|寄来|寄的|寄过来|发过来)|发货地|(?:从)?(?:国外|海外|境外|国内|澳洲|澳大利亚|韩国|日本)(?:直接)?(?:发货|发的|发出|寄|发过来|寄过来)|保税(?:仓)?(?:发|寄|出)|是保税|\bships? (?:from|out of)\b|\b(?:shipped|sent|dispatched|posted|mailed) (?:directly |straight )?(?:from|out of)\b|\bfrom (?:abroad|overseas)\b|\bbonded\b/;
/** An answer saying which warehouse goods are sent from ("我们从上海和广州仓发货", "we ship from our … warehouse"). */
const OWN_WAREHOUSE =
  /从[^，。；]{0,12}仓(?:库)?(?:发货|发出)|\b(?:ship|dispatch|send)(?:s|ed)? (?:out )?from (?:our|the) [\w ]{0,30}warehouses?\b/i;
/** A category id, or a product name's tag, that marks goods sold cross-border. */
const CROSSBORDER_MARK = /跨境|保税|海淘|cross-?border/i;
/** An article saying goods are outside the 7-day no-reason return ("不支持7天无理由退货"). */
const NOT_RETURNABLE =
  /不支持[^，。；,;]{0,8}(?:无理由|退)|不能[^，。；,;]{0,6}(?:无理由|退)|不可[^，。；,;]{0,6}(?:无理由|退)|不退|不予退|\bnon-?returnable\b|\bnot (?:eligible|accepted) for (?:a )?(?:no-reason )?return/i;

/**
 * Water or sweat asked of goods ("托特包防水吗", "气垫防汗吗", "is the tote waterproof" — the English
 * glossed to 防水 / 防汗; "怕水吗", "怕淋雨吗": whether water harms them is the same question): read in
 * the glossed text.
 */
const WATER_ASKED = /防水|防汗|耐水|耐汗|怕水|怕汗|怕雨|怕淋|怕湿/;
/** What an article says of goods meeting water: rain, wetting, sweat, swimming, a leak. */
const WATER_WRITTEN = /雨|沾水|遇水|进水|泡水|浸水|游泳|出汗|汗|防水|防汗|漏/;

/** A faster courier asked for ("有没有快一点的快递", "能换个更快的快递吗", "any faster shipping"). */
const FASTER_COURIER =
  /(?:快一点|快一些|快点|更快|最快|加急)的?(?:快递|物流)|(?:换|选|指定)(?:个|一个)?(?:快一点|快点|更快)的?(?:快递|物流)|^(?:能|可以|能不能|可不可以)?加急|\b(?:faster|quicker|express) (?:courier|shipping|delivery)(?: options?)?\b|\b(?:ship|send|deliver|post)(?: (?:it|them|this|my order|my stuff|it out|them out))? (?:faster|quicker|sooner|express)\b/;
/** Whether shipping costs nothing ("is shipping free", "do you offer free delivery"): the fee article's matter. */
const FREE_SHIPPING =
  /\bfree (?:shipping|delivery|postage)\b|\b(?:shipping|delivery|postage) (?:is |be |for )?free\b/;

/** What the kind readings need of the shop's own data (its catalogue and articles), not of words. */
interface ShopReading {
  /** The message names cross-border goods: said so, or a product the catalogue marks cross-border. */
  crossBorder: (read: ReadText) => boolean;
  /**
   * Whether the goods the message names (or the conversation is about) are cross-border by the
   * catalogue alone — the shopper's own 海外直邮 / 保税 does not make the shop's goods so; null when
   * no goods are named or in view.
   */
  goodsCrossBorder: (read: ReadText) => boolean | null;
  /** The shop's article saying where its own (not cross-border) goods are sent from, if it wrote one. */
  ownWarehouseArticle: () => KnowledgeArticle | null;
  /** The article of the shop that excludes goods the message names from plain returns (临期, 定金…). */
  returnExcepted: (read: ReadText) => KnowledgeArticle | null;
  /** The shop's article on goods not returned once opened or used (by its title and questions). */
  openedExcepted: () => KnowledgeArticle | null;
  /** The message names a product, or follows a turn about one. */
  namedOrCarried: (read: ReadText) => boolean;
  /**
   * The one product the message names (else the one in view), and of the articles written for it the
   * first whose answer says `said`; null when several goods or none are asked, or none says it.
   */
  ownArticleSaying: (read: ReadText, said: RegExp) => KnowledgeArticle | null;
}
/**
 * Whether goods can be returned, asked in so many words ("能退吗", "退得了吗", "能退回去吗", "return
 * policy", "can I send it back").
 */
const RETURN_ASKED =
  /(?:能|可以|可不可以|能不能|让)退(?:货|回去|回)?(?:吗|么|嘛|不|$)|退得了(?:吗|么|不)|\breturn policy\b|\b(?:can|could|may) (?:i|we|you|he|she|my \w+) (?:still )?(?:return|(?:send|take|bring|give) (?:[\w-]+ ){0,5}back)\b|\bwants? to return\b|\b(?:is|are) (?!not\b)(?:\w+ ){1,4}returnable\b/;
/**
 * A price ceiling said of goods asked for ("100块以内", "200元以下", "不超过150", "under 100", "less
 * than ¥150"): the amount, or null. A number with another unit (50ml以内, 30天以内) is no price.
 */
function priceCeiling(text: string): number | null {
  const m =
    /(\d+(?:\.\d+)?)\s*(?:块钱?|元|rmb|¥)?\s*(?:以内|以下|之内|及以下)|(?:不超过|不到|低于|少于|¥)\s*(\d+(?:\.\d+)?)\s*(?:块钱?|元)?(?:以内|以下|之内)?(?![\d.]|\s*(?:ml|g|克|片|袋|天|月|年|岁|码|号|cm|kg))|\b(?:under|below|less than|cheaper than|within|up to|no more than|at most)\s*(?:¥|rmb\s*|cny\s*|\$)?(\d+(?:\.\d+)?)(?!\s*(?:ml|g|grams?|days?|months?|years?|kg|cm|pcs|pieces|sheets|packs?)\b)(?![\d.])/i.exec(
      text,
    );
  if (!m) return null;
  return Number(m[1] ?? m[2] ?? m[3]);
}
/** A price ceiling said last, after goods asked for in English ("any cream under 100", "… below ¥150?"). */
const ANY_PRICE_CEILING =
  /\s+(?:under|below|less than|cheaper than|within|up to|no more than|at most)\s*(?:¥|rmb\s*|cny\s*|\$)?\d+(?:\.\d+)?\s*(?:yuan|rmb|kuai|bucks)?\s*\??$/i;
/** A day named for goods to go out ("30号发货", "明天能发出吗", "周五发货的"). */
const DISPATCH_DAY =
  /(?:\d{1,2}\s*(?:号|日)|今天|明天|后天|大后天|这周|下周|周[一二三四五六日天末]|星期[一二三四五六日天]|礼拜[一二三四五六日天]|月底|月初)[^，,。？?！!]{0,4}(?:发货|发出|寄出|能发|发吗|发不)/;
/** Goods said opened or used ("开过的", "拆了包", "用过的", "opened the pack"). */
const OPENED_SAID =
  /开过|开了|开封|开盖|开罐|开袋|打开|拆开|拆封|拆了|拆过|拆包|用过|用了|\b(?:opened|used|unsealed)\b/;
/** …said not to be ("没开过", "还没拆", "unopened", "haven't used it"): the 7-day rule is theirs. */
const NOT_OPENED_SAID =
  /(?:未|没|不|尚未)(?:有|曾)?(?:开|拆|用|打开|使用)|\b(?:unopened|unused|never (?:been )?(?:opened|used)|not (?:been )?(?:opened|used)|(?:haven|hasn|didn|don|doesn) ?t (?:open|use))\b/;
/** A return matter the opened-goods exceptions do not rule on: a defect, a reaction, postage, how. */
const OPENED_OTHER_MATTER =
  /过敏|质量|坏|破|漏|假|过期|变质|发霉|刺痛|红肿|痒|券|赠品|积分|发票|花呗|运费|邮费|多久|几天|怎么|流程|到账|\b(?:allerg\w*|rash|defect\w*|broken|damaged|faulty|fake|expired|leak\w*|coupon|gift|invoice|fee|how|long|where)\b/;
/** An article asked in words of opening or use (its title and questions). */
const OPENED_ASKED_IN = /拆封|开封|用过|打开|开罐|开袋|拆包|\b(?:opened|used)\b/;
/** When goods get here ("多久到", "几天能到", "how long to arrive"). */
const ARRIVES_WHEN =
  /(?:多久|几天|多长时间|什么时候|啥时候|哪天)(?:能|会|可以|才|可)?(?:到|送到|收到)(?!账)|\bhow long\b.{0,30}\b(?:arrive|take|get here|deliver)/;
/** A skin type said in a may-use question ("敏感肌能用吗", "干皮可以用吗"). */
const SKIN_SAID = /敏感肌|敏感皮|干皮|油皮|混油|混干|混合皮|大油皮|干性皮肤|油性皮肤/;
/** A cheaper one asked for ("便宜点的", "最便宜的", "cheaper"). */
const CHEAPER =
  /便宜(?:一)?点|便宜些|更便宜|最便宜|实惠(?:一)?点|\bcheaper\b|\bcheapest\b|\bless expensive\b/;
/** Catalogue facts a bare product follow-up carries over, and how they are asked in words. */
const CARRIED_FACTS: Record<string, string> = { price: '多少钱', sizes: '有哪些尺码' };
/** 催 said bare, of the parcel the conversation is about ("能催一下吗", "帮我催催"). */
const BARE_CHASE_ZH =
  /^(?:那|那你|你)?(?:能|可以|能不能|可不可以|帮我|帮忙|麻烦|快)?(?:帮我|帮忙)?(?:再)?催(?:一下|一催|催|下)?(?:吗|么|嘛|吧|呗|不)?[?？。!！~～\s]*$/;
const BARE_CHASE_EN =
  /^(?:(?:can|could|would|will) (?:u|you|ya)(?: pls| please)? |pls |please )?(?:chase|hurry|push|speed) (?:it|them|that|this)?(?: up)?(?: for me)?(?: pls| please)?[?.!\s]*$/;
/** Another size wanted in an exchange ("想换大码", "换个大点的码", "换大一号"). */
const EXCHANGE_SIZE =
  /(?:尺码|码数|尺寸|码子)不(?:合适|合身|对)[^，,。]{0,6}换|换(?:个|一个|成|到)?(?:大|小)(?:一|点|一点|些)?(?:个|的)?(?:码|号|尺码|尺寸)|换(?:大|小)码|\b(?:exchange|swap)\b.{0,20}\b(?:bigger|smaller|larger) size\b/;
/** A size said to be gone (the out-of-stock exchange's own matter). */
const SIZE_GONE = /没货|缺货|断货|补货|没有了|卖完|卖光|售罄|\b(?:sold out|out of stock)\b/;
const AFTER_SALES_WHERE = /(?:申请|办理|办|弄|点)售后|售后(?:在哪|哪里|怎么(?:申请|办|弄)|入口)/;
/** The goods said to have come ("已经收到了", "衣服到了", "签收了"), for a wish no longer to have them. */
const GOODS_IN_HAND =
  /(?:已经|已)(?:收到|签收|到了|拿到)|(?<![没未不])收到(?:货|东西|包裹|快递)?了|签收了|拿到了|(?<![没未不])到(?:货)?了|\b(?:received|arrived|came|got it|delivered)\b/;
/** No longer wanted of something other than the order (a gift, an invoice, a colour to change). */
const UNWANTED_OTHER =
  /赠品|小样|发票|券|积分|会员|短信|推送|换|定金|尾款|预售|\b(?:gift|sample|invoice|coupon|deposit|exchange|swap)\b/;
/**
 * When goods come, asked of goods to buy ("奶粉什么时候到货", "几号到货"): delivery times (an article
 * for the product's own route first, in pickArticle), never money arriving (退款到账). A size or an
 * item out of stock asks for its restock instead.
 */
const GOODS_ARRIVAL =
  /(?:什么时候|啥时候|何时|几号|哪天|多久|几天|多长时间)(?:能|会|可以|才|可)?到货|到货(?:要|需要|得)?(?:多久|几天|什么时候|多长时间)/;
const NOT_GOODS_ARRIVAL = /退|(?<![这那哪])款|钱|缺货|断货|没货|补货|尺码|码|尺寸|\d/;
/** How long customs clearance takes ("清关要多久"), not a parcel held there (the stalled reading). */
const CUSTOMS_TIME =
  /(?=[\s\S]*(?:清关|\bcustoms clearance\b))[\s\S]*(?:多久|几天|多长时间|多少天|要多长|\bhow long\b)/;
/**
 * `overFacts`: a service matter even when a product is named ("奶粉会被海关扣吗", "有男士…" is not
 * one): the catalogue's and the label's answers about the product are not what is asked.
 */
const KIND_READINGS: {
  id: string;
  asked: (read: ReadText, shop: ShopReading) => boolean;
  article: RegExp;
  /** The article, when the shop's data picks it per message rather than `article`. */
  articleOf?: (read: ReadText, shop: ShopReading) => KnowledgeArticle | null;
  overFacts?: boolean;
}[] = [
  {
    id: 'unwanted-before-arrival',
    asked: (r) =>
      NO_LONGER_WANTED.test(r.normalized) &&
      NOT_COME_YET.test(r.normalized) &&
      !GOODS_BACK.test(r.normalized),
    article: /取消订单|\bcancel/,
  },
  {
    id: 'deliver-elsewhere',
    asked: (r) => DELIVER_ELSEWHERE.test(r.plain) || ADDRESS_SWAP.test(r.plain),
    article: /地址|\baddress\b/,
    overFacts: true,
  },
  {
    id: 'lost-parcel',
    asked: (r) =>
      (LOST_PARCEL.test(r.plain) ||
        (r.pinyinOnly && LOST_PARCEL.test(r.normalized)) ||
        CUSTOMS_HELD.test(r.normalized)) &&
      !/签收|\b(?:delivered|signed)\b/.test(r.plain) &&
      !MONEY_NOT_COME.test(r.plain),
    article: /没更新|不更新|卡在|不动|\bstalled\b/,
    overFacts: true,
  },
  {
    // "快递还没到可以取消订单吗", "还没发货能退款吗", "没收到货可以退款吗": nothing received, so the
    // order is cancelled (or refused at the door) — not the 7-day return counted from signing, nor
    // the refund's arrival.
    id: 'cancel-before-arrival',
    asked: (r) =>
      CANCEL_OR_REFUND.test(r.normalized) &&
      NOT_COME_YET.test(r.normalized) &&
      !GOODS_BACK.test(r.normalized) &&
      !MONEY_NOT_COME.test(r.plain) &&
      !CANCEL_NOT.test(r.plain),
    article: /取消订单|\bcancel/,
    overFacts: true,
  },
  {
    // "催一下我的快递", "催件", "can u hurry my delivery": the shop chases the courier (催件) in the
    // stalled-parcel article — not tracking; 催 a dispatch is the dispatch article's (below).
    id: 'chase-parcel',
    asked: (r) => CHASE_PARCEL.test(r.plain) && !CHASE_NOT.test(r.plain),
    article: /没更新|不更新|卡在|不动|\bstalled\b/,
    overFacts: true,
  },
  {
    id: 'chase-dispatch',
    asked: (r) => CHASE_DISPATCH.test(r.plain) && !/退款|款|钱|\brefund/.test(r.plain),
    article: /多久发货/,
    overFacts: true,
  },
  {
    // "坚果还有30号发货的吗", "明天能发出吗", "周五发货吗": a day goods are to go out, asked of goods to
    // buy — when the shop sends out (its dispatch article), never a spec or a shelf life read in the
    // number. An order already placed and not come, or a return, is another matter.
    id: 'dispatch-day',
    asked: (r) =>
      DISPATCH_DAY.test(r.plain) &&
      !/退|(?<![这那哪])款|钱|订单|单号|物流|快递|还没(?:到|收到)|没收到|地址|\b(?:refund|return|my order|tracking)\b/.test(
        r.plain,
      ),
    article: /多久发货/,
    overFacts: true,
  },
  {
    // "买了两件能一起发吗", "能不能分开发货", "能分两个包裹寄吗": how orders are sent out.
    id: 'ship-together',
    asked: (r) =>
      SHIP_TOGETHER.test(r.plain) &&
      !/退|寄回|运费|邮费|包邮|省|发票|开票|\b(?:return|fee|cost|invoices?)\b/.test(r.plain),
    article: /多久发货/,
    overFacts: true,
  },
  {
    // "退货可以一起寄回吗": one parcel back for a return — the return rules.
    id: 'return-together',
    asked: (r) => RETURN_TOGETHER.test(r.plain) && !/运费|邮费|\bfee\b/.test(r.plain),
    article: /无理由退货规则/,
    overFacts: true,
  },
  {
    // "跨境奶粉多久到", "澳洲奶粉几天能到": cross-border goods' own times, not a refund's arrival.
    id: 'crossborder-arrival',
    asked: (r, shop) =>
      (shop.goodsCrossBorder(r) ?? shop.crossBorder(r)) &&
      ARRIVES_WHEN.test(r.plain) &&
      !/退|(?<![这那哪])款|钱|税|\b(?:refund|tax)\b/.test(r.plain),
    article: /跨境.{0,8}(?:发货|到货)|保税仓发货/,
    overFacts: true,
  },
  {
    // "奶粉是海外直邮的吗", "保税仓发的吗", "does the formula ship from abroad": where cross-border goods
    // are sent from is the cross-border route's own article (a bonded warehouse at home), not the
    // product's origin field, the tax 保税 spells, or the domestic dispatch.
    id: 'crossborder-origin',
    // With goods named or in view, whether they are cross-border is the catalogue's: "面霜是海外直邮的吗"
    // of the shop's own cream is no bonded-warehouse question (the next reading answers it).
    asked: (r, shop) =>
      (shop.goodsCrossBorder(r) ?? shop.crossBorder(r)) &&
      SHIPS_FROM.test(r.plain) &&
      !/退|(?<![这那哪])款|(?<!保)税|发票|\b(?:refund|return|tax|taxes|duty|invoice)\b/.test(r.plain),
    article: /跨境.{0,8}(?:发货|到货)|保税仓发货/,
    overFacts: true,
  },
  {
    // "面霜是保税仓发的吗", "牛肉干从哪里发货", "口红是海外直邮吗" of goods the catalogue does not mark
    // cross-border: they go out from the shop's own warehouses — the article saying so, never the
    // bonded-warehouse route nor the return address.
    id: 'own-warehouse-origin',
    asked: (r, shop) =>
      shop.goodsCrossBorder(r) === false &&
      SHIPS_FROM.test(r.plain) &&
      !/退|(?<![这那哪])款|(?<!保)税|发票|\b(?:refund|return|tax|taxes|duty|invoice)\b/.test(r.plain),
    article: /$^/,
    articleOf: (_r, shop) => shop.ownWarehouseArticle(),
    overFacts: true,
  },
  {
    // "托特包防水吗", "is the leather tote waterproof": water asked of one product is its own article
    // that speaks of water (the tote's care: rain, blot at once), not its material nor another
    // product's sunscreen advice. A product with no such article is told so (`waterGap`).
    id: 'water-of-goods',
    asked: (r) => WATER_ASKED.test(r.normalized) && !/退|换|\b(?:return|exchange)\b/.test(r.plain),
    article: /$^/,
    articleOf: (r, shop) => shop.ownArticleSaying(r, WATER_WRITTEN),
    overFacts: true,
  },
  {
    // "有没有快一点的快递", "can I pick a faster courier": which couriers the shop sends with and the
    // faster one on request (its carrier article) — not where a parcel already sent is.
    id: 'faster-courier',
    asked: (r) => FASTER_COURIER.test(r.plain) && !/退|\b(?:return|refund)\b/.test(r.plain),
    article: /快递公司|\bcarriers?\b/,
  },
  {
    // "is shipping free", "do you do free delivery": what shipping costs and from what amount it is
    // free — the carrier and fee article. A place said ("free shipping to Hong Kong") is the regions'.
    id: 'free-shipping',
    asked: (r) => FREE_SHIPPING.test(r.plain) && !/\b(?:to|in|into|return|refund|exchange)\b/.test(r.plain),
    article: /快递公司|\bcarriers?\b/,
  },
  {
    // "预售的能退吗", "can I return a presale item": before receipt the money at stake is the deposit,
    // which its own article rules on (after receipt, "签收后", the goods are ordinary goods).
    id: 'presale-return',
    asked: (r) =>
      /预售|\bpre-?(?:sale|order)s?\b/.test(r.plain) &&
      /退|\b(?:return|refund)/.test(r.plain) &&
      !/签收|收到|收货|到手|到货|\b(?:received|arrived|delivered)\b/.test(r.plain),
    article: /预售定金/,
    overFacts: true,
  },
  {
    // "开过的面霜能退吗", "is the opened lipstick returnable", "拆了包的纸尿裤能退吗": goods said opened
    // or used, asked whether they go back — the shop's article on what is not returned once opened
    // (found by its own words, see `openedExcepted`), before the 7-day rule, the cross-border rule or
    // the product's shelf life ("opened" is also a shelf-life word). A defect, an allergy or another
    // return matter (postage, how, when) is not this question; neither is goods said unopened.
    id: 'return-of-opened-goods',
    asked: (r) =>
      RETURN_ASKED.test(r.plain) &&
      OPENED_SAID.test(r.plain) &&
      !NOT_OPENED_SAID.test(r.plain) &&
      !OPENED_OTHER_MATTER.test(r.plain),
    article: /$^/,
    articleOf: (_r, shop) => shop.openedExcepted(),
    overFacts: true,
  },
  {
    // "蜗牛霜能退吗", "奶粉多少钱 || 能退吗": cross-border goods (the catalogue's, or said so) have
    // their own return rule — never the 7-day one.
    id: 'crossborder-return',
    asked: (r, shop) =>
      (shop.crossBorder(r) || GOODS_FROM_ABROAD.test(r.plain)) &&
      (RETURN_ASKED.test(r.plain) || /退货|\b(?:return|refund)\b/.test(r.plain)) &&
      !/运费|邮费|多久|几天|到账|\b(?:fee|long)\b/.test(r.plain),
    article: /跨境[^，。？]{0,6}(?:能不能退|退货)/,
    overFacts: true,
  },
  {
    // "蜗牛霜能开发票吗": cross-border goods get no domestic invoice — their own article.
    id: 'crossborder-invoice',
    asked: (r, shop) => shop.crossBorder(r) && /发票|开票|\binvoices?\b/.test(r.plain),
    article: /跨境[^，。？]{0,6}发票/,
    overFacts: true,
  },
  {
    // "蜗牛霜要交税吗": the cross-border tax.
    id: 'crossborder-tax',
    asked: (r, shop) =>
      shop.crossBorder(r) && /税|\b(?:tax|taxes|duty|duties)\b/.test(r.plain) && !/退/.test(r.plain),
    article: /跨境综合税/,
    overFacts: true,
  },
  {
    // "买的东西能退吗", "我怀孕了 买的东西能退吗", "what's your return policy": whether goods can be
    // returned, nothing opened, used or special said — the 7-day rule, not its exceptions.
    id: 'return-asked-plainly',
    // Goods the shop's own articles exclude ("临期商品…不支持7天无理由退货") or mark cross-border are
    // theirs to answer; the words below ask another matter (a fee, a size, how, when, a defect).
    asked: (r, shop) =>
      RETURN_ASKED.test(r.plain) &&
      !shop.crossBorder(r) &&
      !shop.returnExcepted(r) &&
      // "30天内能退吗": a span of days asks the rule itself (7 days); other numbers are sizes, orders…
      !/换|码|尺|没货|缺货|运费|邮费|钱|款|多久|几天|怎么|流程|哪里|过敏|质量|坏|破|拆|开封|开了|打开|用过|试|穿过|洗过|赠品|券|发票|积分|差价|\d(?!\d*天)|\b(?:fee|shipping|refund|opened|used|expir\w*|how|where|my (?:order|purchase|parcel|package)s?|tried|worn|wore|washed|damaged|broken|defective|faulty|wrong|exchange|swap|size|allergic|reaction|coupon|gift|invoice)\b/.test(
        r.plain,
      ),
    article: /无理由退货规则/,
  },
  {
    // "临期的东西能退吗", "刻字的能退吗": goods one of the shop's articles excludes from the 7-day
    // rule — that article (which one is the shop's data, see `returnExcepted`).
    id: 'return-of-excepted-goods',
    asked: (r, shop) => RETURN_ASKED.test(r.plain) && !!shop.returnExcepted(r),
    article: /$^/,
    articleOf: (r, shop) => shop.returnExcepted(r),
    overFacts: true,
  },
  {
    // "im pregnant, how do i return stuff": how a return is made.
    id: 'return-how',
    asked: (r) =>
      /\bhow (?:do|can|to|should) (?:i |we )?(?:make a )?return\b|(?:怎么|如何)(?:申请)?退货(?!运费|邮费)/.test(
        r.plain,
      ) && !/运费|邮费|多久|几天|\b(?:fee|cost|shipping|long)\b/.test(r.plain),
    article: /如何申请退货/,
  },
  {
    // "cica mask how long to leave on", "面膜敷多久": how long it stays on — its usage article (the
    // product's own), not dispatch times.
    id: 'leave-on-time',
    asked: (r) =>
      /\bhow long\b[^.?!]{0,25}\b(?:leave|keep|stay)\b|\bleave (?:it |them )?on\b|敷多久|敷几分钟|(?:停留|保留)多久/.test(
        r.plain,
      ),
    article: /使用方法|\bhow to use\b/,
  },
  {
    // "想换大码", "裙子想换大一号": an exchange for another size — not the article on a size being
    // out of stock (nothing is said to be).
    id: 'exchange-size',
    asked: (r) => EXCHANGE_SIZE.test(r.plain) && !SIZE_GONE.test(r.plain),
    article: /尺码不合适怎么换/,
    overFacts: true,
  },
  {
    // "我怀孕了想换货", "想换货": how an exchange is made (no size said out of stock, no fee asked).
    id: 'exchange-asked',
    asked: (r) =>
      /(?:想|要|申请|怎么|如何|我要)换(?:个)?货/.test(r.plain) &&
      !/码|尺|号|颜色|色号|运费|邮费|多久|几天|赠品|退/.test(r.plain) &&
      !SIZE_GONE.test(r.plain),
    article: /换货操作步骤/,
  },
  {
    // "能退换货吗", "支持退换吗": whether returns and exchanges are taken — the return policy, not the
    // article on a size to exchange to being out of stock.
    id: 'returns-at-all',
    asked: (r) =>
      /(?:能|可以|支持|给|包)?退换(?:货)?(?:吗|么|嘛|不|$)/.test(r.plain) &&
      !/码|尺|没货|缺货|运费|邮费|钱|款|多久|几天|怎么|流程|哪里|过敏|质量|坏|破|拆|开封|用过|跨境|赠品/.test(
        r.plain,
      ),
    article: /无理由退货规则/,
  },
  {
    // "售后电话多少", "有没有客服热线", "customer service phone number": how to reach the service —
    // its hours and a person — not the missing-parcel article that mentions a courier's 电话.
    id: 'service-contact',
    asked: (r) =>
      (SERVICE_CONTACT.test(r.plain) || (r.pinyinOnly && SERVICE_CONTACT.test(r.normalized))) &&
      !/快递员|派件员|快递小哥|骑手|\bcourier|\bdriver/.test(r.plain),
    article: /客服(?:服务)?时间|人工客服|\bservice hours\b/,
    overFacts: true,
  },
  {
    id: 'stalled-span',
    asked: (r) =>
      STALLED_SPAN.test(r.plain) &&
      // Not a parcel still to be sent, signed for, or money / a reply that has not come.
      !/签收|(?:没|未|不)(?:有)?发(?:货|出)?|退款|款|钱|审核|回复|客服|售后|申请|\b(?:delivered|signed|not (?:yet )?(?:shipped|dispatched|sent)|refund)\b/.test(
        r.plain,
      ) &&
      !MONEY_NOT_COME.test(r.plain),
    article: /没更新|不更新|卡在|不动|\bstalled\b/,
  },
  {
    // "我收到货了但是没有发票", "收到货了，发票呢": the goods came, the invoice is what is asked —
    // how to get one (issued on request after receipt), not a parcel that did not come.
    id: 'invoice-with-goods',
    asked: (r) =>
      /发票|开票|\binvoices?\b/.test(r.plain) &&
      GOODS_IN_HAND.test(r.plain) &&
      !/退|换|\b(?:return|exchange)\b/.test(r.plain),
    article: /开发票|开票|\binvoice\b/,
  },
  {
    id: 'customs-time',
    asked: (r) => CUSTOMS_TIME.test(r.plain) && !CUSTOMS_HELD.test(r.normalized),
    article: /跨境.{0,8}(?:发货|到货)|保税仓发货/,
  },
  {
    // "东西不想要了，已经收到了": in hand and not wanted → the no-reason return.
    id: 'unwanted-in-hand',
    asked: (r) =>
      NO_LONGER_WANTED.test(r.normalized) &&
      GOODS_IN_HAND.test(r.plain) &&
      !NOT_COME_YET.test(r.normalized) &&
      !UNWANTED_OTHER.test(r.plain),
    article: /无理由退货规则|无理由退/,
  },
  {
    // "我不想要了" with nothing said of where the goods are: the cancel article answers both cases
    // (not shipped: cancel; shipped: refuse or return) — not the presale deposit it shares 不要 with.
    id: 'unwanted',
    asked: (r) =>
      NO_LONGER_WANTED.test(r.normalized) &&
      !GOODS_BACK.test(r.normalized) &&
      // "买多了 不想要了 想退一件": a return asked in so many words is the return's reading.
      !/退|\breturn/.test(r.plain) &&
      !GOODS_IN_HAND.test(r.plain) &&
      !UNWANTED_OTHER.test(r.plain),
    article: /取消订单|\bcancel/,
  },
  {
    // "XL码什么时候到货": a size (or an item) out of stock coming back — its restock.
    id: 'restock-arrival',
    asked: (r) =>
      GOODS_ARRIVAL.test(r.plain) &&
      /码|尺寸|缺货|断货|没货|补货/.test(r.plain) &&
      !/退|(?<![这那哪])款|钱/.test(r.plain),
    article: /没货|缺货|补货/,
  },
  {
    id: 'goods-arrival',
    asked: (r) => GOODS_ARRIVAL.test(r.plain) && !NOT_GOODS_ARRIVAL.test(r.plain),
    article: /多久发货|发货和到货/,
  },
  {
    id: 'after-sales-where',
    asked: (r) => AFTER_SALES_WHERE.test(r.plain) && !/价保|差价|降价/.test(r.plain),
    article: /在哪里申请退|退货流程|如何申请退货/,
  },
];
/** Goods asked free of something ("不含酒精的", "无香精", "alcohol-free"): the word, in [1]/[2]/[3]. */
const FREE_OF =
  /(?:不含|无|没有|不加|零|不带)(酒精|香精|香料|色素|防腐剂|皂基)|\b(alcohol|fragrance|perfume)[- ]free\b|\bwithout (alcohol|fragrance|perfume)\b/;
/** The words a product's notes use for what a shopper asks it to be free of. */
const FREE_WORDS: Record<string, string[]> = {
  酒精: ['酒精', '乙醇'],
  香精: ['香精', '香料'],
  香料: ['香精', '香料'],
  alcohol: ['酒精', '乙醇'],
  fragrance: ['香精', '香料'],
  perfume: ['香精', '香料'],
};
/** Ingredients that contradict "free of" it. */
const FREE_INGREDIENTS: Record<string, string[]> = { 酒精: ['乙醇'], alcohol: ['乙醇'] };
/** Uses and effects a product's name may state, asked as goods ("有控油的吗"). */
const USE_GOODS = /控油|保湿|防晒|卸妆|洗发|沐浴|补水|防漏|亮肤|美白|修护|舒缓|祛痘/;
/** A live-room word: the articles written for a live room's prices and coupons want one. */
const LIVE_WORDS = /直播|主播|\blive\b|\blivestream/;
/** An order not placed yet ("when will it arrive if I place it today"): delivery times, not tracking. */
const NOT_YET_ORDERED =
  /如果.{0,6}(?:下单|买|拍)|(?:下单|买|拍)的话|\bif (?:i|we) (?:place|order|buy|purchase)\b|\b(?:placing|place) (?:it|an order|the order|my order) (?:today|now|tomorrow)\b/;

/**
 * "any idea when it will get here?" after asking where the order is: when "it" arrives asks after
 * that order (read with the conversation's last matter only; alone, "it" may be anything).
 */
const ARRIVAL_OF_IT =
  /\bwhen\b.{0,30}\b(?:it|they|this|that|my stuff|my things|my items?)\b.{0,20}\b(?:arrives?|gets? here|comes?|be delivered|be here|shows? up|turns? up|reach(?:es)? me)\b/;

/** Skin types a shopper says of themselves, and the words of an article written for each. */
const SKIN_TYPES = [
  {
    said: /油皮|油性皮|混油|大油田|(?:皮肤|肤质)(?:偏|比较|很|太|有点|特别)?油|\boily skin\b/,
    article: /油皮|油性|大油田|出油/,
  },
  { said: /干皮|干性皮|(?:皮肤|肤质)(?:偏|比较|很|太|有点|特别)?干|\bdry skin\b/, article: /干皮|干性/ },
  { said: /敏感肌|\bsensitive skin\b/, article: /敏感肌/ },
];

/** Letter sizes a shopper may ask for, beyond those a product lists ("开衫有 XL 吗" when it stops at L). */
const LETTER_SIZES = ['XXXL', '3XL', 'XXL', '2XL', 'XL', 'XS', 'XXS', 'S', 'M', 'L'];

/**
 * The size a question asks the availability of ("M码有货吗", "有XL吗", "do you have it in XL",
 * "does it come in size 27"), or null. A one-letter size counts only when written in capitals or
 * with 码/号/size, so "what's" or "a m" never reads as a size; a question about fit ("M码会不会有点
 * 紧") is not one about availability.
 */
/**
 * A day of the month ("这个月26号", "28号晚上", "25号下单的", "26号有没有活动"): a number with 号 or 日
 * after a month, before a time of day or an order step, or in a question about an event, a delivery
 * or an order — a date, never a size (a shoe or jeans size says 码, or is asked to be had alone).
 */
const DAY_OF_MONTH =
  /(?:\d{1,2}\s*月份?|这个月|这月|本月|下个月|下月|上个月|上月)\s*\d{1,2}\s*[号日]|\d{1,2}\s*[号日](?=\s*(?:的)?\s*(?:凌晨|早上|上午|中午|下午|傍晚|晚上|夜里|零点|\d{1,2}\s*点|当天|那天|之前|以前|前|之后|以后|后|下单|付款|支付|拍|买的|发货|发出|到货|送到|能到|到了|开始|结束|截止))/g;
/** Words of an event, an order or a delivery: a number with 号 among them is a day of the month. */
const DATE_MATTER =
  /活动|直播|开播|优惠|大促|促销|秒杀|满减|上新|开抢|发货|到货|下单|付款|物流|快递|送到|能到|\b(?:sale|live|promo\w*|deliver\w*|ship\w*|order\w*)\b/;
/** The text with its days of the month taken out (`DAY_OF_MONTH`; any N号 when `DATE_MATTER` is asked). */
function withoutDays(text: string): string {
  const out = text.replace(DAY_OF_MONTH, ' ');
  return DATE_MATTER.test(out) && !/码|尺码|尺寸|穿|\bsize\b/.test(out)
    ? out.replace(/(?<![0-9])\d{1,2}\s*[号日]/g, ' ')
    : out;
}

function askedSize(said: string, sizes: string[]): string | null {
  // "牛仔裤还有二十七的吗": a size in Chinese numerals is the number the catalogue lists; a day of the
  // month ("这个月26号有没有活动") is none.
  const text = withoutDays(withArabicSizes(said)).replace(
    SIZE_WORDS,
    (_, word: string) => ` size ${SIZE_WORD_CODES[word.toLowerCase().replace(/[- ]/, ' ')]}`,
  );
  const asksIt =
    ASKS_STOCK.test(text) ||
    /有没有|(?:还)?有\s*[A-Za-z0-9]{1,4}\s*(?:码|号)?\s*(?:的)?\s*(?:吗|嘛|么)|[A-Za-z0-9]\s*(?:码|号)?\s*(?:的)?\s*(?:还)?有(?:吗|嘛|么|没|不)|[A-Za-z0-9]\s*(?:码|号)\s*的?[^，,。\s]{1,8}?(?:还)?有(?:吗|嘛|么|没|不)|有\s*[A-Za-z0-9]{1,4}\s*(?:码|号)?\s*的[^，,。\s]{1,8}?(?:吗|嘛|么)/.test(
      text,
    ) ||
    /\b(?:have|has|carry|carries|come|comes|make|makes|sell|sells|stock)\b.{0,40}\b(?:in|size)\b/i.test(
      text,
    ) ||
    // "我老公穿30的牛仔裤有吗", "我穿M的，开衫有吗" (the size worn), "jeans in 27?" (goods and a size).
    /穿\s*(?:\d{2}|[A-Za-z]{1,3}(?![A-Za-z])).{0,8}有(?:吗|嘛|么|没)|^\s*[a-z]+(?: [a-z]+)? in (?:size )?\d{2}\s*\??\s*$/i.test(
      text,
    );
  if (!asksIt) return null;
  for (const size of [...sizes, ...LETTER_SIZES]) {
    const escaped = size.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const plain = new RegExp(
      `(?<![A-Za-z0-9])${escaped}(?![A-Za-z0-9])`,
      size.length > 1 && /[a-z]/i.test(size) ? 'i' : '',
    );
    const marked = new RegExp(
      `(?<![A-Za-z0-9])${escaped}\\s*(?:码|号)|\\bsize\\s+${escaped}(?![A-Za-z0-9])`,
      'i',
    );
    // A bare number is a size only as "in 27" or as what is asked to be had ("还有26的吗", "26的有吗")
    // — "30天内" is not size 30.
    // "牛仔裤26有吗", "有没有26的", "穿30的牛仔裤有吗", "26寸的有吗": the number next to 有 or worn
    // ("我穿29的，牛仔裤有吗": the size worn said first, then the goods).
    const bareNumber = new RegExp(
      `\\bin\\s+${escaped}(?![A-Za-z0-9])|有(?:没有)?\\s*${escaped}\\s*寸?\\s*的?\\s*(?:吗|嘛|么|没|不|$)|(?<![0-9])${escaped}\\s*寸?\\s*的?\\s*(?:还)?有(?:吗|嘛|么|没|不)|穿\\s*${escaped}\\s*(?:码|号|寸)?\\s*的\\s*[，,]?\\s*[^，,。？?\\s]{0,6}?有(?:吗|嘛|么|没|不)|(?<![0-9])${escaped}\\s*寸`,
      'i',
    );
    if (marked.test(text) || (/^\d+$/.test(size) ? bareNumber.test(text) : plain.test(text))) return size;
  }
  // "32码牛仔裤有没有": a number size beyond those a product sold by number lists; "开衫多少钱 || 还有
  // 26的吗": a number size asked of goods sized by letter, one they do not come in.
  if (sizes.length > 0) {
    const number = /(?<![0-9])(\d{2})\s*(?:码|号)|有\s*(\d{2})\s*的?\s*(?:吗|嘛|么)/.exec(text);
    if (number) return number[1] ?? number[2]!;
  }
  return null;
}

/** Whether goods are in stock, asked in so many words (not 到货/补货, which also speak of deliveries). */
const STOCK_ASKED =
  /有货|还有货|现货|缺货|断货|库存|\bin stock\b|\bout of stock\b|\bsold out\b|卖完|卖光|售罄|\bstock of\b|\b(?:any|is there|there any|got|have) stock\b|还有\s*[\d两一二三四五六七八九十]+\s*(?:件|个|瓶|盒|罐|包|条|支|片|袋|套)(?:吗|嘛|么|没)/i;
/** A date said ("12月12号", "12号之前"): its 号 is no size. */
const DATE_SAID = /\d{1,2}月\d{1,2}[号日]|\d{1,2}[号日](?=还|有|之前|前|以前|能|会)/g;
/**
 * …asked about a return, an exchange or a size (their own answers), or when goods come in
 * ("预售的奶粉什么时候有货": dispatch times): not a question whether it can be bought now.
 */
const STOCK_NOT = /退|换|寄回|码|号|尺|什么时候|多久|哪天|预售|\b(?:return|refund|exchange|size|when)\b/;
/** A question about whether something can be bought now (asked of a product marked out of stock). */
const ASKS_STOCK =
  /有货|有没有货|现货|还有吗|还有没有|还有的吗|缺货|断货|卖完|卖光|售罄|补货|到货|库存|in stock|available|sold out|out of stock|restock/i;

const labelOf = (attribute: string, language: ReplyLanguage) =>
  ownValue(ATTRIBUTE_LABELS, attribute)?.[language === 'en' ? 'en' : 'zh'] ?? attribute;

const isArticleIntent = (key: string | null | undefined) => !!key && key.startsWith('~') && key !== OFF_TOPIC;
const publicIntent = (key: string | null | undefined) => (key && !key.startsWith('~') ? key : null);

/** A reading no step ranked, for a signal that decides the intent itself (scores all 0). */
function unrankedReading(intentKey: string): Ranked {
  return { intentKey, score: 0, coverage: 0, exampleCoverage: 0, probability: 0, blended: 0 };
}

interface Ranked extends IntentCandidate {
  /** Blended score: the linear model's probability and retrieval's relative score. */
  blended: number;
  probability: number;
  /** The message asks for this intent's product fact in so many words, about a known product. */
  cued?: boolean;
}

/**
 * The embedded answer engine: reads a shopper message with the conversation's memory and the
 * shopper's profile and decides — answer (article, product fact or order status), ask which of
 * its readings was meant, open or complete a ticket, hand to a human, reply to small talk, or
 * decline. Pure and synchronous: no I/O, so it runs in well under a millisecond and the same
 * decision backs HTTP, tests and the benchmark.
 */
export function createAnswerEngine(index: KnowledgeIndex, thresholds: Partial<EngineThresholds> = {}) {
  const limits = { ...DEFAULT_THRESHOLDS, ...thresholds };
  // Products the merchant named in other languages (`attributes.names`): replies in those languages use them.
  const productNames = createNameLocaliser(index.kb.products, (chip) =>
    index.matcher.labelled(normalizeText(chip)),
  );

  const humanIntents = index.kb.intents.filter((i) => i.policy === 'human');
  // The human-policy intent an explicit "转人工" belongs to: the one whose examples ask for a human most.
  const handoffIntent =
    humanIntents
      .map((i) => ({ i, n: i.examples.filter((e) => asksForHuman(index.read(e).normalized)).length }))
      .sort((a, b) => b.n - a.n)
      .find((x) => x.n > 0)?.i ?? null;
  // The human-policy intent angry messages belong to: the one taught with the most upset examples.
  const complaintIntent =
    humanIntents
      .filter((i) => i !== handoffIntent || humanIntents.length === 1)
      .map((i) => ({ i, share: index.negativeShare.get(i.id) ?? 0 }))
      .sort((a, b) => b.share - a.share)
      .find((x) => x.share > 0)?.i ?? handoffIntent;
  // Likewise the intent bare greetings belong to.
  const greetingIntent = greetingIntentOf(index.kb.intents, (e) => index.read(e).normalized);
  // Merchant intents that answer a catalogue attribute take those questions from the built-in ones.
  const merchantAttributes = new Set(
    index.kb.intents.map((i) => i.answerFrom?.productAttribute).filter((a): a is string => !!a),
  );

  // Per intent, the products its articles are written for — only for intents whose every article
  // names products (an intent with one general article is about any product).
  const articleProducts = new Map<string, Set<string>>();
  {
    const general = new Set<string>();
    for (const article of index.kb.articles) {
      const key = intentKeyOf(article);
      if (article.productIds.length === 0) general.add(key);
      else {
        const set = articleProducts.get(key) ?? new Set<string>();
        for (const id of article.productIds) set.add(id);
        articleProducts.set(key, set);
      }
    }
    for (const key of general) articleProducts.delete(key);
  }

  // The reading the shop answers "how do I cancel an unshipped order" with (an order changed
  // before dispatch is cancelled and placed again), ranked once; null when none is confident.
  let cancelKeyCache: string | null | undefined;
  let cancelArticleCache: ArticleCandidate | undefined;
  const cancelKey = (): string | null => {
    if (cancelKeyCache !== undefined) return cancelKeyCache;
    cancelKeyCache = withinMessage(() => {
      const read = index.read('订单还没发货，怎么取消订单');
      const ranking = rank(read, { productIds: [] });
      const first = ranking.intents[0];
      const key =
        first && first.intentKey !== OFF_TOPIC && confidenceOf(ranking.intents) >= limits.confident
          ? first.intentKey
          : null;
      cancelArticleCache = key ? ranking.articles.find((a) => a.intentKey === key) : undefined;
      return key;
    });
    return cancelKeyCache;
  };
  /** The article that reading answers a plain cancel question with (read with `cancelKey`). */
  const cancelArticle = (): ArticleCandidate | undefined => (cancelKey() ? cancelArticleCache : undefined);

  // Whether an article is about when the shop's events are held ("直播时间", "live schedule"): its
  // title names an event and a time. Looked for once per engine.
  let scheduleArticleCache: boolean | undefined;
  const scheduleArticle = (): boolean => {
    scheduleArticleCache ??= [...index.articles.values()].some((a) =>
      namesEventTimes(normalizeText(a.title)),
    );
    return scheduleArticleCache;
  };

  // The article stating the policy for goods that came damaged, short or wrong (the words a ticket
  // of that reason quotes), once per reason; null when the reason is another or no article states it.
  const troubleArticles = new Map<string, KnowledgeArticle | null>();
  const parcelTroubleArticle = (normalized: string): KnowledgeArticle | null => {
    const reason = extractReason(normalized);
    if (reason !== 'damaged' && reason !== 'wrong_or_missing_item') return null;
    return troubleArticle(reason);
  };
  const troubleArticle = (reason: string): KnowledgeArticle | null => {
    let found = troubleArticles.get(reason);
    if (found === undefined) {
      const hit = index.searchArticles(tokenize(REASON_POLICY_WORDS[reason]!))[0];
      found = (hit && index.articles.get(hit.articleId)) || null;
      troubleArticles.set(reason, found);
    }
    return found;
  };

  // Whether any article says a word (a group of people asked about), once per word.
  const inNotes = new Map<string, boolean>();
  const namedInNotes = (word: string): boolean => {
    let found = inNotes.get(word);
    if (found === undefined) {
      const w = word.toLowerCase().replace(/s$/, '');
      found = [...index.articles.values()].some((a) =>
        [a.title, a.answer, ...a.questions].some((t) => t.toLowerCase().includes(w)),
      );
      inNotes.set(word, found);
    }
    return found;
  };

  // Answers whose reading a signal decided (see `signalled` in readOne); weakly held, per answer.
  const signalledAnswers = new WeakSet<EngineResult>();

  /** Readings whose articles are taught with questions about the service's people ("客服几点上班"). */
  let serviceKeyCache: Set<string> | undefined;
  const serviceKeys = (): Set<string> => {
    if (serviceKeyCache) return serviceKeyCache;
    serviceKeyCache = new Set();
    for (const article of index.kb.articles) {
      const key = intentKeyOf(article);
      if (index.intent(key)?.policy === 'human') continue;
      const asked = article.questions.filter((q) => asksAboutService(normalizeText(q))).length;
      if (asked > 0 && asked * 2 >= article.questions.length) serviceKeyCache.add(key);
    }
    return serviceKeyCache;
  };

  /** Ranks intents by the linear model blended with retrieval over every question variant. */
  function rank(
    read: ReadText,
    options: Parameters<typeof classify>[2],
    productKnown = false,
    raw = read.plain,
    afterOrder = false,
  ) {
    const classification = classify(index, read.tokens, options);
    const retrievalTop = classification.intents[0]?.score || 1;
    const probabilities = index.intentProbabilities(read);
    const byKey = new Map<string, Ranked>();
    for (const candidate of classification.intents) {
      const probability = probabilities.probability(candidate.intentKey);
      // The candidate's four fields written out (same key order as a spread), not spread: one
      // object shape for every candidate instead of a copy loop per object.
      byKey.set(candidate.intentKey, {
        intentKey: candidate.intentKey,
        score: candidate.score,
        coverage: candidate.coverage,
        exampleCoverage: candidate.exampleCoverage,
        probability,
        blended: LINEAR_SHARE * probability + (1 - LINEAR_SHARE) * (candidate.score / retrievalTop),
      });
    }
    for (const { label: intentKey, probability } of probabilities.likely) {
      if (byKey.has(intentKey)) continue;
      byKey.set(intentKey, {
        intentKey,
        score: 0,
        coverage: 0,
        exampleCoverage: 0,
        probability,
        blended: LINEAR_SHARE * probability,
      });
    }
    if (productKnown) {
      for (const intent of index.kb.intents) {
        const cue = ownValue(ATTRIBUTE_INTENT_CUES, intent.answerFrom?.productAttribute ?? '');
        if (!cue?.test(read.normalized)) continue;
        // Asked in so many words ("缩水", "机洗"), the fact's intent competes even when the model
        // and retrieval had not thought of it.
        let candidate = byKey.get(intent.id);
        if (!candidate) {
          candidate = {
            intentKey: intent.id,
            score: 0,
            coverage: 0,
            exampleCoverage: 0,
            probability: 0,
            blended: 0,
          };
          byKey.set(intent.id, candidate);
        }
        candidate.blended += ATTRIBUTE_CUE_BONUS;
        candidate.cued = true;
      }
    }
    // An intent whose every article is written for other products ("烟酰胺刺痛" for a question
    // about jeans) is a poor reading when the product in question is known.
    const inQuestion = productKnown
      ? options?.productIds?.length === 1
        ? options.productIds[0]
        : options?.contextProductIds?.[0]
      : undefined;
    if (inQuestion) {
      for (const candidate of byKey.values()) {
        const linked = articleProducts.get(candidate.intentKey);
        if (linked && !linked.has(inQuestion) && !index.intent(candidate.intentKey)?.answerFrom)
          candidate.blended *= 0.5;
      }
    }
    // "帮我退掉", "少寄了一袋": a request to do something weighs for the intents that open tickets;
    // "我的订单到哪了" for the intents about where an order is.
    const action = isActionRequest(read.normalized, raw);
    // "订单一直显示待发货", "my order still hasn't shipped": an order waiting to ship is a question
    // of when orders ship, whatever else its words share (付款, 订单, 一直).
    // ("还没发货能取消吗" asks to cancel: the order's state is then only the condition; so do a
    // price protection, an exchange, an item to add, and a payment or
    // an application — not the order — "一直处理中".)
    const unshipped =
      ORDER_UNSHIPPED_CUE.test(read.normalized) &&
      !/取消|退|改|换|地址|发票|价保|降价|加购|加一件|(?:付款|支付|申请|审核)(?:一直|还是?)?在?处理中|\b(?:cancel|refund|change|exchange|address|return|invoice|add|price)\b/.test(
        read.plain,
      );
    // "包裹三天了还没发出来": not yet sent out is a question of dispatch, not of where the parcel is.
    // "when will my order arrive if I place it today": no order yet, so nothing to track — when
    // orders are sent out and arrive (the dispatch reading) is the question.
    const beforeOrder = NOT_YET_ORDERED.test(read.plain) && asksAfterOrder(read.normalized, read.plain);
    const followsOrder = afterOrder && ARRIVAL_OF_IT.test(read.normalized);
    const whereIsOrder =
      (asksAfterOrder(read.normalized, read.plain) || followsOrder) && !unshipped && !beforeOrder;
    const toDispatch = unshipped || beforeOrder;
    // The dispatch reading competes even when neither the model nor retrieval thought of it
    // ("my order has been pending for a week" shares no word with "付款后多久发货").
    if (toDispatch) {
      for (const id of dispatchIntents) {
        if (!byKey.has(id)) byKey.set(id, unrankedReading(id));
      }
    }
    for (const candidate of byKey.values()) {
      const intent = index.intent(candidate.intentKey);
      const cued =
        (action && intent?.policy === 'ticket') ||
        (whereIsOrder && !!intent && orderStatusIntents.has(intent.id)) ||
        (toDispatch && !!intent && dispatchIntents.has(intent.id));
      if (cued) {
        candidate.blended += ACTION_BONUS;
        candidate.cued = true;
      } else if (unshipped && !action && !whereIsOrder) {
        // "paid yesterday but nothing has been dispatched": the payment went through (or the order
        // is merely waiting); the other words are the order's history, not the question.
        candidate.blended *= UNSHIPPED_OTHERS;
      }
    }
    // Nothing else wrong in so many words (a failed payment, a double charge): the order's state is
    // the question, and the dispatch reading answers it however the other words weigh.
    const settled =
      toDispatch &&
      !action &&
      !whereIsOrder &&
      !OTHER_TROUBLE.test(read.plain) &&
      // "还没发货，不想要了": a wish to cancel, not a question when it ships.
      !NO_LONGER_WANTED.test(read.normalized);
    // "where's my order", "my order hasn't arrived", "when will my order get here": the shopper's own
    // goods asked after with nothing else asked beside them and no trouble said (shows delivered,
    // stuck, lost, harmed — their own articles answer): where the order is decides the reading,
    // however few of the other words the English gloss reached.
    const whereSettled =
      whereIsOrder &&
      !action &&
      (ORDER_GOODS.test(read.plain) || followsOrder) &&
      !PARCEL_TROUBLE.test(read.plain) &&
      !STALLED_SPAN.test(read.plain) &&
      !BESIDE_ORDER_STATUS.test(read.plain) &&
      !DELIVER_ELSEWHERE.test(read.plain) &&
      !OTHER_TROUBLE.test(read.plain) &&
      // "when will my order arrive in Tibet": the days to the place answer (delivery articles).
      !askedDomesticPlace(read.plain);
    const kindArticle = settled || whereSettled ? null : kindReading(read, options?.contextProductIds ?? []);
    const settling = settled
      ? dispatchIntents
      : whereSettled
        ? orderStatusIntents
        : kindArticle
          ? new Set([intentKeyOf(kindArticle)])
          : null;
    if (settling) {
      let others = 0;
      for (const c of byKey.values()) if (!settling.has(c.intentKey)) others = Math.max(others, c.blended);
      for (const id of settling) {
        let c = byKey.get(id);
        if (!c) {
          c = unrankedReading(id);
          byKey.set(id, c);
        }
        c.blended = Math.max(c.blended, others + ACTION_BONUS);
      }
    }
    // An intent that hands over to a person must be meant: weak evidence for "complaint" in a
    // plain statement ("我买了你们家的…") is not a reason to queue the conversation.
    for (const candidate of byKey.values()) {
      const intent = index.intent(candidate.intentKey);
      if (intent?.policy === 'human' && (candidate.probability < 0.6 || candidate.coverage < 0.4))
        candidate.blended *= 0.5;
    }
    const intents = stableSort([...byKey.values()], (a, b) => b.blended - a.blended);
    // Whether a cue of the message chose the top reading (the engine then need not ask which).
    return {
      intents,
      articles: classification.articles,
      settled:
        (settled && dispatchIntents.size > 0) ||
        (whereSettled && orderStatusIntents.size > 0) ||
        !!kindArticle,
      whereSettled,
      kindArticle,
    };
  }

  /** How sure the engine is of its top reading: its probability, coverage and lead over the next. */
  function confidenceOf(intents: Ranked[]): number {
    const top = intents[0];
    if (!top) return 0;
    const margin = top.blended - (intents[1]?.blended ?? 0);
    const retrieval = top.coverage * (0.6 + 0.4 * Math.min(1, margin / 0.3));
    return Math.min(
      1,
      0.5 * top.probability + 0.5 * retrieval + 0.5 * Math.max(0, margin - 0.25) + (top.cued ? 0.15 : 0),
    );
  }

  /** Answers one message; the work shared by its readers is kept for this call only (see `withinMessage`). */
  function answer(asked: EngineInput): EngineResult {
    return withinMessage(() => {
      const result = answerMessage(inHanIfPinyin(asked));
      // Product names and product chips in the reply's language (the catalogue's `names`).
      if (!productNames.active || result.language === 'zh' || result.language === 'zh-Hant') return result;
      return { ...productNames.localise(result), more: result.more.map((r) => productNames.localise(r)) };
    });
  }

  /**
   * Chinese written in pinyin whose every word was read ("you mei you fang shai", "kefu dianhua",
   * "niuzaiku you da ma ma") is asked as the Chinese it spells: every reading then sees the question
   * a Chinese shopper would have typed, not a gloss of words appended to syllables.
   */
  function inHanIfPinyin(asked: EngineInput): EngineInput {
    // "yǒu méi yǒu fáng shài": pinyin with its tone marks is read as the same syllables without.
    const toneless = TONE_MARKED.test(asked.text)
      ? asked.text.normalize('NFD').replace(/[\u0300-\u036f]/g, '')
      : asked.text;
    const read = index.read(toneless);
    if (toneless !== asked.text && !(read.pinyinOnly && read.spelledAll && read.spelled)) return asked;
    if (HAN_CHARS_ONE.test(toneless)) return inHanIfMixed(asked, toneless);
    if (!read.pinyinOnly || !read.spelledAll || !read.spelled || read.spelled.length < 2) return asked;
    return { ...asked, text: read.spelled };
  }

  /**
   * "you mei you 防晒", "面膜 you xian huo ma": pinyin beside Chinese is asked as the Chinese it spells
   * when each Latin run, read alone, is pinyin whose every word was read; English beside Chinese
   * ("refund一般几天到", "M码有吗") is no such run and stays as written.
   */
  function inHanIfMixed(asked: EngineInput, text: string): EngineInput {
    const runs = text.match(/[a-z][a-z\s]*[a-z]/gi) ?? [];
    if (runs.length === 0 || runs.length > 4) return asked;
    let han = text;
    for (const run of runs) {
      const read = index.read(run);
      if (!read.pinyinOnly || !read.spelledAll || !read.spelled || read.spelled.length < 2) return asked;
      han = han.replace(run, read.spelled);
    }
    return { ...asked, text: han.replace(/\s+/g, '') };
  }

  function answerMessage(said: EngineInput): EngineResult {
    // "孕妇能用面霜吗" → "那精华呢": the follow-up asked as the whole question it stands for.
    const asked =
      withAudience(said) ??
      withProductInView(said) ??
      withWaterInView(said) ??
      withSpecAsked(said) ??
      withQualityAsked(said) ??
      withTopicFirst(said) ??
      withAnyGoods(said) ??
      withSkinAsked(said) ??
      withParcelChased(said) ??
      withFactCarried(said) ??
      withMenAlone(said) ??
      said;
    const result = answerMessageOnce(asked);
    const askedFor = audienceAsked(asked.text);
    // The catalogue fact a product answer gave (a price, the sizes), for "那口红呢" next.
    const lastFact = result.productId && CARRIED_FACTS[result.attribute ?? ''] ? result.attribute : null;
    if ((result.memory.askedFor ?? null) === askedFor && (result.memory.lastFact ?? null) === lastFact)
      return result;
    return { ...result, memory: { ...result.memory, askedFor, lastFact } };
  }

  /**
   * "men too?", "what about guys?", "男生也行吗" with no goods in view (no product, no kind left
   * open — those carry the question themselves): men asked about the shop's goods, as "anything for
   * men?" asks it — never an off-topic decline of a shop question.
   */
  function withMenAlone(asked: EngineInput): EngineInput | null {
    const text = asked.text.trim();
    if (text.length > 24) return null;
    if (asked.memory?.lastProductId || (asked.memory?.lastKindIds?.length ?? 0) > 0) return null;
    let core = text.toLowerCase().replace(/[?？。!！~～.,，\s]+$/u, '');
    // Bounded: each pass strips one leading or trailing word of the follow-up's frame.
    for (let pass = 0; pass < 6; pass++) {
      const next = core
        .replace(/^(?:那么?|还有|and|so|but|what about|how about|also)\s*/, '')
        .replace(/^(?:for|can)\s+/, '')
        .replace(
          /\s*(?:\btoo\b|\bas well\b|\balso\b|\bonly\b|的呢|呢|吗|么|嘛|行不行|也行|行|也可以|可以|也能用|能用|也能|能|也|用)$/u,
          '',
        )
        .trim();
      if (next === core) break;
      core = next;
    }
    if (!/^(?:men|guys|males?|dudes|blokes|男生|男的|男士|男人|男性)$/.test(core)) return null;
    return { ...asked, text: /\p{Script=Han}/u.test(core) ? '有男士用的吗' : 'anything for men?' };
  }

  /**
   * "精华" → "敏感肌能用吗": a skin type's may-use question naming nothing asks it of the product in
   * view ("敏感肌能用烟酰胺精华吗"), not for the skin type's routine article.
   */
  function withSkinAsked(asked: EngineInput): EngineInput | null {
    const product = index.product(asked.memory?.lastProductId);
    const text = asked.text.trim();
    if (!product || text.length > 12 || !/\p{Script=Han}/u.test(text)) return null;
    const plain = normalizeText(text);
    const skin = SKIN_SAID.exec(plain)?.[0];
    if (!skin || !/能用|可以用|适合|能不能用|可不可以用/.test(plain) || /什么|啥|哪/.test(plain)) return null;
    const read = index.read(text);
    if (read.products.length > 0 || index.matcher.kinds(read.normalized).length > 0) return null;
    return { ...asked, text: `${skin}能用${product.aliases[0] ?? product.name}吗` };
  }

  /**
   * "气垫多少钱" → "那口红呢", "有大码开衫吗" → "那牛仔裤呢": a bare product after a price or the
   * sizes asks the same of it ("口红多少钱"), not "which aspect of it?".
   */
  function withFactCarried(asked: EngineInput): EngineInput | null {
    const fact = asked.memory?.lastFact;
    const ask = typeof fact === 'string' ? CARRIED_FACTS[fact] : undefined;
    if (!ask) return null;
    const text = asked.text.trim();
    if (text.length > 14 || !/\p{Script=Han}/u.test(text)) return null;
    const core = text
      .replace(/^(?:那么?|还有)\s*/, '')
      .replace(/\s*(?:的呢|呢)[?？。!！\s]*$/u, '')
      .trim();
    if (!core || core === text || core.replace(/[^\p{Script=Han}]/gu, '').length > 6) return null;
    const read = index.read(core);
    if (read.products.length === 0 && index.matcher.kinds(read.normalized).length === 0) return null;
    // Only the product: anything else said beside it is a question of its own.
    const left = index.matcher.withoutNames(
      read.plain,
      read.products.map((p) => p.productId),
    );
    if (read.products.length > 0 && left.replace(/[这那个款的\s]/g, '') !== '') return null;
    return { ...asked, text: `${core}${ask}` };
  }

  /**
   * Who a question asks a product for: pregnancy / breastfeeding or a baby / child, said beside a
   * may-use question ("孕妇能用面霜吗", "精华小孩能用吗") — not a word inside a product's own name
   * (宝宝沐浴露), nor a service asked by a pregnant shopper ("孕妇能退货吗").
   */
  function audienceAsked(text: string): MemoryAudience | null {
    const plain = normalizeText(text);
    if (plain.length > 40 || !MAY_USE.test(plain) || AUDIENCE_SERVICE.test(plain)) return null;
    const labels = index
      .read(text)
      .products.flatMap((p) => productLabels(index.product(p.productId)))
      .map((l) => l.toLowerCase())
      .sort((a, b) => b.length - a.length);
    let rest = plain;
    for (const label of labels) if (label.length >= 2) rest = rest.split(label).join(' ');
    // A kind asked with no one product ("怀孕能用防晒吗"): kept, so "那宝宝呢" asks it of that kind.
    const kindWord = index.read(text).products.every((p) => p.score < 1)
      ? index.matcher.kinds(normalizeText(text))[0]?.word
      : undefined;
    const kind = kindWord ? { kind: kindWord } : {};
    const pregnancy = PREGNANCY_WORDS.exec(rest);
    if (pregnancy) return { who: 'pregnancy', word: pregnancy[0], ...kind };
    const child = CHILD_WORDS.exec(rest);
    if (child) return { who: 'child', word: child[0], ...kind };
    // "我老公想用洗面奶，男的能用吗" → "那面霜呢": whether men may use it is asked again of the next one.
    if (asksMen(rest)) return { who: 'men', word: /\p{Script=Han}/u.test(rest) ? '男士' : 'men' };
    return null;
  }

  /**
   * A bare follow-up after a who-may-use question, as the whole question: another product for the
   * same person ("孕妇能用面霜吗" → "那精华呢" / "精华可以吗" / "what about the cream"), or another
   * person for the same product ("面霜孕妇能用吗" → "那宝宝呢"). Null when the follow-up asks
   * anything else (a price, how to use it) or the last turn asked no one.
   */
  function withAudience(asked: EngineInput): EngineInput | null {
    // With no who-question before, a bare person still asks it of the product in view ("面霜保质期
    // 多久" → "孕妇呢": may a pregnant shopper use the cream), never a product whose alias holds the
    // word (孕妇防晒).
    const last = asked.memory?.askedFor;
    const text = asked.text.trim();
    // English says the same in more letters ("what about pregnant ladies").
    if (text.length > (HAN_CHARS_ONE.test(text) ? 24 : 40)) return null;
    const core = text
      .toLowerCase()
      .replace(/^(?:(?:and|but|so|ok)\s+)?(?:那么?|还有|and|what about|how about)\s*/, '')
      .replace(
        /\s*(?:的呢|呢|也?(?:可以|能)(?:用)?(?:吗|么|嘛)|也?(?:可以|能)用|行吗|行不行|\?)?[?？。!！\s]*$/u,
        '',
      )
      .trim();
    if (!core || core === text.toLowerCase() || FOLLOW_UP_ASKS.test(core)) return null;
    const en = !/\p{Script=Han}/u.test(core);
    // Another person, the same product (the one in the conversation).
    const person = PREGNANCY_WORDS.exec(core) ?? CHILD_WORDS.exec(core) ?? ELDERLY_WORDS.exec(core);
    if (person) {
      // What is left beside the person may only say "for" or "use" ("那给宝宝用呢", "and for me,
      // I'm nursing"); anything else ("宝宝面霜") is another question.
      const leftOver = core.replace(person[0], '').replace(
        // "what about pregnant women": the word for the person beside "pregnant" is that person.
        // "我家孩子能用吗": whose the person is says no other question.
        /[的给用来也我是在期中时，,.\s]|使用|的话|家里|我们家|家|\b(?:the|a|an|my|our|for|me|i|it|use|using|to|can|women|woman|ladies|lady|mums?|moms?|mothers?)\b/g,
        '',
      );
      const product = index.product(asked.memory?.lastProductId);
      if (leftOver) return null;
      // No one product in view, a kind asked before ("怀孕能用防晒吗" → "那宝宝呢"): that kind.
      if (last?.kind && !en) return { ...asked, text: `${person[0]}能用${last.kind}吗` };
      // Nothing in view at all ("婴儿能用", "孕妇可以用吗" as a first question): which goods that
      // person may use — never a product picked by the words "能用" alone.
      if (!product && (asked.memory?.lastKindIds?.length ?? 0) === 0) {
        // No goods are sold for an age: an older person with nothing in view asks of the product the
        // shopper has in mind, which the bot asks back ("这个老人能用吗").
        if (ELDERLY_WORDS.test(person[0]))
          return { ...asked, text: en ? `can ${person[0]} use this one` : `这个${person[0]}能用吗` };
        return { ...asked, text: en ? `what can ${person[0]} use` : `${person[0]}能用什么` };
      }
      if (!product) return null;
      const name = product.aliases[0] ?? product.name;
      // English names the product too when it has an English name: "it" after a child question
      // was read as the child's size.
      const enName = namesOf(product).find((n) => !/\p{Script=Han}/u.test(n)) ?? 'it';
      const whole = en
        ? PREGNANCY_WORDS.test(core)
          ? `can i use ${enName} while ${/breast|nurs/.test(person[0]) ? 'breastfeeding' : 'pregnant'}`
          : `can ${person[0]} use ${enName}`
        : `${person[0]}能用${name}吗`;
      return { ...asked, text: whole };
    }
    if (!last) return null;
    // Another product, the same person: the core is a product (or a kind of one) and nothing else.
    const read = index.read(core);
    const products = read.products.length > 0 ? read.products.map((p) => p.productId) : [];
    if (products.length === 0 && index.matcher.kinds(read.normalized).length === 0) return null;
    if (en ? core.split(/\s+/).length > 4 : core.replace(/[^\p{Script=Han}]/gu, '').length > 6) return null;
    const whole = en
      ? last.who === 'pregnancy'
        ? `can i use ${core} while ${/breast|nurs|哺乳|母乳|喂奶/.test(last.word) ? 'breastfeeding' : 'pregnant'}`
        : last.who === 'men'
          ? `can men use ${core}`
          : `can ${/\p{Script=Han}/u.test(last.word) ? 'kids' : last.word} use ${core}`
      : `${/\p{Script=Han}/u.test(last.word) ? last.word : { pregnancy: '孕妇', child: '小孩', men: '男士' }[last.who]}能用${core}吗`;
    return { ...asked, text: whole };
  }

  /**
   * "面霜多少钱" → "能防晒吗" / "防晒吗" / "有防晒效果吗": a use asked bare is asked of the product in
   * the conversation — read as "玻尿酸面霜能防晒吗" — not of the goods its word names (both
   * sunscreens) nor the article that mentions them (pregnancy). Chinese only (English is read
   * through "it", see POINTS_AT_IT).
   */
  function withProductInView(asked: EngineInput): EngineInput | null {
    const product = index.product(asked.memory?.lastProductId);
    const text = asked.text.trim();
    if (!product || text.length > 12 || !/\p{Script=Han}/u.test(text)) return null;
    const plain = normalizeText(text);
    if (!BARE_USE_ASKED(plain)) return null;
    const name = product.aliases[0] ?? product.name;
    // "防晒吗" asks the use as "能防晒吗" does; an effect or function said stays as said.
    const use = USE_GOODS.exec(plain)![0];
    return {
      ...asked,
      text: /效果|功效|作用|功能|能|可以|会/.test(plain) ? `${name}${text}` : `${name}能${use}吗`,
    };
  }

  /**
   * "any soothing mask", "got any light sunscreen?": goods asked for with "any" alone are asked as
   * "do you have …" asks them — when the words name goods and nothing else ("any news on my order",
   * "any freebies with the face cream" stay as said).
   */
  function withAnyGoods(asked: EngineInput): EngineInput | null {
    // "any cream under 100": a price ceiling after the goods is kept for the catalogue's price check
    // (`priceCeiling`), the goods before it read as below.
    const ceiling = ANY_PRICE_CEILING.exec(asked.text.trim());
    const said = ceiling ? asked.text.trim().slice(0, ceiling.index) : asked.text.trim();
    const m = /^(?:(?:got|have you got|do you have|u got) )?any ([a-z][a-z' -]{1,40}?)\s*\??$/i.exec(said);
    if (!m || /^(?:do you have|have you got) /i.test(said)) return null;
    // Only goods and their qualities ("soothing mask"): "any freebies with the face cream" asks of
    // something else that comes with the goods.
    const words = m[1]!.split(/\s+/);
    if (words.length > 3 || words.some((w) => /^(?:with|for|on|about|in|from|of|to)$/.test(w))) return null;
    const read = index.read(m[1]!);
    if (read.products.length === 0 && index.matcher.kinds(read.normalized).length === 0) return null;
    // A quality the goods' own data never states ("any waterproof sunscreen": 防水 is in no sunscreen's
    // names, aliases or details) is no "yes, we have" — the question is left as said, for the
    // articles or a "not stated". A word's glossed Chinese words are what the catalogue is searched for.
    const goods = read.products
      .map((p) => index.product(p.productId))
      .filter((p): p is KnowledgeProduct => !!p);
    const stated = (word: string) =>
      goods.some(
        (p) => productLabels(p).some((l) => l.includes(word)) || JSON.stringify(p.attributes).includes(word),
      );
    const han = (text: string) => (text.match(/\p{Script=Han}{2,}/gu) ?? []) as string[];
    // A word the lexicon glosses only with the words around it ("physical sunscreen" → 物理防晒) is
    // stated when that gloss of the phrase (not of its words one by one) is in the goods' data.
    const ownGlosses = new Set(words.flatMap((w) => han(index.read(w).normalized)));
    const phraseStates = han(read.normalized).some((h) => !ownGlosses.has(h) && stated(h));
    for (const w of words) {
      if (index.read(w).products.length > 0) continue;
      const glossed = han(index.read(w).normalized);
      if (
        glossed.length > 0
          ? !glossed.some(stated)
          : !phraseStates &&
            !stated(w.toLowerCase()) &&
            !goods.some((p) => localNames(p).some((l) => l.toLowerCase().includes(w.toLowerCase())))
      )
        return null;
    }
    return { ...asked, text: `do you have ${m[1]}${ceiling ? ceiling[0] : ''}` };
  }

  /**
   * "the serum, can guys use it", "the tote - does it fit a laptop": goods said first as the topic
   * and then asked of as "it" are asked of by name ("can guys use the serum"), as the shopper means.
   */
  function withTopicFirst(asked: EngineInput): EngineInput | null {
    const text = asked.text.trim();
    if (text.length > 80 || /\p{Script=Han}/u.test(text)) return null;
    const m = TOPIC_FIRST.exec(text);
    if (!m) return null;
    const topic = m[1]!.trim();
    if (index.read(topic).products.length === 0) return null;
    return { ...asked, text: m[2]!.replace(/\bit\b/i, topic) };
  }

  /**
   * "防晒有清透的吗", "想要清透一点的防晒", "有没有清透点的防晒": goods asked by a quality in another word
   * order are asked as "有清透的防晒吗" — when the quality is one some (not all) of the goods named
   * alike bear in their names (`qualityNarrowed`); anything else stays as said.
   */
  function withQualityAsked(asked: EngineInput): EngineInput | null {
    const text = asked.text.trim();
    if (text.length > 16 || !/\p{Script=Han}/u.test(text)) return null;
    const plain = normalizeText(text).replace(/[?？。!！~～\s]+$/u, '');
    // "防晒有清透的吗" (the kind, then the quality) or "想要清透一点的防晒" (the quality, then the kind).
    const kindFirst =
      /^(\p{Script=Han}{2,6}?)(?:有没有|还有|有)(\p{Script=Han}{2,4}?)(?:一点|一些|点)?的(?:吗|么|嘛|没|不)?$/u.exec(
        plain,
      );
    const qualityFirst = kindFirst
      ? null
      : /^(?:我)?(?:想要|想买|想找|要|找|求|来|有没有)(?:个|一款|一个|款)?(\p{Script=Han}{2,4}?)(?:一点|一些|点)?的(\p{Script=Han}{2,6})$/u.exec(
          plain,
        );
    if (!kindFirst && !qualityFirst) return null;
    const kind = kindFirst ? kindFirst[1]! : qualityFirst![2]!;
    const quality = kindFirst ? kindFirst[2]! : qualityFirst![1]!;
    const read = index.read(kind);
    const ids = [
      ...new Set([
        ...read.products.map((p) => p.productId),
        ...index.matcher.kinds(read.normalized).flatMap((k) => k.productIds),
      ]),
    ];
    // The quality must be one the goods' names bear (清透 of 清透防晒, 温和 of 温和洁面乳): else it is
    // another question ("防晒有现货的吗") and stays as said.
    if (!ids.some((id) => productLabels(index.product(id)).some((l) => l.includes(quality)))) return null;
    return { ...asked, text: `有${quality}的${kind}吗` };
  }

  /**
   * "坚果还有30袋的吗", "面霜有50g的吗", "面霜多少钱" → "还有50的吗": a pack, weight or volume asked to be
   * had, of goods the catalogue lists one spec for (`volume`) and no sizes, is that spec's question
   * ("坚果规格" → "750g（25g×30袋）") — not a size, not the article its unit word meets (拆袋 of the
   * return exceptions). A day, an age, a count of items or a size mark is none.
   */
  function withSpecAsked(asked: EngineInput): EngineInput | null {
    const text = asked.text.trim();
    if (text.length > 20 || !/\p{Script=Han}/u.test(text)) return null;
    const plain = normalizeText(text);
    if (!SPEC_ASKED.test(plain) || /码|号|寸|尺|岁|月|天|件|个|cm|\bsize\b/i.test(plain)) return null;
    const read = index.read(text);
    const ids = new Set(read.products.map((m) => m.productId));
    if (ids.size > 1 || (ids.size === 0 && index.matcher.kinds(read.normalized).length > 0)) return null;
    const product = index.product(ids.size === 1 ? [...ids][0] : asked.memory?.lastProductId);
    if (!product || product.attributes.sizes !== undefined || typeof product.attributes.volume !== 'string')
      return null;
    const name = product.aliases[0] ?? product.name;
    return { ...asked, text: `${name}规格` };
  }

  /**
   * "托特包多少钱" → "防水吗" / "那防汗吗": water asked bare is asked of the product in view ("托特包防水吗"),
   * not of the goods whose article speaks of water (a sunscreen). Chinese only (English says "it").
   */
  function withWaterInView(asked: EngineInput): EngineInput | null {
    const product = index.product(asked.memory?.lastProductId);
    const text = asked.text.trim();
    if (!product || text.length > 12 || !/\p{Script=Han}/u.test(text)) return null;
    const core = text
      .replace(/^(?:那么?|还有)/, '')
      .replace(/[它这个款支瓶也还会能可以吗么嘛呢不的\s?？。!！,，]/g, '');
    if (!/^(?:防水|防汗|耐水|耐汗|怕水|怕汗|怕雨|怕淋雨|怕湿)$/.test(core)) return null;
    const name = product.aliases[0] ?? product.name;
    return { ...asked, text: `${name}${core}吗` };
  }

  /**
   * "我的快递到哪了" → "能催一下吗", "my parcel hasn't moved in 4 days" → "can u chase it": a bare
   * 催 after the parcel was asked after is a chase of that parcel ("帮我催一下快递").
   */
  function withParcelChased(asked: EngineInput): EngineInput | null {
    const lastIntent = asked.memory?.lastIntent;
    if (!lastIntent || !orderStatusIntents.has(lastIntent)) return null;
    const text = asked.text.trim();
    if (text.length > 30) return null;
    if (BARE_CHASE_ZH.test(text)) return { ...asked, text: '帮我催一下快递' };
    if (BARE_CHASE_EN.test(text.toLowerCase())) return { ...asked, text: 'please chase my parcel' };
    return null;
  }

  function answerMessageOnce(asked: EngineInput): EngineResult {
    // A long message is read for what it asks (bounded time, whatever its length).
    const focus = focusMessage(
      asked.text,
      (normalized) => index.matcher.find(normalized).mentions.length > 0,
    );
    const input = focus === asked.text ? asked : { ...asked, text: focus };
    const parts = splitQuestions(input.text);
    if (parts.length < 2) return answerTail(input, answerOne(input));
    // Each question of the message on its own, the memory carried from one to the next
    // ("面霜怎么用？孕妇能用吗？" asks the second about the cream).
    let memory = input.memory;
    const results: EngineResult[] = [];
    for (const part of parts) {
      const result = answerOne({ ...input, text: part, memory });
      results.push(result);
      memory = result.memory;
    }
    const answered: EngineResult[] = [];
    for (const result of results) {
      if (!['answer', 'ticket'].includes(result.action) || result.lowConfidence) continue;
      const same = answered.some(
        (a) =>
          a.intent === result.intent && a.articleId === result.articleId && a.attribute === result.attribute,
      );
      if (!same) answered.push(result);
    }
    if (answered.length >= 2) {
      // A ticket leads: the responder opens it with the first reply.
      answered.sort((a, b) => Number(b.action === 'ticket') - Number(a.action === 'ticket'));
      const [first, ...rest] = answered;
      return { ...first!, memory: memory ?? first!.memory, more: rest };
    }
    // A long message with one real question in it: answer that question when the whole is unclear.
    const whole = answerOne(input);
    if (
      answered.length === 1 &&
      (whole.action === 'clarify' || whole.action === 'decline' || whole.lowConfidence)
    )
      return { ...answered[0]!, memory: memory ?? answered[0]!.memory };
    return whole;
  }

  /**
   * A story with its question at the end ("…我平时都是机洗的 不知道这个能不能直接丢洗衣机"): when the
   * whole message is unclear, the last clause that asks is read on its own, then with the clause
   * before it, the product the story named carried over. The first confident reading wins;
   * otherwise the whole message's answer stands. At most two more readings, only for messages of
   * three clauses or more.
   */
  function answerTail(input: EngineInput, whole: EngineResult): EngineResult {
    const unclear = whole.action === 'clarify' || whole.action === 'decline' || whole.lowConfidence;
    if (!unclear) return whole;
    // Spaces part Chinese clauses ("快递到了 但是少了一件 怎么办"); in English they part every word —
    // "when" alone is no clause of "does the cushion hold up when I sweat" — so only punctuation there.
    const clauses = input.text
      .split(HAN_CHARS_ONE.test(input.text) ? /[，,。！!？?；;、\s]+/u : /[，,。！!？?；;、]+/u)
      .filter((c) => c.trim());
    if (clauses.length < 3) return whole;
    let last = clauses.length - 1;
    // "能不能", "可不可以" ask too (the normaliser folds them to 能, 可以).
    const asks = (clause: string) => isQuestion(normalizeText(clause), clause) || A_NOT_A.test(clause);
    while (last >= 0 && !asks(clauses[last]!)) last--;
    if (last < 1) return whole;
    const memory: ConversationMemory = {
      ...(input.memory ?? {}),
      ...(whole.memory.lastProductId ? { lastProductId: whole.memory.lastProductId } : {}),
    };
    for (let before = 0; before <= 1 && last - before >= 0; before++) {
      const text = clauses.slice(last - before, last + 1).join('，');
      const tail = answerOne({ ...input, text, memory });
      if (
        (tail.action === 'answer' || tail.action === 'ticket') &&
        !tail.lowConfidence &&
        tail.confidence >= 0.5
      )
        return tail;
    }
    return whole;
  }

  /**
   * One question, read. A clear question about one product that could only be met with "which
   * aspect?" gets what is known and that the detail is not listed instead (`honestGap`).
   */
  function answerOne(asked: EngineInput): EngineResult {
    const firstReading = readOne(asked);
    // A pregnant shopper asking a service is answered the service (service-senses.ts).
    const rest = firstReading.articleId
      ? serviceAskedInPregnancy(asked.text.toLowerCase(), index.articles.get(firstReading.articleId))
      : null;
    const result = rest ? readOne({ ...asked, text: rest }) : firstReading;
    const gaps = result.action === 'clarify' || (result.action === 'answer' && !!result.articleId);
    if (!gaps && result.action !== 'answer' && result.action !== 'decline') return result;
    const text = withoutGreeting(asked.text);
    const read = index.read(text);
    // A short follow-up naming no product continues the last matter: its name counts with the words.
    const last = asked.memory?.lastIntent;
    const matter =
      last && read.products.length === 0 && shortFollowUp(read) ? index.intent(last)?.name : undefined;
    const sensed = senseFixed(asked.channel, read, result, matter);
    if (sensed) return sensed;
    if (!gaps) return result;
    const facts = {
      text,
      read,
      language: result.language,
      say: (key: SystemTextKey, slots?: Record<string, string | number>) =>
        systemText(key, result.language, slots),
      product: (id: string | null | undefined) => index.product(id) ?? undefined,
    };
    // A service matter asked beside a product ("奶粉会被海关扣吗") is answered by the service's article,
    // which need not name the product.
    const gap =
      waterGap(read, result, facts) ??
      (result.action === 'clarify'
        ? honestGap(facts, result)
        : // A kind reading's article is met in the question's own words ("is the dress returnable" →
          // the 7-day rule), no neighbour of it — though the gloss of "dress" (裙子) is not in it.
          result.articleId === kindReading(read)?.id
          ? null
          : unrelatedArticle(facts, result, index.articles.get(result.articleId!)));
    if (gap) return { ...result, ...gap, text: inScript(gap.text, result.language) };
    return (read.unread.length > 0 && unseenTopicAnswer(result, read, facts)) || result;
  }

  /**
   * "气垫防汗吗", "is the cushion sweat proof": water asked of one product answered with an article of
   * it that says nothing of water (how to change the refill) — its data does not say; what is
   * listed is told, with a person. Null when the answer speaks of water or is no such answer.
   */
  function waterGap(
    read: ReadText,
    result: EngineResult,
    facts: Parameters<typeof notCoveredForProduct>[0],
  ): ReturnType<typeof notCoveredForProduct> | null {
    if (result.action !== 'answer' || !result.articleId || !result.productId) return null;
    if (!WATER_ASKED.test(read.normalized)) return null;
    const article = index.articles.get(result.articleId);
    const product = index.product(result.productId);
    if (!article || !product || WATER_WRITTEN.test(article.answer)) return null;
    return notCoveredForProduct(facts, product);
  }

  /**
   * An English question answered with an article although as many of its topic words went unread
   * as were glossed ("is there a student discount" → the stacking article on "discount" alone;
   * "what's in the box with the hair dryer" → an ingredients article): the notes do not cover what
   * it asks. What the shop does not carry is said so; a product's question gets what is listed; else
   * "our notes don't cover this" and a person. A word the chosen article or product itself uses
   * ("spf" of a sunscreen) was seen. Null when the answer stands.
   */
  function unseenTopicAnswer(
    result: EngineResult,
    read: ReadText,
    facts: Parameters<typeof unrelatedArticle>[0],
  ): EngineResult | null {
    if (result.action !== 'answer' || !result.articleId || result.language !== 'en') return null;
    if (signalledAnswers.has(result)) return null;
    const article = index.articles.get(result.articleId);
    const product = index.product(result.productId) ?? null;
    const own = `${article ? [article.title, article.answer, ...article.questions].join(' ') : ''} ${
      product ? [product.name, ...product.aliases, JSON.stringify(product.attributes)].join(' ') : ''
    }`.toLowerCase();
    const unseen = unseenTopic(read.unread, (w) => isPlaceWord(w) || own.includes(w.replace(/e?s$/, '')));
    if (unseen.length === 0 || unseen.length < Math.max(1, read.glossedWords)) return null;
    const say = facts.say;
    // The goods among the unseen words alone ("box hair dryer"): "with the hair dryer" read in the
    // whole message is an instrument, but here it is what the question is about.
    const named = product
      ? null
      : (uncarriedGoods(read.plain, index.kb.products) ??
        uncarriedGoods(unseen.join(' '), index.kb.products));
    // "any discount code for sunglasses": a service asked about goods is no question of carrying them.
    const goods = named && !servesOnly(read.plain, named) ? named : null;
    const gap =
      product && !article?.productIds.includes(product.id) ? notCoveredForProduct(facts, product) : null;
    const text = gap
      ? gap.text
      : goods
        ? say('notCarried', { item: goods, catalog: catalogueSummary(result.language).join(', ') })
        : say('notCovered');
    return {
      ...result,
      ...(gap ?? {}),
      action: goods && !gap ? 'answer' : 'clarify',
      text: inScript(text, result.language),
      intent: goods && !gap ? 'product_info' : null,
      articleId: null,
      productId: gap ? product!.id : null,
      confidence: goods && !gap ? 1 : Math.min(result.confidence, limits.confident / 2),
      lowConfidence: !goods || !!gap,
      quickReplies: gap ? gap.quickReplies : goods ? [] : [say('optionHuman')],
      grounding: { articles: [], product: gap ? product : null },
    };
  }

  /**
   * A service matter answered with its neighbour ("衣服的运费怎么算" with the return-postage article,
   * "口红有赠品吗" with the ingredients): the shop's article about it, else what its articles say on
   * the matter underneath, else "not in our notes" and a person (service-senses.ts). Null when the
   * answer stands.
   */
  /** A product's name and aliases, for the service senses (service-senses.ts `productNames`). */
  function productNamesOf(id: string | null | undefined): string[] {
    const product = index.product(id);
    return product ? namesOf(product) : [];
  }

  function senseFixed(
    channel: string,
    read: ReadText,
    result: EngineResult,
    matter?: string,
  ): EngineResult | null {
    const say = (key: SystemTextKey, slots?: Record<string, string | number>) =>
      systemText(key, result.language, slots);
    const fix = serviceSenseFix(
      {
        said: read.pinyinOnly ? read.normalized : read.plain,
        normalized: read.normalized,
        language: result.language,
        productId: result.productId ?? result.memory.lastProductId ?? null,
        productNames: productNamesOf(result.productId ?? result.memory.lastProductId),
        articles: index.articles.values(),
        say,
        matter,
      },
      result,
    );
    if (!fix) return null;
    const { attribute: _attribute, ...rest } = result;
    const product = result.grounding.product;
    if (fix.kind === 'article') {
      const article = fix.article;
      const written = channelText(article, channel);
      if (article.intent) result.memory.lastIntent = article.intent;
      return {
        ...rest,
        action: 'answer',
        text: inScript(
          result.language === 'en' && /\p{Script=Han}/u.test(written)
            ? `${say('answerInChinese')}\n${written}`
            : written,
          result.language,
        ),
        intent: article.intent,
        articleId: article.id,
        productId: result.productId ?? (article.productIds.length === 1 ? article.productIds[0]! : null),
        confidence: Math.max(result.confidence, 0.5),
        lowConfidence: false,
        outOfScope: false,
        quickReplies: [],
        grounding: { articles: [article], product },
      };
    }
    return {
      ...rest,
      action: fix.action,
      text: fix.text,
      intent: fix.intent,
      articleId: null,
      confidence: fix.confidence,
      lowConfidence: fix.lowConfidence,
      outOfScope: false,
      quickReplies: fix.quickReplies,
      grounding: { articles: fix.articles, product },
    };
  }

  function readOne(asked: EngineInput): EngineResult {
    // "你好 请问裙子有S码吗": the greeting is manners, the question is the message.
    const input = { ...asked, text: withoutGreeting(asked.text) };
    const memory: ConversationMemory = { ...(input.memory ?? {}) };
    const read = index.read(input.text);
    // The conversation's language: a message with no words of its own ("20251130884213", "👍")
    // keeps the language the shopper has been writing in.
    const wordless = !HAN_OR_LATIN.test(input.text.replace(/\b[a-z]{0,4}\d[a-z\d]*\b/gi, ''));
    // Product names are no words of the shopper's language: a catalogue named in Chinese is quoted
    // in English too ("清透防晒 shelf life", an English chip for a product with no English name).
    // Names alone keep the conversation's language; names and English words are English (one
    // word, as "清透防晒 spf", keeps the conversation's language, whichever it is).
    const own =
      read.products.length > 0 && HAN_CHARS_ONE.test(read.plain)
        ? index.matcher.withoutNames(
            read.plain,
            read.products.map((p) => p.productId),
          )
        : read.plain;
    const namesOnly = own !== read.plain && !HAN_CHARS_ONE.test(own);
    const ownEnglish = namesOnly ? (own.match(/[a-z]{2,}/g) ?? []).length : 0;
    const language =
      (wordless || (namesOnly && ownEnglish === 0)) && memory.language
        ? memory.language
        : ownEnglish >= 2
          ? 'en'
          : ownEnglish === 1 && memory.language
            ? memory.language
            : replyLanguageOf(input.text, read.pinyinOnly);
    memory.language = language;
    const say = (key: SystemTextKey, slots: Record<string, string | number> = {}) =>
      systemText(key, language, slots);
    const orderId = extractOrderId(input.text);
    // "I ordered the wrong colour, can I swap it" after a lipstick question: a change to the order
    // names no product, so the one in focus is not what it asks about (its shades, its facts).
    // A product it does name is the one ordered, not the subject of a question about it: "I bought
    // the wrong shade of foundation, can I change it" asks about the order, not the shades listed.
    // One that names what the goods become (another product, a quantity, a size code) is a change
    // to the order whatever its form: goods received would say so (收到/arrived, ORDER_CHANGE_NOT).
    const changesOrder =
      (asksOrderChange(read.normalized) &&
        (!isActionRequest(read.normalized, input.text) || ORDER_CHANGE_UNSENT.test(read.normalized))) ||
      asksOrderChangeOfGoods(read.normalized, read.products.length > 0);
    const contextProductId =
      changesOrder && read.products.length === 0 ? null : (memory.lastProductId ?? null);

    // Products: named outright, else a short follow-up's fragment ("物理的那款呢"), else a kind
    // noun ("裙子") settled by the product in context or by the catalogue having one of that kind.
    const named = read.products.filter((p) => p.score >= (read.products[0]?.score ?? 0));
    let namedProductId = named.length === 1 ? named[0]!.productId : null;
    // "防晒有清透的吗": a quality before 的 that one of the goods named alike bears is that one.
    if (!namedProductId && named.length > 1) {
      const bearing = qualityNarrowed(read.plain, [...new Set(named.map((p) => p.productId))]);
      if (bearing.length === 1) namedProductId = bearing[0]!;
    }
    let kindCandidates: string[] = [];
    if (!namedProductId && read.products.length > 1 && contextProductId) {
      if (named.some((p) => p.productId === contextProductId)) namedProductId = contextProductId;
      // "does it protect from the sun" after the cream: "it" is the product in view; the glossed
      // use word only brushes the goods of its kind (no name said outright).
      else if (read.products.every((p) => p.score < 1) && POINTS_AT_IT.test(read.plain))
        namedProductId = contextProductId;
    }
    if (!namedProductId && read.products.length === 0 && isEllipticalFollowUp(input.text)) {
      const fragments = index.matcher.fragments(read.plain);
      if (fragments.length === 1) namedProductId = fragments[0]!;
    }
    if (!namedProductId && read.products.length === 0) {
      const kinds = index.matcher.kinds(read.normalized);
      kindCandidates = qualityNarrowed(read.plain, [...new Set(kinds.flatMap((k) => k.productIds))]);
      if (contextProductId && kindCandidates.includes(contextProductId)) namedProductId = contextProductId;
      else if (kindCandidates.length === 1) namedProductId = kindCandidates[0]!;
      // "面霜多少钱" → "能防晒吗" / "does it protect from the sun": the kind word (防晒) is the use
      // asked of the conversation's product — said bare, or of "it/这个" — not its goods.
      else if (
        contextProductId &&
        kindCandidates.length > 0 &&
        (BARE_USE_ASKED(read.plain) || POINTS_AT_IT.test(read.plain))
      ) {
        namedProductId = contextProductId;
        kindCandidates = [];
      }
    }
    // "防晒多少钱 || 男生能用吗", "can men use the sunscreen || how much is it": the follow-up asks of
    // the goods the kind word left open, not of an older product in focus.
    if (
      !namedProductId &&
      read.products.length === 0 &&
      kindCandidates.length === 0 &&
      (memory.lastKindIds?.length ?? 0) > 1 &&
      (asksMen(read.plain) || POINTS_AT_IT.test(read.plain))
    )
      kindCandidates = [...memory.lastKindIds!];
    if (namedProductId) memory.lastKindIds = null;
    else if (named.length > 1) memory.lastKindIds = [...new Set(named.map((p) => p.productId))];
    else if (kindCandidates.length > 1) memory.lastKindIds = kindCandidates;
    else if (read.products.length > 0) memory.lastKindIds = null;
    if (orderId) {
      memory.lastOrderId = orderId;
      memory.orderIds = [...new Set([...(memory.orderIds ?? []), orderId])].slice(-10);
    }
    if (namedProductId) {
      memory.lastProductId = namedProductId;
      memory.productIds = [...new Set([...(memory.productIds ?? []), namedProductId])].slice(-10);
    }
    const awaited = memory.awaitingOrderFor ?? null;
    memory.awaitingOrderFor = null;
    const base = {
      memory,
      language,
      quickReplies: [] as string[],
      more: [] as EngineResult[],
      grounding: { articles: [] as KnowledgeArticle[], product: index.product(namedProductId) ?? null },
      nearest: { intent: null as string | null, articleId: null as string | null },
    };
    const finish = (result: EngineResult): EngineResult => ({
      ...result,
      text: inScript(result.text, language),
      quickReplies: result.quickReplies.map((q) => inScript(q, language)),
    });
    const escalate = (
      intent: KnowledgeIntent | null,
      confidence: number,
      key: SystemTextKey,
    ): EngineResult => {
      memory.lowConfidenceStreak = 0;
      memory.pendingIntent = undefined;
      if (intent) memory.lastIntent = intent.id;
      return finish({
        ...base,
        action: 'escalate',
        text: say(key),
        intent: intent?.id ?? null,
        articleId: null,
        productId: base.grounding.product?.id ?? null,
        confidence,
        lowConfidence: false,
        outOfScope: false,
      });
    };

    // Upset shoppers and requests for a person go to a human first, whatever else they mention.
    if (complaintIntent && negativeSentiment(read.normalized) >= 1)
      return escalate(complaintIntent, 1, 'escalateUpset');
    if (asksForHuman(read.normalized)) return escalate(handoffIntent, 1, 'escalate');

    // A message that is only a number: complete the ticket that asked for it, answer from the
    // shopper's order, or ask what it is — never refuse it.
    if (isBareNumber(input.text)) {
      const number = orderId ?? input.text.replace(/\D+/g, '');
      if (awaited && orderId) {
        return finish({
          ...base,
          action: 'ticket',
          text: '',
          intent: awaited.intent,
          articleId: null,
          productId: awaited.productId,
          confidence: 1,
          lowConfidence: false,
          outOfScope: false,
          ticket: { ...awaited, orderId, wantedSize: null },
          ticketFill: true,
        });
      }
      const order = input.profile?.orders?.find((o) => o.id.toUpperCase() === number.toUpperCase());
      if (order) return finish(orderAnswer(base, order, null, say));
      memory.lowConfidenceStreak = 0;
      return finish({
        ...base,
        action: 'clarify',
        text: say('bareNumber', { number }),
        intent: null,
        articleId: null,
        productId: null,
        confidence: 0,
        lowConfidence: true,
        outOfScope: false,
        quickReplies: [
          say('optionTrack', { number }),
          say('optionAfterSales', { number }),
          say('optionHuman'),
        ],
      });
    }

    // A script the engine cannot read ("где мой заказ", "환불 가능한가요"): say so and offer a
    // person — never the out-of-scope refusal for a question it did not understand.
    if (unreadScript(input.text)) {
      memory.lowConfidenceStreak = 0;
      return finish({
        ...base,
        action: 'clarify',
        text: say('unreadScript'),
        intent: null,
        articleId: null,
        productId: null,
        confidence: 0,
        lowConfidence: true,
        outOfScope: false,
        quickReplies: [say('optionHuman')],
      });
    }
    // Nothing but emoji that stand for no word (😭😭😭, 🤔): ask what is wrong (silent in a livestream).
    if (read.plain.length === 0 && PICTOGRAPHIC.test(input.text)) {
      memory.lowConfidenceStreak = 0;
      return finish({
        ...base,
        action: 'clarify',
        text: LIVE_CHANNELS.has(input.channel) ? '' : say('emojiOnly'),
        intent: null,
        articleId: null,
        productId: null,
        confidence: 0,
        lowConfidence: true,
        outOfScope: false,
      });
    }

    // Thanks, goodbyes, "嗯嗯": a short friendly reply; in a livestream an acknowledgement needs none.
    const talk =
      !namedProductId && !orderId && !isGreeting(read.normalized) ? smallTalkKind(read.plain) : null;
    if (talk) {
      memory.lowConfidenceStreak = 0;
      const silent = talk === 'ack' && LIVE_CHANNELS.has(input.channel);
      return finish({
        ...base,
        action: 'smalltalk',
        text: silent ? '' : say(talk),
        intent: null,
        articleId: null,
        productId: null,
        confidence: 1,
        lowConfidence: false,
        outOfScope: false,
      });
    }
    // A second "在吗" in a conversation already greeted: no second welcome speech.
    if (greetingIntent && isGreeting(read.normalized) && (memory.answeredArticleIds?.length ?? 0) > 0) {
      return finish({
        ...base,
        action: 'smalltalk',
        text: say('greetingAgain'),
        intent: greetingIntent.id,
        articleId: null,
        productId: null,
        confidence: 1,
        lowConfidence: false,
        outOfScope: false,
      });
    }

    // "面霜和精华能一起用吗", "防晒霜和面霜哪个先涂": two products of the catalogue used together or
    // in order — answered from their usage articles, never read as coupon stacking.
    const together = usingTogetherAnswer(read, input.channel, language, say);
    if (together) {
      memory.lowConfidenceStreak = 0;
      if (together.intent) memory.lastIntent = together.intent;
      return finish({ ...base, ...together, memory });
    }

    // "do you ship to Hong Kong": a place no delivery article names gets what the notes cover and
    // a person, never the domestic fee article (region-coverage.ts).
    const region = regionAnswer(read.plain, language, index.articles.values(), say('optionHuman'));
    if (region) {
      memory.lowConfidenceStreak = 0;
      return finish({ ...base, ...region, memory });
    }

    // "anything for dry skin under 150 yuan", "which serum helps with dark spots": a suggestion by
    // skin type, concern and budget, from the catalogue's facts, each with why (recommend.ts).
    const suggestion = recommendationAnswer({
      read,
      text: input.text,
      language,
      products: index.kb.products,
      kindIds: namedProductId
        ? [namedProductId]
        : kindCandidates.length > 0
          ? kindCandidates
          : [...new Set(read.products.map((p) => p.productId))],
      intent: index.intent('skin_recommendation') ? 'skin_recommendation' : PRODUCT_RECOMMENDATION_INTENT,
    });
    if (suggestion) {
      memory.lowConfidenceStreak = 0;
      if (suggestion.productId) memory.lastProductId = suggestion.productId;
      memory.lastIntent = suggestion.intent;
      return finish({ ...base, ...suggestion, memory });
    }

    // "is your live stream on tonight", "when does the presale begin": when an event is held. Unless
    // an article is about the event's times, the notes do not say — an honest "not covered" and a
    // person, not the article on the event's prices or coupons (nor a product's facts).
    // "老师有优惠吗", "is there a student discount": a discount for a group the notes never name is
    // not the coupon or member article's to answer, in Chinese as in English.
    // "买两件能便宜吗", "is there a discount if I buy two": a lower price for buying several is the
    // shop's promotions — the article on what lowers an order (spend thresholds with coupons), not
    // a price, a price-protection article or "which did you mean"; with none, not covered.
    const group = discountGroup(read.plain);
    const multiBuy = !group && !changesOrder && asksMultiBuyDiscount(read.plain);
    const promotion = multiBuy ? promotionArticle() : null;
    if (
      (asksEventSchedule(read.plain) && !scheduleArticle()) ||
      (group && !namedInNotes(group)) ||
      (multiBuy && !promotion)
    ) {
      memory.lowConfidenceStreak = 0;
      return finish({
        ...base,
        action: 'clarify',
        text: say('notCovered'),
        intent: null,
        articleId: null,
        productId: namedProductId,
        confidence: limits.confident / 2,
        lowConfidence: true,
        outOfScope: false,
        quickReplies: [say('optionHuman')],
      });
    }

    // "奶粉会被海关扣吗", "买了两件能一起发吗": a service matter asked beside a product (KIND_READINGS'
    // `overFacts`) is the service's article, not the product's catalogue or label facts.
    const serviceMatter = serviceOverFacts(read);
    // "面霜多少钱" → "这款防晒多少钱": a kind named that the product in view is not of asks of that
    // kind's goods, not of the product in view.
    const mentioned = kindCandidates.length > 0 ? kindCandidates : read.products.map((p) => p.productId);
    const viewOutsideKind =
      contextProductId && !namedProductId && mentioned.length > 0 && !mentioned.includes(contextProductId)
        ? null
        : contextProductId;
    // What the catalogue answers by itself: whether the shop sells something, prices, sizes… (not
    // for a change to an order: its product is the one ordered).
    const catalogue =
      !changesOrder &&
      !serviceMatter &&
      !promotion &&
      catalogueAnswer(
        read,
        input,
        namedProductId ?? viewOutsideKind,
        namedProductId,
        kindCandidates,
        language,
        say,
      );
    if (catalogue) {
      memory.lowConfidenceStreak = 0;
      if (catalogue.productId) memory.lastProductId = catalogue.productId;
      return finish({ ...base, ...catalogue, memory });
    }
    // "有货吗", "买两件有货吗", "牛仔裤还有货吗": whether goods can be bought now, never the return
    // policy its 货 shares with 退货. The catalogue's own answer (sizes, sold out) came first; a
    // product it does not mark out of stock is for sale; with no product known, the bot asks which.
    if (
      !changesOrder &&
      !serviceMatter &&
      STOCK_ASKED.test(read.plain) &&
      !STOCK_NOT.test(read.plain.replace(DATE_SAID, ''))
    ) {
      const productId = namedProductId ?? contextProductId;
      const product = index.product(productId);
      if (!product || isInStock(product.attributes)) {
        memory.lowConfidenceStreak = 0;
        if (product) memory.lastProductId = product.id;
        return finish({
          ...base,
          action: product ? 'answer' : 'clarify',
          text: product
            ? say('carried', {
                products: product.price != null ? `${product.name} ¥${product.price}` : product.name,
              })
            : say('whichProduct', { topic: language === 'en' ? 'stock' : '库存' }),
          intent: PRODUCT_INFO_INTENT,
          articleId: null,
          productId: product?.id ?? null,
          confidence: product ? 1 : limits.confident / 2,
          lowConfidence: !product,
          outOfScope: false,
          quickReplies: [],
          memory,
        });
      }
    }
    // Product facts the ranking reads badly: goods not carried, allergy suitability, colours not
    // listed, "for men?", how a parcel is left (product-facts.ts).
    const fact =
      !changesOrder &&
      !serviceMatter &&
      !promotion &&
      productFactAnswer({
        read,
        text: input.text,
        language,
        productId: namedProductId ?? contextProductId,
        named: !!namedProductId,
        candidates:
          kindCandidates.length > 0 ? kindCandidates : [...new Set(read.products.map((p) => p.productId))],
        products: index.kb.products,
        product: (id) => index.product(id) ?? undefined,
        articles: index.articles.values(),
        say,
        catalogue: () => catalogueSummary(language),
      });
    if (fact) {
      memory.lowConfidenceStreak = 0;
      if (fact.productId) memory.lastProductId = fact.productId;
      return finish({ ...base, ...fact, memory });
    }
    // "奶粉几段的", "牛肉干辣不辣", "宝宝沐浴露可以洗头吗": a yes or no the product's own title,
    // ingredients or name give (label-facts.ts). Products named outright first; the conversation's
    // only when none is.
    const surelyNamed = [...new Set(read.products.filter((p) => p.score >= 1).map((p) => p.productId))];
    const labelled =
      !changesOrder &&
      !serviceMatter &&
      !promotion &&
      labelFactAnswer({
        read,
        text: input.text,
        language,
        products: (surelyNamed.length > 0
          ? surelyNamed
          : [...new Set([namedProductId, contextProductId].filter((id): id is string => !!id))]
        )
          .map((id) => index.product(id))
          .filter((p): p is KnowledgeProduct => !!p),
        catalogue: index.kb.products,
        articles: index.kb.articles,
      });
    if (labelled) {
      memory.lowConfidenceStreak = 0;
      memory.lastProductId = labelled.productId;
      memory.lastIntent = labelled.intent;
      return finish({ ...base, ...labelled, memory });
    }

    const ranking = rank(
      read,
      {
        channel: input.channel,
        productIds: namedProductId ? [namedProductId] : read.products.map((p) => p.productId),
        contextProductIds: contextProductId ? [contextProductId] : [],
        negative: negativeSentiment(read.normalized),
      },
      !!(namedProductId ?? contextProductId),
      read.plain,
      // The conversation's last matter was where the order is ("any idea when it will get here?").
      !!memory.lastIntent && orderStatusIntents.has(memory.lastIntent),
    );
    let top: Ranked | undefined = ranking.intents[0];
    let confidence = confidenceOf(ranking.intents);
    // A reading a signal decided (a cue, an override below) rests on words the signal read
    // itself, not on the glossed words alone: the unseen-topic check leaves it be.
    let signalled = ranking.settled || !!top?.cued;
    if (ranking.settled) confidence = Math.max(confidence, limits.confident);
    if (greetingIntent && isGreeting(read.normalized)) {
      top = {
        intentKey: greetingIntent.id,
        score: 1,
        coverage: 1,
        exampleCoverage: 1,
        probability: 1,
        blended: 1,
      };
      confidence = 1;
    }
    base.nearest = {
      intent: publicIntent(top?.intentKey),
      articleId: ranking.articles.find((a) => a.intentKey === top?.intentKey)?.articleId ?? null,
    };

    // "那面膜呢" after a shelf-life question: the same question about another product.
    if (
      memory.lastIntent &&
      index.intent(memory.lastIntent) &&
      isEllipticalFollowUp(input.text) &&
      (namedProductId || confidence < limits.confident)
    ) {
      top = {
        intentKey: memory.lastIntent,
        score: 1,
        coverage: 1,
        exampleCoverage: 1,
        probability: 1,
        blended: 1,
      };
      confidence = Math.max(confidence, limits.confident);
      signalled = true;
    }
    // "那清透的呢" after "which product?": the product completes the earlier question.
    if (memory.pendingIntent && namedProductId && (!top || confidence < limits.confident)) {
      top = {
        intentKey: memory.pendingIntent,
        score: 1,
        coverage: 1,
        exampleCoverage: 1,
        probability: 1,
        blended: 1,
      };
      confidence = Math.max(confidence, limits.confident);
      signalled = true;
    }
    memory.pendingIntent = undefined;

    // "我想退货" → "运费谁出", "退货寄回去了" → "钱多久到账": a short follow-up naming no product of its own
    // asks within the matter the conversation is on. When the last reading has an article the words
    // reach nearly as well as the best one, that reading answers — not the neighbouring matter
    // that shares the words (outbound shipping fees, a price-protection refund).
    const carried = carriedMatter(read, memory, ranking, top, namedProductId ?? orderId);
    if (carried) {
      top = ranking.intents.find((c) => c.intentKey === carried) ?? unrankedReading(carried);
      confidence = Math.max(confidence, limits.confident);
      signalled = true;
    }

    // "I ordered the wrong colour, can I swap it before it ships": the reading that cancels an
    // unshipped order answers (cancel and order again), not the dispatch or address reading the
    // other words lead to. That reading is the shop's own answer to a plain cancel question.
    if (changesOrder) {
      const key = cancelKey();
      if (key && key !== top?.intentKey) {
        top = ranking.intents.find((c) => c.intentKey === key) ?? unrankedReading(key);
      }
      if (key) {
        confidence = Math.max(confidence, limits.confident);
        signalled = true;
      }
    }

    // "what about if it already shipped?" after the address-change answer: the same matter in
    // another case. When the case's words are ones the last article itself answers ("已发货的…"),
    // that article stays, whatever reading the case word alone would get (dispatch times).
    const staying = conditionalFollowUp(read, memory, namedProductId);
    if (staying) {
      top = {
        intentKey: intentKeyOf(staying),
        score: 1,
        coverage: 1,
        exampleCoverage: 1,
        probability: 1,
        blended: 1,
      };
      confidence = Math.max(confidence, limits.confident);
      signalled = true;
    }

    // Declined: what the off-topic class takes, a topic no shop answers (weather, trains, poems)
    // without a word of the shop's business, or next to nothing understood that also looks
    // off-topic. A vague message about the shop ("上次那个弄好了没") is asked about instead.
    // A product's name and nothing else ("口红"): nothing left to rank, and no reason to decline —
    // ask what the shopper wants to know about it.
    // (Not when the product is said to have caused a reaction: "the mask made me break out" is
    // answered below by what to do about it.)
    if (
      !top &&
      namedProductId &&
      !(
        SKIN_REACTED.test(read.normalized) &&
        AFTER_USE.test(read.normalized) &&
        !isQuestionForAdvice(read.plain)
      )
    ) {
      memory.lowConfidenceStreak = 0;
      return finish(productClarify(base, index.product(namedProductId)!, 0, language, say));
    }
    // "are you open on sundays", "when are your support people around": whether the service is at
    // work then. The reading taught with questions about the service answers it, whatever the
    // ranking made of the time words (dispatch "周末发货吗", or nothing of the shop's at all).
    if (
      read.plain.length <= SHORT_QUESTION &&
      negativeSentiment(read.normalized) === 0 &&
      (asksWhenServiceOpen(read.normalized) || asksServiceAtHour(read.normalized))
    ) {
      const key = [...serviceKeys()][0];
      if (key) {
        if (top?.intentKey !== key)
          top = ranking.intents.find((c) => c.intentKey === key) ?? unrankedReading(key);
        confidence = Math.max(confidence, limits.confident);
        signalled = true;
      }
    }
    // "send to Shanghai", "能寄到拉萨吗": delivery inside the mainland — the delivery article for the
    // place answers, not a reading of the unknown place name (declined, or a return's "寄到").
    // Only when the place is the question: another matter asked beside it ("寄到上海的快递到哪了",
    // "寄到广州的退货运费谁出", "地址改成寄到杭州") or understood with confidence keeps its reading.
    const domestic = askedDomesticPlace(read.plain);
    let domesticArticle = domestic && domesticDeliveryArticle(domestic, index.articles.values());
    const domesticKey = domesticArticle && intentKeyOf(domesticArticle);
    if (
      domesticArticle &&
      (OTHER_MATTER.test(read.plain) ||
        (top?.intentKey !== domesticKey &&
          top?.intentKey !== OFF_TOPIC &&
          confidence >= PLACE_OVERRIDES_BELOW))
    )
      domesticArticle = null;
    // A fee asked of the place ("ship to Guangzhou for free", "is delivery to Tibet more
    // expensive"): the same reading's article on fees answers, not the one on days.
    if (domesticArticle && FEE_ASKED.test(read.plain)) {
      const key = domesticKey;
      for (const a of index.articles.values())
        if (intentKeyOf(a) === key && FEE_ARTICLE.test(a.title)) {
          domesticArticle = a;
          break;
        }
    }
    if (domesticArticle) {
      const key = domesticKey!;
      if (top?.intentKey !== key) {
        top = ranking.intents.find((c) => c.intentKey === key) ?? unrankedReading(key);
      }
      confidence = Math.max(confidence, limits.confident);
      signalled = true;
    }
    // "寄到成都的包裹破了", "包裹少了一件": goods that came damaged, short or wrong. The article stating
    // the policy for that reason answers, not the delivery or tracking reading the parcel words lead to.
    // "my face went red after the sunscreen", "用了面膜脸发红": the skin reacting after use. The
    // article stating what to do about a reaction answers, not the product advice that shares the
    // redness word ("敏感肌泛红选…").
    // When the ranking already reads a reaction, its own article (a product's known tingling, a
    // baby's rash) stands.
    // A gift missing from the order ("赠品没收到") is goods short, whether or not a parcel is named —
    // unless the order itself has not come ("订单还没到，赠品也没有": where it is comes first).
    const parcel =
      !staying &&
      (PARCEL.test(read.normalized) ||
        (GIFT_MISSING.test(read.plain) &&
          !RETURN_OF_GIFT.test(read.plain) &&
          !asksAfterOrder(read.normalized, read.plain)));
    const reacted =
      !staying &&
      !parcel &&
      SKIN_REACTED.test(read.normalized) &&
      AFTER_USE.test(read.normalized) &&
      !isQuestionForAdvice(read.plain)
        ? troubleArticle('reaction')
        : null;
    const trouble =
      reacted &&
      (top?.intentKey !== intentKeyOf(reacted) ||
        !ranking.articles.some((a) => a.intentKey === top?.intentKey))
        ? reacted
        : // "my package went missing": the whole parcel lost (the stalled reading), not an item short.
          parcel && !LOST_PARCEL.test(read.plain)
          ? parcelTroubleArticle(read.normalized)
          : null;
    if (trouble) {
      const key = intentKeyOf(trouble);
      if (top?.intentKey !== key)
        top = ranking.intents.find((c) => c.intentKey === key) ?? unrankedReading(key);
      confidence = Math.max(confidence, limits.confident);
      signalled = true;
    }
    // "订单备注里写了要顺丰，要加钱吗", "a note on my order asking for SF Express": what the note asks
    // for is the question, and the article telling what an order note can ask for (and what it
    // costs) answers it — when it shares a word of the message besides the note's own.
    const noted = promotion ?? (!trouble && !changesOrder && !staying ? orderNoteArticle(read) : null);
    if (noted) {
      const key = intentKeyOf(noted);
      if (top?.intentKey !== key)
        top = ranking.intents.find((c) => c.intentKey === key) ?? unrankedReading(key);
      confidence = Math.max(confidence, limits.confident);
      signalled = true;
    }
    const offTopicProbability = ranking.intents.find((c) => c.intentKey === OFF_TOPIC)?.probability ?? 0;
    const offTopic =
      !top ||
      (read.products.length === 0 &&
        !namedProductId &&
        !orderId &&
        // The off-topic class alone does not decline a message that points at this chat or this
        // shop ("上次那个弄好了没"): that one is asked about.
        ((top.intentKey === OFF_TOPIC && !REFERS_TO_CHAT.test(read.plain)) ||
          (mentionsOffDomainTopic(read.normalized) && !SHOP_CUE.test(read.plain)) ||
          (mentionsOffDomainTopic(read.normalized) && confidence < 0.75) ||
          (confidence < limits.outOfScope && offTopicProbability >= 0.35) ||
          // Nothing understood and nothing of the shop's, not even "你们/我的/这个": trivia.
          (confidence < limits.outOfScope &&
            kindCandidates.length === 0 &&
            !SHOP_CUE.test(read.plain) &&
            !REFERS_TO_CHAT.test(read.plain))));
    if (offTopic) {
      memory.lowConfidenceStreak = 0;
      if (input.outOfScope === 'human')
        return { ...escalate(null, confidence, 'escalateOutOfScope'), outOfScope: true };
      return finish({
        ...base,
        action: 'decline',
        text: say(LIVE_CHANNELS.has(input.channel) ? 'declineLive' : 'decline'),
        intent: null,
        articleId: null,
        productId: null,
        confidence,
        lowConfidence: true,
        outOfScope: true,
      });
    }

    // "你们那个气垫我想了解一下": a product and no clear question — ask what they want to know.
    if (
      namedProductId &&
      (confidence < 0.45 || top?.intentKey === greetingIntent?.id) &&
      isProductMention(read.normalized, input.text)
    ) {
      memory.lowConfidenceStreak = 0;
      return finish(productClarify(base, index.product(namedProductId)!, confidence, language, say));
    }

    // "羊毛开衫要怎么清洗": the top reading (使用方法) has nothing written for this product, while
    // the fact asked in so many words (洗 → care) is one the product holds — that fact is the answer.
    const inQuestion = namedProductId ?? contextProductId;
    const topProducts = top && articleProducts.get(top.intentKey);
    if (
      inQuestion &&
      top &&
      topProducts &&
      !topProducts.has(inQuestion) &&
      !index.intent(top.intentKey)?.answerFrom
    ) {
      const held = ranking.intents.find((c) => {
        const attribute = c.cued ? index.intent(c.intentKey)?.answerFrom?.productAttribute : undefined;
        return !!attribute && ownValue(index.product(inQuestion)?.attributes ?? {}, attribute) !== undefined;
      });
      if (held) {
        top = held;
        confidence = Math.max(confidence, limits.confident);
        signalled = true;
      }
    }

    // "what time do agents work": a question about the service's people, not a request for one —
    // the best reading that does not hand over answers it (the service-hours article).
    // The reading taught with such questions (an article whose own questions ask about the service)
    // comes first; else the best reading that does not hand over.
    if (top && negativeSentiment(read.normalized) === 0 && asksAboutService(read.normalized)) {
      const aboutService = ranking.intents.find(
        (c) => c.intentKey !== OFF_TOPIC && serviceKeys().has(c.intentKey),
      );
      const handsOver = index.intent(top.intentKey)?.policy === 'human';
      const answerable =
        aboutService &&
        // Only in a short question: a long story's "同事…上班" asks nothing about the service.
        read.plain.length <= SHORT_QUESTION &&
        (handsOver || (ranking.intents.indexOf(aboutService) <= 1 && aboutService.blended >= top.blended / 2))
          ? aboutService
          : handsOver
            ? ranking.intents.find(
                (c) => c.intentKey !== OFF_TOPIC && index.intent(c.intentKey)?.policy !== 'human',
              )
            : undefined;
      if (answerable && answerable !== top) {
        top = answerable;
        confidence = Math.max(confidence, limits.confident);
        signalled = true;
      }
    }

    const intentKey = top!.intentKey;
    const intent = index.intent(intentKey);
    const intentName = publicIntent(intentKey);
    // Off-topic words about a product of ours ("粉底有适合黄皮的色号吗"): not understood, so ask.
    if (intentKey === OFF_TOPIC) confidence = Math.min(confidence, limits.confident / 2);

    // Below the bar: no guessed article. Ask which reading was meant, with up to three options;
    // the second unclear turn in a row also offers a person, the third hands over.
    if (confidence < limits.confident && intent?.policy !== 'human') {
      const streak = (memory.lowConfidenceStreak ?? 0) + 1;
      memory.lowConfidenceStreak = streak;
      if (streak >= 3) return escalate(intent ?? null, confidence, 'escalateUnclear');
      const readings = ranking.intents.filter((c) => c.intentKey !== OFF_TOPIC);
      if (namedProductId && !readings.slice(0, 2).some((c) => c.probability > 0.3)) {
        const clarify = productClarify(base, index.product(namedProductId)!, confidence, language, say);
        if (streak >= 2) clarify.quickReplies = [...clarify.quickReplies.slice(0, 3), say('optionHuman')];
        return finish({ ...clarify, lowConfidence: true });
      }
      const options = clarifyOptions(ranking.intents, ranking.articles, namedProductId, language);
      if (options.length === 0 && namedProductId)
        return finish({
          ...productClarify(base, index.product(namedProductId)!, confidence, language, say),
          lowConfidence: true,
        });
      return finish({
        ...base,
        action: 'clarify',
        text:
          options.length === 0
            ? say('clarifyGeneric')
            : say(streak >= 2 ? 'clarifyOptionsHuman' : 'clarifyOptions'),
        intent: null,
        articleId: null,
        productId: namedProductId,
        confidence,
        lowConfidence: true,
        outOfScope: false,
        quickReplies: streak >= 2 ? [...options, say('optionHuman')] : options,
      });
    }
    memory.lowConfidenceStreak = 0;
    if (intentName) {
      memory.lastIntent = intentName;
      memory.intents = [...new Set([...(memory.intents ?? []), intentName])].slice(-10);
    }

    if (intent?.policy === 'human') {
      return escalate(
        intent,
        confidence,
        negativeSentiment(read.normalized) > 0 ? 'escalateUpset' : 'escalate',
      );
    }

    // Follow-ups inherit the product last discussed on any channel, for every intent — unless the
    // message names a kind it is not of ("孕妇能用面霜吗" → "那防晒呢").
    const productId = namedProductId ?? viewOutsideKind;
    const product = index.product(productId) ?? null;
    const articleOptions = ranking.articles.filter((a) => a.intentKey === intentKey);
    let article = staying
      ? { articleId: staying.id, intentKey, score: 1, coverage: 1 }
      : (pickArticle(
          articleOptions,
          namedProductId,
          productId,
          input.profile,
          read,
          LIVE_WORDS.test(read.normalized) || LIVE_CHANNELS.has(input.channel),
        ) ?? onlyArticleOf(intentKey, productId));
    // An order change whose words reach none of the cancel reading's articles ("下单的M码能换成L码吗"):
    // the article that reading gives a plain cancel question.
    if (!article && changesOrder && intentKey === cancelKey()) article = cancelArticle();
    if (noted) article = { articleId: noted.id, intentKey, score: 1, coverage: 1 };
    // Where the order is decided the reading: the article on following an order answers, whichever
    // of the reading's articles the few glossed words reached ("when will my order get here").
    const tracking =
      ranking.whereSettled && !staying && !noted && !trouble ? trackingArticle(intentKey) : undefined;
    if (tracking) article = { articleId: tracking.id, intentKey, score: 1, coverage: 1 };
    const kindArticle = ranking.kindArticle;
    if (kindArticle && intentKeyOf(kindArticle) === intentKey && !staying && !noted && !trouble) {
      // The product's own article of that reading, if the shop wrote one ("奶粉什么时候到货": the
      // cross-border route's times, not the domestic dispatch the kind found by its title).
      // The opened-goods article names the goods of every kind it rules out (已开罐的奶粉…): asked of
      // opened goods, it stands over the product's own return article.
      const own =
        productId && kindArticle.id !== openedExcepted()?.id
          ? index.kb.articles.find(
              (a) =>
                a.productIds.includes(productId) && intentKeyOf(a) === intentKey && a.id !== kindArticle.id,
            )
          : undefined;
      article = { articleId: (own ?? kindArticle).id, intentKey, score: 1, coverage: 1 };
    }
    if (trouble) article = { articleId: trouble.id, intentKey, score: 1, coverage: 1 };
    // A reaction read by the ranking whose own articles are another product's (a serum's tingling
    // after a mask): the article on what to do about any reaction.
    else if (!article && reacted && intentKey === intentKeyOf(reacted))
      article = { articleId: reacted.id, intentKey, score: 1, coverage: 1 };
    else if (
      domestic &&
      domesticArticle &&
      (!article || domesticFit(domestic, index.articles.get(article.articleId)!) === 0)
    )
      article = { articleId: domesticArticle.id, intentKey, score: 1, coverage: 1 };

    if (intent?.policy === 'ticket' && isActionRequest(read.normalized, input.text)) {
      const ticket: TicketDraft = {
        type: intent.ticketType ?? intent.id,
        intent: intent.id,
        orderId: orderId ?? memory.lastOrderId ?? null,
        productId,
        reason: extractReason(read.normalized),
        wantedSize: extractWantedSize(read.normalized),
      };
      // The reply quotes the policy for the ticket's reason: a change of mind is not damaged goods.
      const policy = ticketArticle(intent, ticket.reason, productId, article);
      if (!ticket.orderId) {
        memory.awaitingOrderFor = {
          type: ticket.type,
          intent: ticket.intent,
          productId: ticket.productId,
          reason: ticket.reason,
        };
      }
      return finish({
        ...base,
        action: 'ticket',
        text: policy ? channelText(policy, input.channel) : '',
        intent: intent.id,
        articleId: policy?.id ?? null,
        productId: ticket.productId,
        confidence,
        lowConfidence: false,
        outOfScope: false,
        ticket,
        grounding: { articles: policy ? [policy] : [], product: index.product(ticket.productId) ?? null },
      });
    }

    // "我的订单到哪了": from the shopper's own orders when the merchant pushed them. The orders are
    // read only for such a question (the responder loads them lazily).
    const orders = intent && isOrderStatusIntent(intent) ? (input.profile?.orders ?? []) : [];
    if (orders.length > 0 && intent) {
      const order =
        orders.find((o) => orderId && o.id.toUpperCase() === orderId) ??
        orders.find((o) => productId && o.productIds?.includes(productId)) ??
        orders[0]!;
      const chosen = article ? index.articles.get(article.articleId) : undefined;
      return finish(orderAnswer(base, order, chosen ?? null, say, intent.id, confidence));
    }

    // Product-fact intents answer from the product's attribute — unless an article written for
    // that very product fits, which the merchant wrote to be the better answer.
    const attribute = intent?.answerFrom?.productAttribute;
    if (attribute) {
      const productArticle =
        article && productId && index.articles.get(article.articleId)?.productIds.includes(productId);
      // "临期的面霜能退吗": a service matter's own article (KIND_READINGS' `overFacts`) that shares the
      // fact's reading (near-expiry goods under 保质期) is the answer, not the product's shelf life.
      const serviceArticle = serviceMatter && !!article && ranking.kindArticle?.id === article.articleId;
      if (
        product &&
        !productArticle &&
        !serviceArticle &&
        ownValue(product.attributes, attribute) !== undefined
      ) {
        // The frame in the shopper's language; the values are the merchant's words.
        const en = language === 'en';
        const related = (ownValue(RELATED_ATTRIBUTES, attribute) ?? [])
          .filter((key) => ownValue(product.attributes, key) !== undefined)
          .map(
            (key) =>
              `${labelOf(key, language)}${en ? ': ' : '：'}${attributeText(product.attributes, key, en)}`,
          );
        const text = [
          en
            ? `${product.name}, ${labelOf(attribute, language)}: ${attributeText(product.attributes, attribute, en)}`
            : `${product.name}的${labelOf(attribute, 'zh')}：${attributeText(product.attributes, attribute, en)}`,
          ...related,
        ].join(en ? '; ' : '；');
        return finish({
          ...base,
          action: 'answer',
          text: language === 'en' ? `${text.replace(/[。.]$/, '')}.` : `${text}。`.replace(/。。$/, '。'),
          intent: intentName,
          articleId: null,
          productId: product.id,
          confidence,
          lowConfidence: false,
          outOfScope: false,
          attribute,
          grounding: { articles: [], product, attribute },
        });
      }
      // No product to read from: a general article if it fits the words as well as the intent's
      // own examples do ("胸围要量哪里"), otherwise ask which product ("保质期多久").
      if (!product && (!article || article.coverage < 0.8 * top!.exampleCoverage)) {
        memory.pendingIntent = intent!.id;
        const pool =
          kindCandidates.length > 1 ? kindCandidates.map((id) => index.product(id)!) : index.kb.products;
        const choices = pool.filter((p) => ownValue(p.attributes, attribute) !== undefined).slice(0, 3);
        return finish({
          ...base,
          action: 'clarify',
          text: say('whichProduct', { topic: labelOf(attribute, language) }),
          intent: intentName,
          articleId: null,
          productId: null,
          confidence,
          lowConfidence: false,
          outOfScope: false,
          quickReplies: choices.map((p) => p.aliases[0] ?? p.name),
        });
      }
    }

    if (!article) {
      return finish({
        ...base,
        action: 'clarify',
        text: say('clarifyGeneric'),
        intent: intentName,
        articleId: null,
        productId,
        confidence,
        lowConfidence: true,
        outOfScope: false,
      });
    }
    const chosen = index.articles.get(article.articleId)!;
    // "这个好用吗" with no product named and none in the conversation: "this" points at something
    // the bot cannot see, so an article about one particular product is a guess — ask which.
    if (!productId && chosen.productIds.length > 0 && POINTS_AT_PRODUCT.test(read.plain)) {
      memory.lowConfidenceStreak = (memory.lowConfidenceStreak ?? 0) + 1;
      return finish({
        ...base,
        action: 'clarify',
        text: say('clarifyGeneric'),
        intent: null,
        articleId: null,
        productId: null,
        confidence,
        lowConfidence: true,
        outOfScope: false,
      });
    }
    memory.answeredArticleIds = [...new Set([...(memory.answeredArticleIds ?? []), chosen.id])].slice(-10);
    const personal = personalNote(chosen, input.profile);
    // An English question and an article written in Chinese only: one English line says so.
    const written = `${channelText(chosen, input.channel)}${personal}`;
    const answered = finish({
      ...base,
      action: 'answer',
      text:
        language === 'en' && /\p{Script=Han}/u.test(written)
          ? `${say('answerInChinese')}\n${written}`
          : written,
      intent: isArticleIntent(intentKey) ? null : intentName,
      articleId: chosen.id,
      // The shop's offers answer a multi-buy for any goods: the goods named are no product of the
      // answer (whose facts would otherwise be read for what the article does not say).
      productId: promotion
        ? null
        : (productId ?? (chosen.productIds.length === 1 ? chosen.productIds[0]! : null)),
      confidence,
      lowConfidence: false,
      outOfScope: false,
      grounding: { articles: [chosen], product },
    });
    if (signalled) signalledAnswers.add(answered);
    return answered;
  }

  /**
   * The article whose answer tells what a note left with an order can ask for, when the message
   * speaks of such a note and shares a term (two characters or more, besides the note's words)
   * with that article. Null otherwise.
   */
  function orderNoteArticle(read: ReadText): KnowledgeArticle | null {
    if (!asksOfOrderNote(read.normalized)) return null;
    const terms = read.tokens.terms.filter((t) => t.length >= 2 && HAN_ONLY.test(t) && !NOTE_WORDS.test(t));
    for (const article of index.articles.values()) {
      if (article.productIds.length > 0) continue;
      const answer = channelText(article, 'web');
      if (!mentionsOrderNote(answer)) continue;
      if (terms.some((t) => answer.includes(t))) return article;
    }
    return null;
  }

  /** Few enough words to be a follow-up within the conversation's matter (Han characters / words). */
  function shortFollowUp(read: ReadText): boolean {
    const han = read.plain.replace(NOT_HAN, '').length;
    return han > 0 ? han <= FOLLOW_UP_HAN : read.plain.split(/\s+/).length <= FOLLOW_UP_WORDS;
  }

  /**
   * The reading a short follow-up stays in (see the caller), or null. The follow-up names no product
   * or order, the last turn answered an article of another reading than the ranking's top (which
   * asks no product fact), and an article of the last reading scores at least CARRY_SHARE of the
   * best article for these words.
   */
  function carriedMatter(
    read: ReadText,
    memory: ConversationMemory,
    ranking: { intents: Ranked[]; articles: ArticleCandidate[] },
    top: Ranked | undefined,
    named: string | null,
  ): string | null {
    const last = memory.lastIntent;
    if (!last || named || !top || top.intentKey === last || top.intentKey === OFF_TOPIC) return null;
    // "我想退货" → "在哪里申请": where to apply, naming nothing to apply for, applies for the matter
    // on hand when the shop wrote it an article on applying (not the other reading whose article
    // is titled with 申请, price protection) — also when the wish itself was answered without one.
    if (
      BARE_APPLY.test(read.plain) &&
      index.kb.articles.some(
        (a) => intentKeyOf(a) === last && /申请|\bapply\b/.test(`${askedIn(a)} ${a.answer}`),
      )
    )
      return last;
    if ((memory.answeredArticleIds?.length ?? 0) === 0 || !index.intent(last)) return null;
    // "哺乳期能用什么 || is the sunscreen waterproof": goods named (a kind word leaving several open
    // too) with a question of their own is a new question, not the last matter asked again — a
    // bare "那面膜呢" is (the elliptical reading, and withAudience, carry those).
    if (
      (read.products.length > 0 || index.matcher.kinds(read.normalized).length > 0) &&
      !isEllipticalFollowUp(read.plain)
    )
      return null;
    // A product's own fact ("开了袋能放几天" after buying the jerky) is a matter of its own.
    if (index.intent(top.intentKey)?.answerFrom) return null;
    if (!shortFollowUp(read)) return null;
    // A reading the shop was taught with no article of its own ("临期的便宜吗" after a shelf-life
    // answer: near-expiry goods) is a matter of its own too — the gap insights counts — not a
    // follow-up for whichever article its words brush.
    if (!ranking.articles.some((a) => a.intentKey === top.intentKey)) return null;
    const best = ranking.articles[0]?.score ?? 0;
    const own = ranking.articles.find((a) => a.intentKey === last);
    return own && best > 0 && own.score >= best * CARRY_SHARE ? last : null;
  }

  /**
   * The article a conditional follow-up ("what if it already shipped", "要是已经发货了呢") keeps: the
   * one the last turn answered (the newest answered article, of the reading last answered), when the follow-up names no product and every word of the case it
   * puts (two characters or more, as glossed) is one that article's answer uses. Null otherwise.
   */
  function conditionalFollowUp(
    read: ReadText,
    memory: ConversationMemory,
    namedProductId: string | null,
  ): KnowledgeArticle | null {
    const lastId = memory.answeredArticleIds?.at(-1);
    if (!lastId || namedProductId || !CONDITIONAL_FOLLOW_UP.test(read.plain)) return null;
    if (read.plain.length > 60) return null;
    const last = index.articles.get(lastId);
    if (!last || (last.intent ?? null) !== (memory.lastIntent ?? null)) return null;
    const terms = read.tokens.terms.filter((t) => t.length >= 2 && HAN_ONLY.test(t) && !CASE_FILLER.test(t));
    if (terms.length === 0) return null;
    const answer = channelText(last, 'web');
    return terms.every((t) => answer.includes(t)) ? last : null;
  }

  type Base = Pick<EngineResult, 'memory' | 'grounding' | 'nearest' | 'language' | 'quickReplies' | 'more'>;
  type CatalogueAnswer = Pick<
    EngineResult,
    'action' | 'text' | 'intent' | 'articleId' | 'productId' | 'confidence' | 'lowConfidence' | 'outOfScope'
  > &
    Partial<Pick<EngineResult, 'quickReplies' | 'attribute' | 'grounding'>>;
  type Say = (key: SystemTextKey, slots?: Record<string, string | number>) => string;

  /**
   * The products of the category an item names by its id ("skincare", "do you have skin care for
   * men" once who they are for is set aside): the category ids are the merchant's ("skincare",
   * "home_decor"), read without spaces, hyphens or underscores.
   */
  function productsInCategory(item: string): KnowledgeProduct[] {
    const goods = item
      .toLowerCase()
      .replace(/\bfor\b.*$/, '')
      .replace(
        /\b(?:men'?s?|guys?|males?|products?|items?|stuff|any|some)\b|男士|男生|男性|男人|男的|男款|的/g,
        '',
      )
      .replace(/[\s_-]+/g, '');
    if (goods.length < 2) return [];
    return index.kb.products.filter(
      (p) => (p.category ?? '').toLowerCase().replace(/[\s_-]+/g, '') === goods,
    );
  }

  /**
   * What the shop sells, in a few words: one product per category (the breadth of the shop, not
   * six face creams); for an English reply, the categories themselves when the merchant named
   * them in Latin letters.
   */
  function catalogueSummary(language: ReplyLanguage): string[] {
    const byCategory = new Map<string, KnowledgeProduct>();
    for (const product of index.kb.products) {
      const key = product.category ?? product.id;
      if (!byCategory.has(key)) byCategory.set(key, product);
    }
    const categories = [...byCategory.keys()];
    if (language === 'en' && categories.every((c) => /^[a-z][a-z\s&_-]*$/i.test(c)) && categories.length > 1)
      return categories.slice(0, 8).map(readableCategory);
    return [...byCategory.values()].map((p) => p.aliases[0] ?? p.name).slice(0, 6);
  }

  /**
   * A category id as a shopper reads it: "crossborder" → "cross-border imports", "home_decor" →
   * "home decor". Category ids are the merchant's keys, not prose.
   */
  function readableCategory(category: string): string {
    const spaced = category.replace(/[_-]+/g, ' ').trim().toLowerCase();
    return /^cross ?border$/.test(spaced) ? 'cross-border imports' : spaced;
  }

  /** True when an English phrase glosses to a service term (价保, 优惠券) and to no kind of goods. */
  function glossesToService(english: string): boolean {
    const read = index.read(english);
    const added = read.normalized.slice(read.plain.length).trim();
    if (!added) return false;
    return index.matcher.kinds(added).length === 0 && !PRODUCT_NOUNS.some((noun) => added.includes(noun));
  }

  /** The catalogue as `stockAlternatives` reads it. */
  const catalogView = {
    get: (id: string) => index.product(id) ?? undefined,
    inCategory: (category: string) => index.kb.products.filter((p) => p.category === category),
  };

  /**
   * "还有26的吗", "do you have size 26" with no goods named or in view: the one product sized by
   * number that lists the number asked (asked of several such products, or of none, it stays open).
   */
  function bareSizeProduct(read: ReadText, text: string): KnowledgeProduct | undefined {
    if (read.products.length > 0 || index.matcher.kinds(read.normalized).length > 0) return undefined;
    const listing = index.kb.products.filter((p) => {
      const sizes = listAttribute(p.attributes.sizes);
      if (sizes.length === 0 || !sizes.every((s) => /^\d+$/.test(s))) return false;
      const size = askedSize(text, sizes);
      return !!size && sizes.includes(size);
    });
    return listing.length === 1 ? listing[0] : undefined;
  }

  /**
   * "连衣裙有 XL 码吗" when the catalog marks XL sold out (`soldOutSizes`), or "那款面霜还有货吗" when
   * the product is out of stock (`inStock: false`): says so, names the sizes left, and suggests
   * what can replace it — its `alternativeTo`, else (no `alternativeTo` set) another of its
   * category, in stock and in the size asked; never a `goesWith` complement — with a chip.
   */
  function soldOutSizeAnswer(
    read: ReadText,
    text: string,
    productId: string | null,
    language: ReplyLanguage,
  ): Omit<CatalogueAnswer, 'articleId' | 'confidence' | 'lowConfidence' | 'outOfScope'> | null {
    const product = productId ? index.product(productId) : bareSizeProduct(read, text);
    if (!product) return null;
    const soldOut = listAttribute(product.attributes.soldOutSizes);
    const sizes = listAttribute(product.attributes.sizes);
    const asked = soldOut.find((size) =>
      new RegExp(`(?<![a-z0-9])${size.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![a-z0-9])`, 'i').test(
        withoutDays(read.plain),
      ),
    );
    const wholeProductOut = !isInStock(product.attributes) && ASKS_STOCK.test(read.plain);
    const en = language === 'en';
    if (!asked && !wholeProductOut) {
      // "碎花裙 M 码有货吗" (in stock) and "开衫有 XL 吗" (not made in XL) are stock questions too:
      // answered from the sizes, not left to the size-exchange policy or a "which aspect?" prompt.
      const size = sizes.length > 0 ? askedSize(text, sizes) : null;
      if (!size) return null;
      const listed = sizes.find((s) => s.toUpperCase() === size.toUpperCase());
      const left = sizes.filter((s) => !soldOut.includes(s)).join(en ? ', ' : '、');
      if (listed) {
        return {
          action: 'answer',
          text: en
            ? `Yes, ${product.name} is in stock in ${listed}. Sizes in stock: ${left}.`
            : `有的，${product.name}的 ${listed} 码有货。目前有货的尺码：${left}。`,
          intent: PRODUCT_INFO_INTENT,
          productId: product.id,
          attribute: 'sizes',
        };
      }
      const alternative = stockAlternatives(product, catalogView, size)[0] ?? null;
      return {
        action: 'answer',
        text:
          (en
            ? `${product.name} does not come in ${size}. Sizes in stock: ${left}.`
            : `${product.name}没有 ${size} 码。目前有货的尺码：${left}。`) +
          (alternative
            ? en
              ? ` You could also look at ${alternative.name}, which comes in ${size}.`
              : `也可以看看有 ${size} 码的 ${alternative.name}。`
            : ''),
        intent: PRODUCT_INFO_INTENT,
        productId: product.id,
        attribute: 'sizes',
        ...(alternative ? { quickReplies: [alternative.aliases[0] ?? alternative.name] } : {}),
      };
    }
    const left = asked ? sizes.filter((size) => !soldOut.includes(size)) : [];
    const alternative = stockAlternatives(product, catalogView, asked)[0] ?? null;
    const sizesLeft = left.join(en ? ', ' : '、');
    const also = alternative
      ? en
        ? ` You could also look at ${alternative.name}${alternative.price != null ? ` (¥${alternative.price})` : ''}.`
        : `也可以看看 ${alternative.name}${alternative.price != null ? `（¥${alternative.price}）` : ''}。`
      : '';
    const answer = asked
      ? en
        ? `Sorry, ${product.name} in ${asked} is sold out right now.${left.length ? ` Still in stock: ${sizesLeft}.` : ''}${also}`
        : `抱歉，${product.name} 的 ${asked} 码暂时缺货。${left.length ? `目前还有：${sizesLeft}。` : ''}${also}`
      : en
        ? `Sorry, ${product.name} is out of stock right now.${also}`
        : `抱歉，${product.name} 暂时缺货。${also}`;
    return {
      action: 'answer',
      text: answer,
      intent: PRODUCT_INFO_INTENT,
      productId: product.id,
      attribute: asked ? 'sizes' : 'inStock',
      ...(alternative ? { quickReplies: [alternative.aliases[0] ?? alternative.name] } : {}),
    };
  }

  /**
   * "面霜和精华能一起用吗", "which goes first, the serum or the cream": a message naming two or more
   * products (or kinds of them, "防晒霜") of the catalogue and asking about using them together or in
   * order, with no word of money off. The answer is each product's usage article (its place in the
   * routine), in the order they are named; when none of them has one, a clarify — never a guess.
   * Null when the message is not of that shape.
   */
  function usingTogetherAnswer(
    read: ReadText,
    channel: string,
    language: ReplyLanguage,
    say: (key: SystemTextKey, slots?: Record<string, string | number>) => string,
  ): Omit<EngineResult, 'memory' | 'language' | 'more' | 'nearest'> | null {
    if (!ASKS_USING_TOGETHER.test(read.normalized) || MONEY_OFF.test(read.normalized)) return null;
    // "面霜配什么一起用": what goes with one product — the catalogue's complements answer that.
    if (ASKS_GOES_WITH.test(read.plain)) return null;
    // Products named outright ("面霜", "小白瓶") first; the weaker matches of a shared word only when
    // fewer than two are named so, and kind nouns ("霜") only when the names still give fewer than two
    // — "面霜和精华" is the cream and the serum, not every product whose name ends in 霜.
    const strong = read.products.filter((p) => p.score >= 1);
    const named = new Set<string>((strong.length >= 2 ? strong : read.products).map((p) => p.productId));
    // A kind noun counts as another product only when it names none already named ("玻尿酸面霜配什么
    // 一起用" is one product, whose 霜 is its own).
    if (named.size < 2)
      for (const kind of index.matcher.kinds(read.normalized))
        if (!kind.productIds.some((id) => named.has(id))) for (const id of kind.productIds) named.add(id);
    if (named.size < 2) return null;
    const usage = [...index.articles.values()].filter(
      (a) => a.intent === PRODUCT_USAGE_INTENT && a.productIds.some((id) => named.has(id)),
    );
    if (usage.length === 0) {
      return {
        action: 'clarify',
        text: say('clarifyGeneric'),
        intent: null,
        articleId: null,
        productId: null,
        confidence: 0,
        lowConfidence: true,
        outOfScope: false,
        quickReplies: [],
        grounding: { articles: [], product: null },
      };
    }
    const en = language === 'en';
    const lines = usage.slice(0, 3).map((a) => {
      const product = index.product(a.productIds.find((id) => named.has(id)));
      const text = channelText(a, channel);
      return product ? (en ? `${product.name}: ${text}` : `${product.name}：${text}`) : text;
    });
    return {
      action: 'answer',
      text: `${en ? 'How each fits in your routine:' : '各自的用法和顺序：'}\n${lines.join('\n')}`,
      intent: PRODUCT_USAGE_INTENT,
      articleId: usage.length === 1 ? usage[0]!.id : null,
      productId: null,
      confidence: 1,
      lowConfidence: false,
      outOfScope: false,
      quickReplies: [],
      grounding: { articles: usage.slice(0, 3), product: null },
    };
  }

  /**
   * "托特包配什么好", "what goes with the jeans": the product's `goesWith` complements that are in
   * stock now, with a chip each (on a screen). Only about one product: "面霜和精华能一起用吗" names
   * two and asks something else. Null when the product has no complement in stock — the question
   * then goes on to the intents.
   */
  function goesWithAnswer(
    read: ReadText,
    channel: string,
    productId: string | null,
    language: ReplyLanguage,
  ): Omit<CatalogueAnswer, 'articleId' | 'confidence' | 'lowConfidence' | 'outOfScope'> | null {
    if (!ASKS_GOES_WITH.test(read.plain)) return null;
    const product = index.product(productId);
    if (!product) return null;
    if (read.products.some((p) => p.productId !== product.id)) return null;
    const pairs = listAttribute(product.attributes.goesWith)
      .map((id) => index.product(id))
      .filter((p): p is KnowledgeProduct => !!p && p.id !== product.id && isInStock(p.attributes))
      .slice(0, 3);
    if (pairs.length === 0) return null;
    const en = language === 'en';
    // Spoken, a price reads as "259元"; on a screen, "¥259" beside the name.
    const voice = SPOKEN_CHANNELS.has(channel);
    const items = pairs
      .map((p) =>
        p.price == null
          ? p.name
          : voice
            ? en
              ? `${p.name}, ${p.price} yuan`
              : `${p.name}，${p.price}元`
            : en
              ? `${p.name} (¥${p.price})`
              : `${p.name}（¥${p.price}）`,
      )
      .join(en ? '; ' : voice ? '；' : '、');
    return {
      action: 'answer',
      text: en
        ? `To go with ${product.name}, we suggest: ${items}.`
        : `和${product.name}搭配，推荐：${items}。`,
      intent: PRODUCT_RECOMMENDATION_INTENT,
      productId: product.id,
      attribute: 'goesWith',
      ...(voice ? {} : { quickReplies: pairs.map((p) => p.aliases[0] ?? p.name) }),
      grounding: { articles: [], product, attribute: 'goesWith' },
    };
  }

  /**
   * "有没有大码的", "有加大码吗", "最大的码是多少", "do you have plus sizes": the sizes on offer up to the
   * largest — of the product in view when it has sizes, else of a kind word's products, else of every
   * product sold in sizes (not a baby's goods) — never the size-exchange article its 码 shares.
   * Exchanges, returns and restocks of a size keep their articles.
   */
  function bigSizeAnswer(
    read: ReadText,
    productId: string | null,
    kindCandidates: string[],
    language: ReplyLanguage,
  ): Omit<CatalogueAnswer, 'articleId' | 'confidence' | 'lowConfidence' | 'outOfScope'> | null {
    if (!BIG_SIZE.test(read.plain) || BIG_SIZE_NOT.test(read.plain)) return null;
    const sized = (p: KnowledgeProduct | null | undefined): p is KnowledgeProduct =>
      !!p && listAttribute(p.attributes.sizes).length > 0;
    const inView = index.product(productId);
    const ofKind = kindCandidates.map((id) => index.product(id)).filter(sized);
    const products = sized(inView)
      ? [inView]
      : ofKind.length > 0
        ? ofKind
        : index.kb.products.filter((p) => sized(p) && !CHILD_WORDS.test(productLabels(p).join(' ')));
    if (products.length === 0) return null;
    const en = language === 'en';
    const lines = products.map((p) => {
      const sizes = listAttribute(p.attributes.sizes);
      const largest = sizes[sizes.length - 1]!;
      const listed = attributeText(p.attributes, 'sizes', en);
      return en
        ? `${p.name} comes in ${listed}; the largest is ${largest}.`
        : `${p.name}的尺码：${listed}，最大是 ${largest} 码。`;
    });
    const only = products.length === 1 ? products[0]! : null;
    return {
      action: 'answer',
      text: lines.join('\n'),
      intent: PRODUCT_INFO_INTENT,
      productId: only?.id ?? null,
      attribute: 'sizes',
      ...(only ? {} : { quickReplies: products.slice(0, 3).map((p) => p.aliases[0] ?? p.name) }),
    };
  }

  /**
   * "防晒有清透的吗", "清透的防晒多少钱", "想要清透一点的防晒": a quality said before 的, in whatever order
   * with the kind word, that the names or aliases of some of the kind's goods bear (清透 of 清透防晒)
   * narrows the kind to those goods. Who uses them (孕妇防晒, 宝宝…) is no quality of the goods.
   */
  function qualityNarrowed(plain: string, candidates: string[]): string[] {
    if (candidates.length < 2) return candidates;
    const goods = candidates.map((id) => index.product(id)).filter((p): p is KnowledgeProduct => !!p);
    // English says the quality before the goods ("any light sunscreen"): a word of the message that
    // the English names of some of the goods bear ("Light Oil-Control Sunscreen").
    if (!HAN_CHARS_ONE.test(plain)) {
      // Only the words right before the goods' shared head word ("light" of "any light sunscreen"),
      // every one of them borne: "oily skin, which sunscreen" narrows nothing.
      const names = goods.map((p) => localNames(p).map((l) => l.toLowerCase()));
      // A word the names do not say in English may say a quality their Chinese names and aliases
      // bear through its gloss ("lightweight" → 清透 of 清透防晒).
      const glossOf = (word: string) =>
        (index.read(word).normalized.match(/\p{Script=Han}{2,}/gu) ?? []) as string[];
      const bears = (k: number, word: string) =>
        names[k]!.some((l) => new RegExp(`\\b${word}\\b`).test(l)) ||
        glossOf(word).some((h) => productLabels(goods[k]!).some((l) => l.includes(h)));
      const words = plain.match(/[a-z]+/g) ?? [];
      const head = words.findIndex((w) => w.length >= 3 && goods.every((_, k) => bears(k, w)));
      // The words right before it that some of the goods' names bear ("sensitive skin" of a
      // "Sensitive-Skin … Sunscreen"); the first word none bears ends them.
      const before: string[] = [];
      for (let k = head - 1; k >= 0 && k >= head - 3; k--) {
        const w = words[k]!;
        if (w.length < 4 || !goods.some((_, g) => bears(g, w))) break;
        before.push(w);
      }
      if (head <= 0 || before.length === 0) return candidates;
      const bearing = goods.filter((_, k) => before.every((w) => bears(k, w)));
      return bearing.length > 0 && bearing.length < goods.length ? bearing.map((p) => p.id) : candidates;
    }
    for (const [, run] of plain.matchAll(BEFORE_DE)) {
      for (let i = 0; i + 2 <= run!.length; i++) {
        const word = run!.slice(i, i + 2);
        if (SHOPPER_WORD.test(word)) continue;
        const bearing = goods.filter((p) => productLabels(p).some((l) => l.includes(word)));
        if (bearing.length > 0 && bearing.length < goods.length) return bearing.map((p) => p.id);
      }
    }
    return candidates;
  }

  /** The quality said before 的 ("有清透的", "比较温和的") when some product's name or aliases bear it. */
  function labelQuality(rest: string): string | undefined {
    const said = /(\p{Script=Han}{2,6})的/u.exec(rest)?.[1];
    const word = said?.replace(/^(?:有没有|没有|有|什么|啥|哪些|那种|这种|比较|更|很|特别|最)/, '');
    if (!word || word.length < 2 || word.length > 4) return undefined;
    return index.kb.products.some((p) => productLabels(p).some((l) => l.includes(word))) ? word : undefined;
  }

  /**
   * Goods asked by a quality the product's own details must bear out: free of alcohol / fragrance
   * (its allergen notes or ingredients say so), for a baby (its skin list or kind), a use (its name,
   * aliases or notes state it). The products asked that have it ("有的～" only those), or plainly none
   * stated and which of the catalogue do — null when no such quality is asked.
   */
  function qualifiedGoods(
    read: ReadText,
    asked: string[],
    language: ReplyLanguage,
  ): Omit<CatalogueAnswer, 'articleId' | 'confidence' | 'lowConfidence' | 'outOfScope'> | null {
    const en = language === 'en';
    const rest = asked.length > 0 ? index.matcher.withoutNames(read.plain, asked) : read.plain;
    const free = FREE_OF.exec(rest);
    const freeOf = free ? (free[1] ?? free[2] ?? free[3] ?? '').toLowerCase() : null;
    const child = CHILD_WORDS.test(rest) && !/码|\bsizes?\b/.test(rest);
    const pool0 =
      asked.length > 0
        ? asked.map((id) => index.product(id)).filter((p): p is KnowledgeProduct => !!p)
        : index.kb.products;
    const states = (p: KnowledgeProduct, word: string): boolean =>
      productLabels(p).some((l) => l.includes(word)) ||
      (word === '防晒' &&
        (/\bspf\s*\d/i.test(p.name) || String(p.attributes.allergenNotes ?? '').includes('防晒')));
    // A use word that every product asked states is its kind, not a quality to sort by ("有防晒的气垫吗").
    // Besides the uses, a quality the shopper puts before 的 that some product's own name or aliases
    // bear ("有清透的防晒" → 清透控油防晒乳, "温和的洗面奶"): the catalogue's words, not a list.
    const use =
      asked.length > 0
        ? [USE_GOODS.exec(rest)?.[0], labelQuality(rest)].find(
            (w) => !!w && !pool0.every((p) => states(p, w)),
          )
        : undefined;
    if (!freeOf && !child && !use) return null;
    // "有没有给宝宝用的优惠券": a service for a baby's goods, not goods asked by who uses them.
    if (
      asked.length === 0 &&
      /券|优惠|运费|邮费|退|换|发票|积分|快递|发货|\b(?:coupon|shipping|return|refund)\b/.test(rest)
    )
      return null;
    const pool = pool0;
    const childMonths = child ? monthsOld(rest) : null;
    const eats = child && /吃|喝|\b(?:eat|drink)\b/.test(rest);
    const has = (p: KnowledgeProduct): boolean => {
      if (freeOf) {
        const word = FREE_WORDS[freeOf] ?? [freeOf];
        const said = String(p.attributes.allergenNotes ?? '');
        const stated = word.some((w) => new RegExp(`(?:无|不含|不加|零)[^；;。含]{0,8}${w}`).test(said));
        const contains =
          word.some((w) => new RegExp(`(?<![无不零])含[^；;。]{0,6}${w}`).test(said)) ||
          (FREE_INGREDIENTS[freeOf] ?? []).some((w) => String(p.attributes.ingredients ?? '').includes(w));
        if (!stated || contains) return false;
      }
      if (child) {
        const forChild =
          p.category === 'baby' ||
          listAttribute(p.attributes.suitableSkin).some((skin) => CHILD_LISTED.test(skin)) ||
          CHILD_WORDS.test(productLabels(p).join(' '));
        if (!forChild) return false;
        // "新生儿能用什么": goods whose name states an age range (a 12–36-month formula) are for
        // children of that age only.
        const range = AGE_RANGE.exec(p.name);
        if (childMonths !== null && range && (childMonths < +range[1]! || childMonths > +range[2]!))
          return false;
      }
      // "宝宝能吃什么": food only — a wash is no answer to what a baby can eat.
      if (eats && !EDIBLE.test(`${productLabels(p).join(' ')} ${p.category ?? ''}`)) return false;
      if (use && !states(p, use)) return false;
      return true;
    };
    const fit = pool.filter(has);
    if (asked.length === 0 && !freeOf && !child) return null;
    if (asked.length === 0 && fit.length === 0) return null;
    const priced = (p: KnowledgeProduct) => (p.price != null ? `${p.name} ¥${p.price}` : p.name);
    const quality = en
      ? [freeOf ? `${freeOf}-free` : '', child ? 'for babies' : '', use ?? ''].filter(Boolean).join(', ')
      : [freeOf ? `不含${freeOf}` : '', child ? '宝宝可以用' : '', use ?? ''].filter(Boolean).join('、');
    if (fit.length > 0) {
      const shown = fit.slice(0, 4);
      return {
        action: 'answer',
        text: en
          ? `Yes, ${quality}: ${shown.map(priced).join(', ')}.`
          : `有的，${quality}的有：${shown.map(priced).join('、')}。`,
        intent: PRODUCT_INFO_INTENT,
        productId: shown.length === 1 ? shown[0]!.id : null,
      };
    }
    // None of the goods asked states it: say so, and which of the catalogue (of another kind) does.
    // Another kind's goods are an alternative only for a use ("写明控油的有：…"), not for who uses it.
    const elsewhere = use ? index.kb.products.filter((p) => !asked.includes(p.id) && has(p)).slice(0, 3) : [];
    const names = pool.map((p) => p.name).join(en ? ', ' : '、');
    return {
      action: 'answer',
      text:
        (en
          ? `Sorry — the details of ${names} don't say ${quality}.`
          : `抱歉，${names}的商品资料里没有写明${quality}。`) +
        (elsewhere.length > 0
          ? en
            ? ` Stated ${quality}: ${elsewhere.map(priced).join(', ')}.`
            : `写明${quality}的有：${elsewhere.map(priced).join('、')}。`
          : ''),
      intent: PRODUCT_INFO_INTENT,
      productId: pool.length === 1 ? pool[0]!.id : null,
    };
  }

  /** Prices, sizes, origin… and whether the shop sells something: answered from the catalogue. */
  function catalogueAnswer(
    read: ReadText,
    input: EngineInput,
    productId: string | null,
    namedProductId: string | null,
    kindCandidates: string[],
    language: ReplyLanguage,
    say: Say,
  ): CatalogueAnswer | null {
    const shared = { articleId: null, confidence: 1, lowConfidence: false, outOfScope: false } as const;
    const soldOut = soldOutSizeAnswer(read, input.text, productId, language);
    if (soldOut) return { ...shared, ...soldOut };
    const big = bigSizeAnswer(read, productId, kindCandidates, language);
    if (big) return { ...shared, ...big };
    // "有没有便宜点的防晒": the goods of the kind from the lowest price up, not an article.
    const ofKind = namedProductId
      ? []
      : kindCandidates.length > 1
        ? kindCandidates
        : [...new Set(read.products.map((p) => p.productId))];
    if (CHEAPER.test(read.plain) && ofKind.length > 1) {
      const priced = ofKind
        .map((id) => index.product(id))
        .filter((p): p is KnowledgeProduct => !!p && p.price != null)
        .sort((a, b) => a.price! - b.price!);
      if (priced.length > 1) {
        const en = language === 'en';
        return {
          ...shared,
          action: 'answer',
          text: en
            ? `The lowest-priced is ${priced[0]!.name} at ¥${priced[0]!.price}; then ${priced
                .slice(1)
                .map((p) => `${p.name} ¥${p.price}`)
                .join(', ')}.`
            : `价格最低的是 ${priced[0]!.name} ¥${priced[0]!.price}；其次是 ${priced
                .slice(1)
                .map((p) => `${p.name} ¥${p.price}`)
                .join('、')}。`,
          intent: PRODUCT_INFO_INTENT,
          productId: priced[0]!.id,
          attribute: 'price',
        };
      }
    }
    const pairing = goesWithAnswer(read, input.channel, productId, language);
    if (pairing) return { ...shared, ...pairing };
    // "有没有防晒" (read folds 有没有 to 有): an A-not-A question asks as "有防晒吗" does — unless it
    // asks who may use them ("有没有孕妇能用的防晒": the who-may-use answer).
    const forSale =
      askedForSale(read.plain, glossesToService) ??
      (/有没有|有无|有冇/.test(input.text) && !/[吗么嘛]$/.test(read.plain) && !MAY_USE.test(read.plain)
        ? askedForSale(`${read.plain}吗`, glossesToService)
        : null);
    if (
      (forSale || ASKS_AVAILABILITY.test(read.plain)) &&
      !isActionRequest(read.normalized, input.text) &&
      !ownPurchase(read.plain)
    ) {
      const asked = namedProductId
        ? [namedProductId]
        : kindCandidates.length > 0
          ? kindCandidates
          : [...new Set(read.products.map((p) => p.productId))];
      // Goods asked by the use or effect a name states ("有控油的吗", "有保湿的吗"): the products whose
      // name or aliases state it — not "we don't carry 控油".
      let byUse = false;
      if (asked.length === 0 && forSale) {
        // "有没有清透的", "有没有透气的": a quality with no kind named is a use too when some
        // product's own name or aliases bear it (the catalogue's words, not a list of ours).
        const bare = forSale.item.replace(/的|产品|东西|类|款|系列|一点|一些|\s/g, '');
        const use =
          USE_GOODS.exec(forSale.item)?.[0] ??
          (HAN_WORD.test(bare) &&
          // Who uses it ("宝宝能用什么") is no quality of the goods.
          !CHILD_WORDS.test(bare) &&
          !PREGNANCY_WORDS.test(bare) &&
          !MEN_SAID.test(bare) &&
          index.kb.products.some((p) => productLabels(p).some((l) => l.includes(bare)))
            ? bare
            : undefined);
        if (use && forSale.item.replace(use, '').replace(/的|产品|东西|类|款|系列|一点|一些|\s/g, '') === '')
          for (const p of index.kb.products)
            if (productLabels(p).some((l) => l.includes(use))) {
              asked.push(p.id);
              byUse = true;
            }
      }
      // "有男士面霜吗", "skincare for men": "有的～" would say a men's cream exists, "we don't carry
      // skincare for men" sends him away from goods he can use — goods for men are product-facts'.
      if (
        asked.length > 0 &&
        MEN_SAID.test(index.matcher.withoutNames(withoutMenAddressed(read.plain), asked))
      )
        return null;
      // "do you have skincare for men": the same with a category of the catalogue for the goods.
      if (
        asked.length === 0 &&
        forSale &&
        MEN_SAID.test(forSale.item) &&
        productsInCategory(forSale.item).length > 0
      )
        return null;
      // A product noun of the lexicon the catalogue lacks, else whatever goods the question names
      // when nothing in the catalogue answers to it ("有卖男士剃须刀吗", "do you sell phone cases").
      const uncarried =
        index.matcher.uncarried(read.normalized) ??
        (asked.length === 0 && read.products.length === 0 && forSale?.goods ? forSale.item : null);
      // Goods of a kind no product is ("有卖钱包吗" while the tote answers to 包): what was found is
      // a neighbour, not the goods asked for — "yes, the tote" would sell what was not asked.
      const lacking = asked.length > 0 ? uncarriedGoods(read.plain, index.kb.products) : null;
      const neighbourOnly =
        !!lacking &&
        asked.every((id) => !productLabels(index.product(id)).some((l) => l.includes(lacking.toLowerCase())));
      if (neighbourOnly && !servesOnly(read.plain, lacking!)) {
        return {
          ...shared,
          action: 'answer',
          text: say('notCarried', {
            item: lacking!,
            catalog: catalogueSummary(language).join(language === 'en' ? ', ' : '、'),
          }),
          intent: PRODUCT_INFO_INTENT,
          productId: null,
        };
      }
      // Goods our lexicon knows as a kind the shop does sell ("do you have sweaters" → 毛衣外套):
      // the products of that kind, never "we don't carry it".
      if (uncarried && asked.length === 0) {
        for (const p of productsOfKind(uncarried, index.kb.products)) asked.push(p.id);
      }
      // A category of the catalogue asked for by its id ("do you have skincare"): its goods.
      let byCategory = false;
      if (asked.length === 0 && forSale?.goods) {
        for (const p of productsInCategory(forSale.item)) {
          asked.push(p.id);
          byCategory = true;
        }
      }
      if (uncarried && asked.length === 0 && !servesOnly(read.plain, uncarried)) {
        const categories = catalogueSummary(language);
        return {
          ...shared,
          action: 'answer',
          text: say('notCarried', {
            item: uncarried,
            catalog: categories.join(language === 'en' ? ', ' : '、'),
          }),
          intent: PRODUCT_INFO_INTENT,
          productId: null,
        };
      }
      // "你们有口红吗": yes, and what it costs — when nothing else is asked.
      const rest = read.masked.replace(
        /有|卖|没|吗|你们|店里|这里|这边|家|的|请问|\b(?:do|you|sell|have|carry|any)\b|\s/g,
        '',
      );
      // The question is only "do you sell X" with X a product or kind of ours ("有卖防晒的吗").
      // An effect or function asked ("有防晒效果吗") is a property of the product in question, not goods.
      const onlyAsksForIt =
        byUse ||
        byCategory ||
        (!!forSale &&
          !/效果|功效|作用|功能/.test(forSale.item) &&
          (namedProductId !== null ||
            index.matcher.kinds(forSale.item).length > 0 ||
            index.read(forSale.item).products.length > 0 ||
            productsOfKind(forSale.item, index.kb.products).length > 0));
      // "有不含酒精的防晒吗", "宝宝防晒有吗", "有控油的洗面奶吗": a quality the goods must have is
      // decided by each product's own details, never "有的～" for all of its kind.
      // "有没有100块以内的面霜", "any cream under 150": a price ceiling is each product's catalogue
      // price to meet — "有的～" only for the goods within it; none within → said so, with their prices.
      const ceiling = priceCeiling(read.plain);
      if (ceiling !== null && asked.length > 0) {
        const priced = asked.map((id) => index.product(id)).filter((p): p is KnowledgeProduct => !!p);
        const within = priced.filter((p) => p.price != null && p.price <= ceiling);
        if (within.length === 0)
          return {
            ...shared,
            action: 'answer',
            text: say('noneWithinPrice', {
              limit: String(ceiling),
              products: priced
                .slice(0, 3)
                .map((p) => (p.price != null ? `${p.name} ¥${p.price}` : p.name))
                .join(language === 'en' ? ', ' : '、'),
            }),
            intent: PRODUCT_INFO_INTENT,
            productId: priced.length === 1 ? priced[0]!.id : null,
          };
        asked.splice(0, asked.length, ...within.map((p) => p.id));
      }
      const qualified = qualifiedGoods(read, asked, language);
      if (qualified) return { ...shared, ...qualified };
      // "do you have jeans in black": a colour the catalogue does not list is no "yes" (product-facts).
      if (asked.length > 0 && (rest.length <= 1 || onlyAsksForIt) && !asksColour(read.plain)) {
        const products = asked.map((id) => index.product(id)!).slice(0, 3);
        return {
          ...shared,
          action: 'answer',
          text: say('carried', {
            products: products
              .map((p) => (p.price != null ? `${p.name} ¥${p.price}` : p.name))
              .join(language === 'en' ? ', ' : '、'),
          }),
          intent: PRODUCT_INFO_INTENT,
          productId: products.length === 1 ? products[0]!.id : null,
        };
      }
    }
    // A long message that mentions a price ("想知道要多交多少钱") asks something else; so does a
    // limit or a difference ("最多能买多少钱", "满多少包邮", "差多少钱").
    if (longerThan(read.plain, 16, 10)) return null;
    // Chinese written in pinyin ("mianshuang duoshao qian") is read in the words it spells.
    const said = read.pinyinOnly ? read.normalized : read.plain;
    if (NOT_A_PRICE.test(said)) return null;
    const cue = ATTRIBUTE_CUES.find(
      (c) => c.cue.test(said) && !merchantAttributes.has(c.attribute) && !onlyDescribes(c, read.normalized),
    );
    if (!cue) return null;
    const product = index.product(productId);
    // "这个多少钱" with no product anywhere in the conversation: ask which one, never decline.
    if (!product && kindCandidates.length === 0 && read.products.length === 0) {
      // In pinyin, what is left once the words it spells are read (the syllables themselves go).
      const left = read.pinyinOnly ? said.replace(/[a-z]+/g, ' ') : read.plain;
      const rest = left.replace(new RegExp(cue.cue.source, 'g'), '').replace(DEICTIC, '').trim();
      if (rest) return null;
      return {
        ...shared,
        action: 'clarify',
        text: say('whichProduct', { topic: labelOf(cue.attribute, language) }),
        intent: PRODUCT_INFO_INTENT,
        productId: null,
        lowConfidence: true,
        quickReplies: [],
        attribute: cue.attribute,
      };
    }
    if (!product) {
      if (kindCandidates.length > 1 || read.products.length > 1) {
        const choices = (kindCandidates.length > 1 ? kindCandidates : read.products.map((p) => p.productId))
          .map((id) => index.product(id)!)
          .slice(0, 3);
        // "防晒多少钱": the price of each goods of the kind, not "which one?".
        if (cue.attribute === 'price' && choices.length > 1 && choices.every((p) => p.price != null)) {
          return {
            ...shared,
            action: 'answer',
            text: choices
              .map((p) => say('price', { product: p.name, price: String(p.price) }))
              .join(language === 'en' ? ' ' : '\n'),
            intent: PRODUCT_INFO_INTENT,
            productId: null,
            attribute: 'price',
            // The same chips "which one?" offered: a tap asks that product's price alone.
            quickReplies: choices.map(
              (p) => `${p.aliases[0] ?? p.name}${language === 'en' ? ' ' : ''}${labelOf('price', language)}`,
            ),
          };
        }
        return {
          ...shared,
          action: 'clarify',
          text: say('whichProduct', { topic: labelOf(cue.attribute, language) }),
          intent: PRODUCT_INFO_INTENT,
          productId: null,
          quickReplies: choices.map(
            (p) =>
              `${p.aliases[0] ?? p.name}${language === 'en' ? ' ' : ''}${labelOf(cue.attribute, language)}`,
          ),
          attribute: cue.attribute,
        };
      }
      return null;
    }
    const key = cue.keys.find((k) => ownValue(product.attributes, k) != null);
    const value = cue.attribute === 'price' ? product.price : key && ownValue(product.attributes, key);
    if (value == null) return null;
    return {
      ...shared,
      action: 'answer',
      text:
        cue.attribute === 'price'
          ? say('price', { product: product.name, price: String(value) })
          : say('attribute', {
              product: product.name,
              label: labelOf(cue.attribute, language),
              value: key ? attributeText(product.attributes, key, language === 'en') : formatValue(value),
            }),
      intent: PRODUCT_INFO_INTENT,
      productId: product.id,
      attribute: cue.attribute,
      grounding: { articles: [], product, attribute: cue.attribute },
    };
  }

  /**
   * True when the cue's only words describe the product ("真皮包包", "leather tote") and the
   * message asks another fact the merchant answers ("怎么保养", "what size"): that fact is the
   * question, the material word names the item.
   */
  function onlyDescribes(cue: (typeof ATTRIBUTE_CUES)[number], normalized: string): boolean {
    if (!cue.describes) return false;
    const rest = normalized.replace(cue.describes, ' ');
    if (cue.cue.test(rest)) return false;
    return [...merchantAttributes].some((attribute) =>
      ownValue(ATTRIBUTE_INTENT_CUES, attribute)?.test(rest),
    );
  }

  /** "关于「口红」您想了解什么？" with the product's facts as options. */
  function productClarify(
    base: Base,
    product: KnowledgeProduct,
    confidence: number,
    language: ReplyLanguage,
    say: Say,
  ): EngineResult {
    const short = product.aliases[0] ?? product.name;
    const topics = [
      ...Object.keys(product.attributes).filter(
        (key) => ownValue(ATTRIBUTE_LABELS, key) && key !== 'allergenNotes',
      ),
      ...(product.price != null ? ['price'] : []),
    ].slice(0, 3);
    return {
      ...base,
      action: 'clarify',
      text: say('clarifyProduct', { product: product.name }),
      intent: null,
      articleId: null,
      productId: product.id,
      confidence,
      lowConfidence: false,
      outOfScope: false,
      quickReplies: topics.map((key) =>
        language === 'en'
          ? `${short} ${labelOf(key, language)}`
          : key === 'price'
            ? `${short}多少钱`
            : `${short}的${labelOf(key, 'zh')}`,
      ),
      grounding: { articles: [], product },
    };
  }

  /** Up to three readings to offer: each intent's best article title (or the intent's name). */
  function clarifyOptions(
    intents: Ranked[],
    articles: ArticleCandidate[],
    productId: string | null,
    language: ReplyLanguage,
  ): string[] {
    const options: string[] = [];
    for (const candidate of intents) {
      if (options.length >= 3) break;
      if (candidate.intentKey === OFF_TOPIC || candidate.blended < 0.08) continue;
      const intent = index.intent(candidate.intentKey);
      if (intent?.policy === 'human' || intent?.id === greetingIntent?.id) continue;
      const best = articles.find(
        (a) =>
          a.intentKey === candidate.intentKey &&
          (!productId ||
            index.articles.get(a.articleId)!.productIds.length === 0 ||
            index.articles.get(a.articleId)!.productIds.includes(productId)),
      );
      const attribute = intent?.answerFrom?.productAttribute;
      const product = index.product(productId);
      const label =
        attribute && product
          ? `${product.aliases[0] ?? product.name}${language === 'en' ? ' ' : '的'}${labelOf(attribute, language)}`
          : best
            ? index.articles.get(best.articleId)!.title
            : (intent?.name ?? null);
      if (label && !options.includes(label)) options.push(label);
    }
    return options;
  }

  /**
   * The article a ticket's reply quotes: the one the question matched, unless that one states the
   * policy for another reason (the damaged-goods rules for a change of mind); then the article
   * for the ticket's own reason.
   */
  function ticketArticle(
    intent: KnowledgeIntent,
    reason: string | null,
    productId: string | null,
    matched: ArticleCandidate | undefined,
  ): KnowledgeArticle | undefined {
    const own = reasonArticle(intent, reason, productId);
    const candidate = matched ? index.articles.get(matched.articleId) : undefined;
    if (!candidate) return own;
    if (candidate.id === own?.id) return candidate;
    // Only reasons that belong to this kind of ticket compete (sizes for exchanges, the rest for returns).
    const sizeReasons = ['too_small', 'too_large', 'wrong_size'];
    const ownWords = ownValue(
      REASON_POLICY_WORDS,
      reason ?? (intent.ticketType === 'exchange' ? 'wrong_size' : 'changed_mind'),
    );
    const otherReasons = Object.keys(REASON_POLICY_WORDS).filter(
      (r) =>
        REASON_POLICY_WORDS[r] !== ownWords &&
        (intent.ticketType === 'exchange' ? sizeReasons.includes(r) : !sizeReasons.includes(r)),
    );
    const states = otherReasons.some((r) => reasonArticle(intent, r, productId)?.id === candidate.id);
    return states ? (own ?? candidate) : candidate;
  }

  /** The intent's article that states the policy for a ticket's reason (change of mind, damage, size…). */
  function reasonArticle(intent: KnowledgeIntent, reason: string | null, productId: string | null) {
    const words =
      ownValue(REASON_POLICY_WORDS, reason ?? '') ??
      REASON_POLICY_WORDS[intent.ticketType === 'exchange' ? 'wrong_size' : 'changed_mind']!;
    const hits = index.searchArticles(tokenize(words));
    for (const hit of hits) {
      const candidate = index.articles.get(hit.articleId);
      if (!candidate || candidate.intent !== intent.id) continue;
      if (candidate.productIds.length > 0 && (!productId || !candidate.productIds.includes(productId)))
        continue;
      return candidate;
    }
    return undefined;
  }

  /** An intent with a single article answers with it even when the words did not reach it ("嗨 在不在"). */
  function onlyArticleOf(intentKey: string, productId: string | null): ArticleCandidate | undefined {
    const own = index.kb.articles.filter((a) => intentKeyOf(a) === intentKey);
    if (own.length !== 1) return undefined;
    // Written for other products: not an answer about this one.
    if (productId && own[0]!.productIds.length > 0 && !own[0]!.productIds.includes(productId))
      return undefined;
    return { articleId: own[0]!.id, intentKey, score: 0, coverage: 0 };
  }

  // The article on what lowers an order's price (spend-threshold offers, 满减, and how coupons go
  // with them), by its title and questions; null when the shop wrote none. Looked for once.
  let promotionCache: KnowledgeArticle | null | undefined;
  const promotionArticle = (): KnowledgeArticle | null => {
    promotionCache ??= index.kb.articles.find((a) => PROMOTION.test(askedIn(a))) ?? null;
    return promotionCache;
  };

  // Cross-border goods by the catalogue: a category id or a name's tag saying so, or a product the
  // shop's cross-border articles are written for.
  let crossBorderIds: Set<string> | undefined;
  const crossBorderProducts = (): Set<string> => {
    if (crossBorderIds) return crossBorderIds;
    crossBorderIds = new Set(
      index.kb.products
        .filter((p) => CROSSBORDER_MARK.test(p.category ?? '') || CROSSBORDER_MARK.test(p.name))
        .map((p) => p.id),
    );
    for (const a of index.kb.articles)
      if (CROSSBORDER_MARK.test(a.title)) for (const id of a.productIds) crossBorderIds.add(id);
    return crossBorderIds;
  };
  // The goods words of the articles that exclude goods from the 7-day rule (临期, 定金, 零食…): the
  // words of their titles shared by few articles and of their questions by none, that the return
  // policy itself does not use, function words aside.
  let exceptionWords: Map<string, KnowledgeArticle> | undefined;
  const hanWords = (text: string) =>
    [...wordSegments(text)].map((s) => s.segment).filter((w) => /^\p{Script=Han}{2,}$/u.test(w));
  const returnExceptionWords = (): Map<string, KnowledgeArticle> => {
    if (exceptionWords) return exceptionWords;
    const asked = (a: KnowledgeArticle) => [a.title, ...a.questions];
    const policy = index.kb.articles.filter((a) => /无理由退货规则|\breturn policy\b/i.test(a.title));
    const policyWords = new Set(policy.flatMap((a) => [...asked(a), a.answer].flatMap(hanWords)));
    const articlesOf = new Map<string, number>();
    for (const a of index.kb.articles)
      for (const w of new Set(asked(a).flatMap(hanWords))) articlesOf.set(w, (articlesOf.get(w) ?? 0) + 1);
    // A word of a title (the article's subject) may be shared by a few articles; a word of a question
    // only by none. Asking and negating words (哪些, 不能) are no goods.
    const goodsWord = (w: string, most: number) =>
      (articlesOf.get(w) ?? 0) <= most &&
      !policyWords.has(w) &&
      !isFunctionTerm(w) &&
      !/[不没哪什怎吗呢么]/.test(w);
    exceptionWords = new Map();
    for (const a of index.kb.articles) {
      if (policy.includes(a) || !NOT_RETURNABLE.test(a.answer)) continue;
      // A title word counts only when the answer's own excluding sentence names it as the goods
      // ("临期商品…不支持7天无理由退货"): a title's generic word ("临期商品说明" → 说明) is no goods.
      const excluding = a.answer
        .split(/[。；;！!？?\n]/)
        .filter((s) => NOT_RETURNABLE.test(s))
        .join('。');
      for (const w of hanWords(a.title))
        if (goodsWord(w, 3) && excluding.includes(w) && !exceptionWords.has(w)) exceptionWords.set(w, a);
      for (const w of a.questions.flatMap(hanWords))
        if (goodsWord(w, 1) && !exceptionWords.has(w)) exceptionWords.set(w, a);
    }
    return exceptionWords;
  };
  // The article ruling out returns of opened or used goods: asked in words of opening or use, and
  // its answer saying such goods are not returned. Looked for once.
  let openedExceptedCache: KnowledgeArticle | null | undefined;
  const openedExcepted = (): KnowledgeArticle | null => {
    openedExceptedCache ??=
      index.kb.articles.find((a) => OPENED_ASKED_IN.test(askedIn(a)) && NOT_RETURNABLE.test(a.answer)) ??
      null;
    return openedExceptedCache;
  };
  // The article telling where the shop's goods go out from ("我们从上海和广州仓发货"): one written for
  // all goods (no product list) and not of the cross-border route. Looked for once.
  let ownWarehouseCache: KnowledgeArticle | null | undefined;
  const ownWarehouseArticle = (): KnowledgeArticle | null => {
    ownWarehouseCache ??=
      index.kb.articles.find(
        (a) =>
          a.productIds.length === 0 &&
          !CROSSBORDER_MARK.test(`${a.title} ${a.answer}`) &&
          !/保税/.test(a.answer) &&
          OWN_WAREHOUSE.test(a.answer),
      ) ?? null;
    return ownWarehouseCache;
  };
  // `contextIds`: the product the conversation is about, when this message names none
  // ("蜗牛霜多少钱 || 能退吗").
  const shopReadingWith = (contextIds: readonly string[]): ShopReading => ({
    crossBorder: (read) =>
      CROSSBORDER_SAID.test(read.plain) ||
      read.products.some((m) => crossBorderProducts().has(m.productId)) ||
      (read.products.length === 0 && contextIds.some((id) => crossBorderProducts().has(id))),
    goodsCrossBorder: (read) => {
      const ids = read.products.length > 0 ? read.products.map((m) => m.productId) : contextIds;
      return ids.length === 0 ? null : ids.some((id) => crossBorderProducts().has(id));
    },
    ownWarehouseArticle,
    namedOrCarried: (read) => read.products.length > 0 || contextIds.length > 0,
    ownArticleSaying: (read, said) => {
      const ids = new Set(read.products.length > 0 ? read.products.map((m) => m.productId) : contextIds);
      if (ids.size === 0) return null;
      // A kind word naming several goods ("防晒防汗吗"): the one article written for them that says it,
      // when only one does (the other goods' data is silent on it); two saying it is a choice to ask.
      const saying = index.kb.articles.filter(
        (a) => a.productIds.some((id) => ids.has(id)) && said.test(a.answer),
      );
      if (ids.size > 1) return saying.length === 1 ? saying[0]! : null;
      return saying[0] ?? null;
    },
    openedExcepted,
    returnExcepted: (read) => {
      const words = returnExceptionWords();
      if (words.size === 0) return null;
      // English cannot say the goods' Chinese word ("can I return the engraved mug"): the names of
      // the products it names say it (刻字马克杯).
      // The goods' state the lexicon glosses ("near-expiry" → 临期) says it too.
      const said = HAN_CHARS_ONE.test(read.plain)
        ? read.plain
        : [
            ...read.products.map((m) => index.product(m.productId)?.name ?? ''),
            ...(/\bexpir/.test(read.plain) ? [read.normalized] : []),
          ].join(' ');
      for (const w of hanWords(said)) {
        const article = words.get(w);
        if (article) return article;
      }
      return null;
    },
  });
  const shopReading = shopReadingWith([]);

  /** The article of the first kind of KIND_READINGS the message asks, if the shop wrote one. */
  const kindArticles = new Map<string, KnowledgeArticle | null>();
  function kindReading(read: ReadText, context: readonly string[] = []): KnowledgeArticle | null {
    const shop = context.length > 0 ? shopReadingWith(context) : shopReading;
    for (const kind of KIND_READINGS) {
      if (!kind.asked(read, shop)) continue;
      if (kind.articleOf) {
        const picked = kind.articleOf(read, shop);
        if (picked) return picked;
        continue;
      }
      let found = kindArticles.get(kind.id);
      if (found === undefined) {
        found = index.kb.articles.find((a) => kind.article.test(askedIn(a))) ?? null;
        kindArticles.set(kind.id, found);
      }
      if (found) return found;
    }
    return null;
  }
  /** Whether the message asks a service matter that outranks a named product's facts (`overFacts`). */
  function serviceOverFacts(read: ReadText): boolean {
    const found = kindReading(read);
    if (!found) return false;
    // A kind whose article the shop's data picks per message ("临期的面霜能退吗": the near-expiry
    // article) is compared by that pick, as `kindArticles` holds only the fixed ones.
    return KIND_READINGS.some(
      (k) =>
        k.overFacts &&
        k.asked(read, shopReading) &&
        (k.articleOf ? k.articleOf(read, shopReading) : kindArticles.get(k.id))?.id === found.id,
    );
  }
  /** Whether an article is written for a live room (its title says so). */
  const liveArticles = new Map<string, boolean>();
  const liveArticle = (articleId: string): boolean => {
    let found = liveArticles.get(articleId);
    if (found === undefined) {
      found = LIVE_WORDS.test((index.articles.get(articleId)?.title ?? '').toLowerCase());
      liveArticles.set(articleId, found);
    }
    return found;
  };

  const trackingArticles = new Map<string, KnowledgeArticle | undefined>();
  const trackingArticle = (intentKey: string): KnowledgeArticle | undefined => {
    if (!trackingArticles.has(intentKey))
      trackingArticles.set(
        intentKey,
        index.kb.articles.find((a) => intentKeyOf(a) === intentKey && TRACKING.test(askedIn(a))),
      );
    return trackingArticles.get(intentKey);
  };

  /** What a candidate's article answers (`askedIn`). */
  const candidateAsks = (option: ArticleCandidate) => askedIn(index.articles.get(option.articleId)!);

  function pickArticle(
    options: ArticleCandidate[],
    namedProductId: string | null,
    productId: string | null,
    profile: ShopperProfile | undefined,
    read: ReadText,
    live = false,
  ): ArticleCandidate | undefined {
    const normalized = read.normalized;
    options = rerankByVariants(options, read);
    // An article written for a kind of shopper (its title says pregnancy / nursing or a child: "孕期
    // 哺乳期能用哪些产品") answers whether goods suit that shopper — not "防晒防水吗" or "is the
    // sunscreen sweat proof", which share only the goods' word with it and say no one: another
    // article of the reading answers first, when there is one.
    if (
      options.length > 1 &&
      !MAY_USE.test(read.plain) &&
      !PREGNANCY_WORDS.test(read.plain) &&
      !CHILD_WORDS.test(read.plain)
    ) {
      const forSomeone = (o: ArticleCandidate) => {
        const title = index.articles.get(o.articleId)?.title ?? '';
        return PREGNANCY_WORDS.test(title) || CHILD_WORDS.test(title);
      };
      const others = options.filter((o) => !forSomeone(o));
      if (others.length > 0) options = others;
    }
    // A skin type said ("我是油皮，用什么面霜") chooses the routine written for it over the routine for
    // another skin that merely names the product asked about (the cream's dry-skin routine). Only
    // between articles written for skin types: a sunscreen choice asked by sensitive skin stays.
    const saidSkin = SKIN_TYPES.find((t) => t.said.test(normalized));
    if (saidSkin && options.length > 1 && articleSkinType(options[0]!.articleId)) {
      const forSkin = options.find(
        (o) => o.score >= options[0]!.score * 0.3 && saidSkin.article.test(candidateAsks(o)),
      );
      if (forSkin) return forSkin;
    }
    // An article written for a live room's prices or coupons ("直播间比我在App买的便宜") answers a
    // shopper who says a live room or asks on one; elsewhere the reading's other articles answer
    // ("买了两件，现在便宜了，能补差价吗" is price protection).
    if (options.length > 1 && !live) {
      const offLive = options.filter((o) => !liveArticle(o.articleId));
      if (offLive.length > 0 && offLive.length < options.length) options = offLive;
    }
    // "where is my order", "我的快递到哪了": where it is — the article on following an order — unless
    // the message says it shows delivered, has stopped moving or came to harm (those articles answer).
    if (options.length > 1 && ORDER_STATUS_CUE.test(normalized) && !PARCEL_TROUBLE.test(read.plain)) {
      const tracking = options.find(
        (o) => o.score >= options[0]!.score * 0.3 && TRACKING.test(candidateAsks(o)),
      );
      if (tracking) options = [tracking, ...options.filter((o) => o !== tracking)];
    }
    // "how do I use a coupon at checkout" asks how, not why it fails: an article on what goes wrong
    // ("优惠券用不了的原因") is no answer to it while the intent has another.
    if (options.length > 1 && HOW_TO.test(read.plain) && !TROUBLE_ASKED.test(read.plain)) {
      const howTo = options.filter((o) => !TROUBLESHOOTING.test(index.articles.get(o.articleId)!.title));
      if (howTo.length > 0 && howTo.length < options.length) options = howTo;
    }
    if (options.length > 1 && TROUBLE_STATED.test(read.plain) && !HOW_TO.test(read.plain)) {
      const first = index.articles.get(options[0]!.articleId)!;
      const fix = options.find(
        (o) =>
          o.score >= options[0]!.score * 0.5 && TROUBLESHOOTING.test(index.articles.get(o.articleId)!.title),
      );
      if (fix && !TROUBLESHOOTING.test(first.title)) options = [fix, ...options.filter((o) => o !== fix)];
    }
    // A bare short question ("能退吗", "价保吗") asks for the intent's headline answer: the article
    // the merchant took the trouble to phrase for other channels too, when it is about as close.
    if (options.length > 1 && read.plain.replace(NOT_HAN, '').length <= 5 && !/[a-z]/.test(read.plain)) {
      const best = options[0]!.score;
      const headline = options.find(
        (o) =>
          o.score >= best * 0.6 && Object.keys(index.articles.get(o.articleId)!.channelAnswers).length >= 2,
      );
      if (headline && (!productId || index.articles.get(headline.articleId)!.productIds.length === 0))
        options = [headline, ...options.filter((o) => o !== headline)];
    }
    if (!productId && options.length > 1) {
      // General beats specific when no product is in question: "能开票" is not about the one
      // imported product whose invoice article happens to share the word 开票.
      const best = options[0]!.score;
      const general = options.find(
        (o) => index.articles.get(o.articleId)!.productIds.length === 0 && o.score >= best * 0.35,
      );
      if (general && index.articles.get(options[0]!.articleId)!.productIds.length > 0) return general;
    }
    if (productId) {
      // An article written for other products is not about this one ("纸尿裤漏尿" for a serum question).
      const relevant = options.filter((o) => {
        const linked = index.articles.get(o.articleId)!.productIds;
        return linked.length === 0 || linked.includes(productId);
      });
      // None of them: no article at all — "缩水正常吗" about jeans is not answered with a serum's
      // tingling advice; the engine asks instead.
      options = relevant;
    }
    if (options.length <= 1) return options[0];
    const best = options[0]!.score;
    // Specific beats general: an article written for the product in question wins unless a
    // general one fits far better.
    if (productId) {
      const bar = productId === namedProductId ? 0.4 : 0.6;
      const top = options[0]!;
      const specific = options.find(
        (o) =>
          o.score >= best * bar &&
          (productId !== namedProductId || o.coverage * 2 >= top.coverage) &&
          index.articles.get(o.articleId)!.productIds.includes(productId),
      );
      if (specific) return specific;
    }
    // The profile's skin type picks between near-equal recommendation articles ("干皮" vs "油皮").
    // The message's own skin type wins; the profile is read only when a near-equal article is
    // written for a skin type (so answers that cannot be personal never touch the profile).
    if (skinTypeOf(normalized)) return options[0];
    const nearWithSkin = options.filter((o) => o.score >= best * 0.8 && articleSkinType(o.articleId));
    if (nearWithSkin.length === 0) return options[0];
    const skin = skinTypeOf(profile?.attributes.skinType ?? profile?.attributes.skin_type);
    if (!skin) return options[0];
    return nearWithSkin.find((o) => articleSkinType(o.articleId) === skin) ?? options[0];
  }

  const articleSkinTypes = new Map<string, string | null>();
  /** The skin type an article is written for (title and questions), learnt once per article. */
  function articleSkinType(articleId: string): string | null {
    let skin = articleSkinTypes.get(articleId);
    if (skin === undefined) {
      const article = index.articles.get(articleId)!;
      skin = skinTypeOf(`${article.title} ${article.questions.join(' ')}`) ?? null;
      articleSkinTypes.set(articleId, skin);
    }
    return skin;
  }

  /** "根据您的肤质…": which of the article's products suit the shopper, and what's already in the cart. */
  function personalNote(article: KnowledgeArticle, profile: ShopperProfile | undefined): string {
    if (!profile || article.productIds.length < 2) return '';
    const skin = skinTypeOf(profile.attributes.skinType ?? profile.attributes.skin_type);
    const linked = article.productIds
      .map((id) => index.product(id))
      .filter((p): p is KnowledgeProduct => !!p);
    const notes: string[] = [];
    if (skin) {
      const suits = linked.filter((p) => formatValue(p.attributes.suitableSkin ?? '').includes(skin));
      if (suits.length)
        notes.push(`按您资料里的${skin}肤质，更适合您的是${suits.map((p) => p.name).join('、')}`);
    }
    const inCart = linked.filter((p) => profile.cartProductIds.includes(p.id));
    if (inCart.length) notes.push(`您购物车里已有${inCart.map((p) => p.name).join('、')}`);
    return notes.length ? `（${notes.join('；')}。）` : '';
  }

  // Intents about where an order is: taught with "到哪", "物流", "快递" and the like.
  const orderStatusIntents = new Set(
    index.kb.intents
      .filter(
        (i) =>
          i.examples.filter((e) => /到哪|物流|快递|包裹|发货了|where is my/.test(index.read(e).normalized))
            .length >= 3,
      )
      .map((i) => i.id),
  );
  // The intent about when orders ship: the one taught with "发货" most (at least twice).
  const dispatchIntents = new Set(
    index.kb.intents
      .filter((i) => i.policy === 'ai')
      .map((i) => ({
        id: i.id,
        n: i.examples.filter((e) => /发货|发出|\bship/.test(e.toLowerCase())).length,
      }))
      .filter((c) => c.n >= 2)
      .sort((a, b) => b.n - a.n)
      .slice(0, 1)
      .map((c) => c.id),
  );
  const isOrderStatusIntent = (intent: KnowledgeIntent) =>
    orderStatusIntents.has(intent.id) && intent.policy === 'ai' && !intent.answerFrom;

  /** The order's status, carrier and tracking number, then the article (how to follow it). */
  function orderAnswer(
    base: Base,
    order: ShopperOrder,
    article: KnowledgeArticle | null,
    say: Say,
    intent: string | null = null,
    confidence = 1,
  ): EngineResult {
    base.memory.lastOrderId = order.id;
    const shipment = [order.carrier, order.trackingNumber].filter(Boolean).join(' ');
    const text = say('orderStatus', {
      orderId: order.id,
      status: orderStatusText(order.status, base.language),
      shipment: shipment ? (base.language === 'en' ? `, ${shipment}` : `，${shipment}`) : '',
    });
    return {
      ...base,
      action: 'answer',
      text,
      intent,
      articleId: article?.id ?? null,
      productId: order.productIds?.length === 1 ? order.productIds[0]! : null,
      orderId: order.id,
      confidence,
      lowConfidence: false,
      outOfScope: false,
      grounding: { articles: article ? [article] : [], product: null },
    };
  }

  /**
   * Within one intent, articles ranked again by how close the question is to each article's own
   * question variants in n-gram space (cosine over the classifier's features): BM25 over bigrams
   * misses "撤回" ≈ "取消", character trigrams and glosses don't.
   */
  function rerankByVariants(options: ArticleCandidate[], read: ReadText): ArticleCandidate[] {
    if (options.length <= 1) return options;
    const best = options[0]!.score || 1;
    return options
      .map((o) => ({
        ...o,
        score:
          (1 - VARIANT_SHARE) * (o.score / best) + VARIANT_SHARE * index.variantSimilarity(read, o.articleId),
      }))
      .sort((a, b) => b.score - a.score);
  }

  /** The intent the engine ranks first for a text (no memory, no policy): for evaluations. */
  function topIntent(text: string): string | null {
    return withinMessage(() => {
      const read = index.read(text);
      const ranking = rank(read, { productIds: read.products.map((p) => p.productId) });
      return publicIntent(ranking.intents[0]?.intentKey);
    });
  }

  return { answer, topIntent, index };
}

/** The article's phrasing for this channel (phone shorter, livestream chattier), else its answer. */
export function channelText(article: KnowledgeArticle, channel: string): string {
  return ownValue(article.channelAnswers, channel) ?? article.answer;
}

export type AnswerEngine = ReturnType<typeof createAnswerEngine>;
