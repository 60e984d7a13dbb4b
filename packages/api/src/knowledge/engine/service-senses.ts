import { askedIn, type KnowledgeArticle, withoutNames } from './knowledge-base';
import type { ReplyLanguage, SystemTextKey } from './reply-language';
import { MAY_USE, PREGNANCY_WORDS } from './retail-lexicon';
import { GIFT_MISSING } from './shopper-signals';

/**
 * Service matters the ranking confuses with a neighbour that shares its words: the fee for a
 * delivery with the fee for sending a return back ("衣服的运费怎么算" → 退货运费), a warranty with
 * price protection ("质保多久" → 价保), gifts with a purchase with a product's ingredients ("口红有
 * 赠品吗" → 成分, read from "有…吗"), a defect after use asked about as a return with the hygiene
 * exceptions ("洗了缩水了可以退吗" → 拆封/用过). Each sense says in which words it is asked, which
 * words make it the neighbour instead, and which of the shop's articles answer it (by their titles
 * and questions, so it holds for any shop's knowledge). After the engine has answered, an answer
 * that is not one of those articles is replaced: by the article that is, or — when the shop wrote
 * none — by what its articles say on the matter underneath (quality problems), or by "not in our
 * notes" with a person offered. Never a guess, never a neighbour.
 */
interface ServiceSense {
  id: string;
  /** Words asking about the matter (read on the glossed text, so English and pinyin count). */
  asked: RegExp;
  /** Words that make the message the neighbouring matter (a return's postage, authenticity). */
  neighbour?: RegExp;
  /**
   * The last matter's names that make a short follow-up asking what to do the neighbour
   * ("羊毛开衫怎么洗" → "起球了怎么办" asks how to deal with it, as care; "…就变形了" still reports it).
   */
  afterMatter?: RegExp;
  /** A second thing the message must ask (a return or exchange, for a defect). */
  needs?: RegExp;
  /** An article about the matter: its title or one of its questions says so. */
  covers: RegExp;
  /**
   * Its articles are guides across products ("孕期哺乳期能用哪些产品" lists four): one written for
   * several products speaks when no product is in question ("孕妇能用防晒吗" with two sunscreens).
   */
  guides?: true;
  /** …unless they are about the neighbouring matter ("退货运费谁承担"). */
  avoid?: RegExp;
  /** With no article of its own: the matter underneath, quoted from the articles' answers. */
  about?: { word: RegExp; zh: string; en: string };
  /** With nothing to quote: articles near the matter, offered as chips (coupons for gifts). */
  nearby?: RegExp;
  reply: 'senseNotListed' | 'senseQuoted' | 'senseDefect' | 'senseBroken';
  topic: { zh: string; en: string };
}

const QUALITY = { word: /质量问题/, zh: '质量问题', en: 'quality problems' };
/** An article on returning or exchanging for a quality problem, by its title or questions. */
const QUALITY_ARTICLE =
  /质量.{0,8}(?:退|换)|(?:退|换).{0,8}质量|\bquality\b.{0,20}\b(?:return|refund|exchange)/;
const RETURN_WORDS =
  /退|换|寄回|售后|\b(?:return|returns|returning|refund|exchange|send (?:it |them )?back)\b/;

/** A defect that shows after use: shrunk, pilling, seams, fading, mould. */
const DEFECT_WORDS =
  /缩水|缩了|缩小|变小了|洗小|起球|开线|脱线|开胶|脱胶|掉毛|勾丝|破洞|变形|掉色|褪色|串色|染色了|变质|发霉|霉了|结块|分层|异味|\bshr[ua]nk\b|\bshrinks?\b|\bshrinking\b|\bpill(?:ing|ed|s)?\b|\bfad(?:ed|ing)\b|\b(?:coming|came|fell|falling) apart\b|\bmou?ldy\b|\bwent off\b/;

const SENSES: ServiceSense[] = [
  {
    id: 'shipping-fee',
    asked:
      /运费|邮费|快递费|配送费|包邮|免邮|\b(?:shipping|delivery|postage) (?:fees?|costs?|charges?)\b|\bpostage\b|\bfree (?:shipping|delivery)\b|\bhow much (?:is|for|does) (?:shipping|delivery)\b/,
    // "退货运费谁出", "运费险", "换码要运费吗": the postage of a return or an exchange.
    neighbour:
      /退|换|寄回|运费险|售后|\b(?:return|returns|returning|refund|exchange|send (?:it |them )?back)\b/,
    covers: /运费|包邮|邮费|\b(?:shipping|delivery) (?:fee|cost)s?\b|\bpostage\b/,
    avoid: /退|换|运费险|\b(?:return|refund|exchange)\b/,
    reply: 'senseNotListed',
    topic: { zh: '运费', en: 'delivery fees' },
  },
  {
    id: 'warranty',
    asked:
      /质保|保修|保固|包修|保用|质量保证|质量保障|\bwarrant(?:y|ies)\b|\bquality guarantee\b|\bguarantee[ds]? (?:period|on|for)\b|\b(?:any|a|the) guarantee\b(?!(?: that)?(?: [\w']+){1,3} (?:won|will|would|is|isn|are|aren|be|can)\b)|\bcomes? with (?:a |any )?(?:guarantee|warranty)\b/,
    // "正品保障", "价保": authenticity and price protection are matters of their own.
    neighbour:
      /正品|假货|真假|真的假的|授权|价保|保价|差价|降价|\b(?:authentic|genuine|fake|counterfeit|price)\b/,
    covers: /质保|保修|保固|\bwarrant(?:y|ies)\b/,
    about: QUALITY,
    reply: 'senseQuoted',
    topic: { zh: '质保/保修', en: 'a warranty' },
  },
  {
    id: 'gift',
    asked:
      /赠品|赠送|送赠|小样|试用装|满赠|买.{0,4}送(?:什么|啥|吗|不|的|赠|小样|一|\d)|送(?:什么|啥)(?!人|时候)|有没有送(?!货|到|上门|达)|有(?:送|赠)(?:东西|礼|吗|的|不)|\bfree gifts?\b|\bgifts? with\b|\bfreebies?\b|\bfree samples?\b|\bsamples?\b|\bcomes? with (?:a |any )?(?:gift|freebie)s?\b/,
    // A gift to send back with a return, or one that did not come: the return and missing-item rules.
    neighbour: new RegExp(
      `退|换|寄回|没收到|没有收到|少了|漏发|少发|说好|\\b(?:return|refund|exchange|missing|never got)\\b|${GIFT_MISSING.source}`,
    ),
    covers: /赠品|赠送|小样|满赠|\bgifts?\b|\bfreebies?\b|\bsamples?\b/,
    nearby: /优惠|活动|满减|\bcoupons?\b|\bpromo/,
    reply: 'senseNotListed',
    topic: { zh: '赠品', en: 'free gifts' },
  },
  {
    id: 'defect-return',
    asked: DEFECT_WORDS,
    needs: RETURN_WORDS,
    covers: QUALITY_ARTICLE,
    about: QUALITY,
    reply: 'senseDefect',
    topic: { zh: '质量问题', en: 'quality problems' },
  },
  {
    // "衣服洗了一次就起球了", "my jeans shrank after one wash": the same defect reported, with no
    // return asked yet — still a quality matter for after-sales, never "which did you mean?". A
    // question whether it will happen, or how to deal with it, is care (the neighbour).
    id: 'defect-reported',
    asked: DEFECT_WORDS,
    needs: /了|\b(?:after|already|now|has|have|had|got|went|came|keeps?)\b/,
    neighbour:
      /会不会|会(?:缩水|起球|掉色|褪色|变形|开线)|容易|怎么(?:处理|去除?|弄掉|洗|保养|护理|预防|避免)|如何|\b(?:will|would|does it|do they|how (?:to|do|can|should))\b/,
    afterMatter: /洗|保养|护理|打理|\bcare\b|\bwash/,
    covers: QUALITY_ARTICLE,
    about: QUALITY,
    reply: 'senseDefect',
    topic: { zh: '质量问题', en: 'quality problems' },
  },
  {
    // "my bag strap snapped", "the cream jar cracked", "拉链坏了": a part that failed is reported,
    // not asked about — nothing to return is named, yet it is an after-sales matter, never a
    // product's facts or "what would you like to know?". Whether it *will* break is a question
    // about the product (the neighbour).
    id: 'broken-in-use',
    asked:
      /坏了|断了|裂了|漏了|破了|开裂|\bbroke\b(?! out)|\b(?:broken|snapped|cracked|torn|ripped|leaking|leaked|stopped working|came apart)\b/,
    neighbour: /会不会|容易|会(?:坏|断|裂|漏|破)|\b(?:will|would|easily|durable)\b/,
    covers: QUALITY_ARTICLE,
    about: QUALITY,
    reply: 'senseBroken',
    topic: { zh: '质量问题', en: 'quality problems' },
  },
  {
    // "孕妇可以用你们的精华吗", "nursing mom here, is the cleanser safe": whether it may be used in
    // pregnancy or while breastfeeding — the shop's article on it (when it speaks for the product),
    // never the product's ingredients as if they answered.
    id: 'pregnancy',
    asked: PREGNANCY_WORDS,
    needs: MAY_USE,
    // Clothes worn in pregnancy are a fit; a service asked by a pregnant shopper ("我是孕妇，快递能送上楼吗",
    // "孕妇能退货吗") is that service.
    neighbour:
      /穿|孕妇装|快递|物流|送货|送上|上楼|发货|运费|包邮|退|换货|尺码[^，,。]{0,6}换|换[^，,。]{0,3}(?:码|尺码)|发票|价保|订单|\b(?:wear|maternity (?:dress|clothes|wear|jeans)|deliver\w*|shipping|parcel|package|return\w*|refund\w*|exchange|order)\b/,
    covers: /孕|哺乳|\bpregnan|\bbreast ?feed/,
    guides: true,
    reply: 'senseNotListed',
    topic: { zh: '孕期、哺乳期能不能用', en: 'use in pregnancy or while breastfeeding' },
  },
];

const PREGNANCY_SENSE = SENSES.find((sense) => sense.id === 'pregnancy')!;
/** Who the shopper is, in so many words ("我是孕妇，", "怀孕了", "孕妇"). */
const PREGNANCY_SAID =
  /(?:我是|我在|我)?(?:孕妇|怀孕了?|孕期|孕中期|孕晚期|孕早期|哺乳期|备孕)(?:的话|中|期间)?[，,]?|\b(?:i'?m|i am|we'?re|we are|as a) (?:currently |now )?(?:pregnant|breast ?feeding|nursing(?: mom| mum| mother)?)\b[,.]?/g;

/**
 * "孕妇能退货吗", "我是孕妇，快递能送上楼吗": a pregnant shopper asking a service, answered with the
 * shop's pregnancy article — the message without who they are, to be read again; null when the
 * answer stands (no such article, no pregnancy said, or no service asked).
 */
export function serviceAskedInPregnancy(said: string, article: KnowledgeArticle | undefined): string | null {
  // Any first reading: the pregnancy words may also have pulled it to a neighbouring service
  // ("i'm pregnant, can I return it within 7 days" → return shipping fees).
  if (!article) return null;
  if (!PREGNANCY_SENSE.asked.test(said) || !PREGNANCY_SENSE.neighbour!.test(said)) return null;
  const rest = said.replace(PREGNANCY_SAID, ' ').trim();
  return rest && rest !== said ? rest : null;
}

/** What replaces an answer to a service matter that is not about it. */
export type SenseFix =
  | { kind: 'article'; article: KnowledgeArticle }
  | {
      kind: 'reply';
      action: 'answer' | 'clarify';
      text: string;
      intent: string | null;
      confidence: number;
      lowConfidence: boolean;
      quickReplies: string[];
      articles: KnowledgeArticle[];
    };

export interface SenseContext {
  /**
   * What the shopper wrote, normalised (pinyin-only text: with the words it spells). A sense is
   * asked only in the shopper's own words: the gloss also hears same-sounding misspellings, and
   * "托特包有…" must not become a question about 包邮.
   */
  said: string;
  /** The glossed text (normalised, with the shop's terms beside English and pinyin). */
  normalized: string;
  language: ReplyLanguage;
  /** The product in question: articles written for other products do not speak for it. */
  productId: string | null;
  /**
   * Its name and aliases: a sense's word inside them asks nothing ("孕妇防晒适合干皮吗" names the
   * sunscreen, it does not ask about pregnancy), and an article whose answer names the product
   * speaks for it ("…烟酰胺精华建议先咨询医生").
   */
  productNames?: string[];
  articles: Iterable<KnowledgeArticle>;
  say: (key: SystemTextKey, slots?: Record<string, string | number>) => string;
  /**
   * The matter a short follow-up continues (the last reading's name, "退货退款"): its words make
   * the message the neighbour as the message's own would ("我想退货" → "运费谁出" is a return's
   * postage).
   */
  matter?: string;
}

const WHAT_TO_DO = /怎么办|咋办|怎么弄|\bwhat (?:do|should|can) i do\b/;

/** The service matter a message asks about, with the word that asked it, or null. */
function askedSense(
  said: string,
  normalized: string,
  matter = '',
): { sense: ServiceSense; word: string } | null {
  for (const sense of SENSES) {
    const word = said.match(sense.asked)?.[0];
    if (!word) continue;
    if (sense.neighbour?.test(normalized) || (matter && sense.neighbour?.test(matter))) continue;
    if (matter && sense.afterMatter?.test(matter) && WHAT_TO_DO.test(normalized)) continue;
    if (sense.needs && !sense.needs.test(normalized)) continue;
    return { sense, word };
  }
  return null;
}

/** Whether an article is about the sense, by its title and questions. */
function covers(sense: ServiceSense, article: KnowledgeArticle): boolean {
  const words = askedIn(article);
  return sense.covers.test(words) && !sense.avoid?.test(words);
}

/**
 * General articles, those written for the product in question, and those whose answer names it (by
 * a name of three characters or more: "面膜" alone names every mask).
 */
const speaksFor = (article: KnowledgeArticle, productId: string | null, names: string[] = []) =>
  article.productIds.length === 0 ||
  (!!productId &&
    (article.productIds.includes(productId) ||
      names.some((name) => name.length >= 3 && article.answer.includes(name))));

/** Sentences of the articles' answers on the matter underneath, each with its article's title. */
function quotes(
  about: NonNullable<ServiceSense['about']>,
  articles: KnowledgeArticle[],
): { article: KnowledgeArticle; text: string }[] {
  const found: { article: KnowledgeArticle; text: string }[] = [];
  for (const article of articles) {
    const sentence = article.answer
      .split(/[。；;！!\n]/)
      .map((s) => s.trim().replace(/^(?:但是?|不过|另外|此外)?(?:如果是|如果|若是?)?/, ''))
      .find((s) => about.word.test(s));
    if (sentence) found.push({ article, text: `「${article.title}」：${sentence}` });
    if (found.length === 2) break;
  }
  return found;
}

/**
 * Goods said not to be opened, used or worn ("还没拆封", "没用过的口红", "unopened", "never worn"):
 * the hygiene exceptions (opened cosmetics, unsealed food) are not what stands between them and a
 * return; the shop's general return rule is.
 */
const NOT_OPENED =
  /(?:未|没有?|还没有?|尚未|都没有?|从没有?|一次都没)(?:拆封|拆开|拆过|拆|开封|开过|开罐|开袋|用过|使用过?|穿过|试穿过|洗过|吃过)|全新未|\b(?:unopened|unused|unworn|still sealed|(?:brand )?new in (?:the )?box|never (?:been )?(?:opened|used|worn|wore)|(?:have|has|had|did|do|does) ?(?:n[o'’]?t|n t) (?:open|opened|use|used|wear|worn)|not (?:been )?(?:opened|used|worn))\b/;
/** …yet opened or used after all ("没拆封，但是试用了一下"): then the exceptions may apply. */
const BUT = /但|不过|可是|\bbut\b/;
/** What a return's other articles answer: its postage, how to send it, where, when the money comes. */
const RETURN_OTHER_MATTER =
  /运费|邮费|快递费|怎么退|如何退|怎么申请|流程|寄到|地址|上门|取件|多久|到账|几天到|退款.{0,3}(?:到|回)|\b(?:postage|shipping|fees?|cost|how (?:do|can|to|long)|where|address|pick ?up|when)\b/;
/** An article on what may not be returned once opened or used, by its title and questions. */
const OPENED_EXCEPTIONS = /拆封|开封|用过|打开|开罐|开袋|\bopened\b|\bused\b/;
/** An article on the general return rule (so many days, no reason needed). */
const RETURN_RULE = /无理由|\b(?:no[- ]reason|return policy|days to return)\b/;
const RETURN_ASKED = /退|\b(?:return|returns|returning|refund|send (?:it |them )?back)\b/;

/**
 * "还没拆封的面霜可以退吗", "unopened, can I still return it?": goods not opened, asked about as a
 * return, answered with the exceptions for opened goods (or another return article the message
 * does not ask about) → the shop's general return rule, when it wrote one. Null otherwise.
 */
function notOpenedReturnFix(
  ctx: SenseContext,
  result: { action: string; articleId: string | null },
): SenseFix | null {
  if (result.action !== 'answer' && result.action !== 'clarify') return null;
  const text = ctx.normalized;
  if (!NOT_OPENED.test(text) || !RETURN_ASKED.test(text) || BUT.test(text)) return null;
  const all = [...ctx.articles].filter((a) => speaksFor(a, ctx.productId));
  const current = result.articleId ? all.find((a) => a.id === result.articleId) : undefined;
  const aboutExceptions = !!current && OPENED_EXCEPTIONS.test(askedIn(current));
  // Another return article stands when the message asks its matter ("没拆封的退货运费谁出").
  if (!aboutExceptions && RETURN_OTHER_MATTER.test(text)) return null;
  // Goods the shop wrote a return article of their own for (cross-border goods: not 7-day
  // returnable at all) are answered by it, opened or not: the general rule would be a wrong fact.
  const productId = ctx.productId;
  const own = productId
    ? all.find(
        (a) =>
          a.productIds.includes(productId) &&
          RETURN_ASKED.test(askedIn(a)) &&
          !OPENED_EXCEPTIONS.test(askedIn(a)),
      )
    : undefined;
  const rule = own ?? all.find((a) => RETURN_RULE.test(askedIn(a)) && !OPENED_EXCEPTIONS.test(askedIn(a)));
  if (!rule || rule.id === current?.id) return null;
  return { kind: 'article', article: rule };
}

/**
 * The fix for an answer to a service matter that is not about it, or null when the answer stands
 * (the message asks no such matter, or the article answering it is about it). Tickets, hand-overs
 * and small talk are never touched: only answers, clarifications and declines.
 */
export function serviceSenseFix(
  ctx: SenseContext,
  result: { action: string; articleId: string | null; intent: string | null; attribute?: string },
): SenseFix | null {
  if (!['answer', 'clarify', 'decline'].includes(result.action)) return null;
  // "有卖墨镜的吗 包邮不": whether the shop carries something (no fact read) answers the first
  // question; the engine's splitter answers the second.
  if (result.action === 'answer' && result.intent === 'product_info' && !result.attribute) return null;
  const notOpened = notOpenedReturnFix(ctx, result);
  if (notOpened) return notOpened;
  const found = askedSense(
    withoutNames(ctx.said, ctx.productNames ?? []),
    ctx.normalized,
    ctx.matter?.toLowerCase(),
  );
  if (!found) return null;
  const { sense, word } = found;
  const all = [...ctx.articles].filter(
    (a) =>
      speaksFor(a, ctx.productId, ctx.productNames) ||
      (!!sense.guides && !ctx.productId && a.productIds.length > 1),
  );
  const current = result.articleId ? all.find((a) => a.id === result.articleId) : undefined;
  if (current && covers(sense, current)) return null;
  const own = all.filter((a) => covers(sense, a));
  if (own.length > 0) {
    // The one sharing most of the message's characters ("满多少包邮" → the free-shipping threshold).
    const shared = (a: KnowledgeArticle) =>
      [...new Set(ctx.normalized)].filter((c) => askedIn(a).includes(c)).length;
    const best = own.reduce((a, b) => (shared(b) > shared(a) ? b : a));
    return { kind: 'article', article: best };
  }
  const en = ctx.language === 'en';
  const person = ctx.say('optionHuman');
  const said = sense.about ? quotes(sense.about, all) : [];
  if (sense.about && said.length > 0) {
    const topic = sense.reply === 'senseDefect' ? (en ? 'this' : word) : en ? sense.topic.en : sense.topic.zh;
    return {
      kind: 'reply',
      action: 'answer',
      text: ctx.say(sense.reply, {
        topic,
        about: en ? sense.about.en : sense.about.zh,
        quotes: said.map((q) => q.text).join('；'),
      }),
      intent: said[0]!.article.intent,
      confidence: 0.5,
      lowConfidence: false,
      quickReplies: [person],
      articles: said.map((q) => q.article),
    };
  }
  const near = sense.nearby ? all.filter((a) => sense.nearby!.test(askedIn(a))).slice(0, 2) : [];
  return {
    kind: 'reply',
    action: 'clarify',
    text: ctx.say('senseNotListed', { topic: en ? sense.topic.en : sense.topic.zh }),
    intent: null,
    confidence: 0.1,
    lowConfidence: true,
    quickReplies: [person, ...near.map((a) => a.title)],
    articles: [],
  };
}
