import {
  type AnswerEngine,
  asksForHuman,
  type EngineResult,
  isGreeting,
  negativeSentiment,
  normalizeText,
  smallTalkKind,
} from '../knowledge';

/** What a livestream comment is, for the room. */
export type CommentKind = 'filler' | 'chat' | 'question' | 'escalation';

/** A question as the room groups it: one key per intent, article and product (or per text when not understood). */
export interface LiveQuestionInfo {
  key: string;
  label: string;
  intent: string | null;
  articleId: string | null;
  productId: string | null;
  productName: string | null;
  /** The livestream phrasing of the answer; null when the engine has no confident answer to broadcast. */
  answer: string | null;
}

export interface CommentReading {
  kind: CommentKind;
  question: LiveQuestionInfo | null;
  /** Why an escalation-worthy comment goes to an agent. */
  escalation: 'asks_for_human' | 'complaint' | 'order_problem' | null;
  intent: string | null;
}

/**
 * The engine's confidence a room answer needs. Higher than a 1:1 chat reply's bar: a wrong answer
 * broadcast with a thousand @-mentions costs more than no answer, and the host still sees the question.
 */
export const ROOM_ANSWER_CONFIDENCE = 0.5;
/** Without a question cue, a statement counts as a question only when the engine is this sure ("包邮", "尺码表"). */
const STATEMENT_QUESTION_CONFIDENCE = 0.8;

// General Chinese (and English) interrogative cues, read on the raw text: question marks, sentence
// particles, question words, "A不A" / "A没A" forms. Grammar, not any one shop's vocabulary.
const QUESTION_CUE =
  /[?？]|[吗嘛]|[么呢]\s*$|怎|如何|为什么|为啥|什么|啥|哪|几|多少|多久|多大|多高|多重|多长|多宽|谁|是否|能否|可否|有无|\b(?:how|what|when|where|which|why|can|do|does|is|are)\b/i;
const A_NOT_A = /(\p{Script=Han})[不没]\1/u;
const HAN = /\p{Script=Han}/gu;
// "这个多少钱": a demonstrative means the product being shown.
const DEICTIC = /这|那|此/;
// A chant: one short unit said again and again ("来了来了", "冲冲冲", "扣1扣1").
const CHANT = /^(.{1,4}?)\1+$/u;
// Whom a livestream comment addresses ("主播，…", "老板…"): said to the host, it carries no content
// of its own, and a knowledge base that mentions 主播 in its answers must not match on it.
const VOCATIVE = /^\s*(?:主播|播播|老板娘?|掌柜|店家|小姐姐|小哥哥|客服|亲)+[\s,，:：!！~～、]*/u;
// What normalising leaves that is still no content: combining marks, variation selectors, spaces.
const NO_CONTENT = /[\s\p{M}\p{Cf}]+/gu;

// A presence check asks nothing the shop can answer ("能听到吗", "anyone here?"): like a greeting, it is filler.
const PRESENCE =
  /能听到|听得到|听得见|听见吗|有声音吗|卡了吗|\banyone\b.{0,10}\b(?:here|there|around)\b|\bcan (?:you|u) hear\b/iu;
// What a question cue is made of. Once these are gone, what is left is what the comment asks about:
// nothing ("多少", "什么？", "啥") or one character ("是吗", "对吗", "哪个") asks about nothing.
const CUE_WORDS =
  /[?？吗嘛么呢啊呀吧]|怎么样|怎么|怎样|如何|为什么|为啥|什么|啥|哪里|哪儿|哪个|哪款|哪种|哪|几|多少|是不是|是否|\b(?:how|what|when|where|which|why|can|do|does|is|are|it|this|that)\b/giu;

export const hasQuestionCue = (raw: string) => QUESTION_CUE.test(raw) || A_NOT_A.test(raw);

export interface RoomContext {
  channel: string;
  /** The product being shown (first of the shelf), the default for "这个…". */
  shelfProductId: string | null;
}

const MAX_CACHED = 100_000;

/**
 * What the text alone says, before any engine or shelf: filler, or what is left to understand.
 * Filler is decided here for most comments (emoji, 666, greetings, chants), so a room's filler is
 * read once per distinct text — not again per engine, shelf product or channel.
 */
type TextReading =
  | { filler: true }
  | {
      filler: false;
      norm: string;
      /** The comment without the address to the host ("主播，…"). */
      said: string;
      /** What is left once emoji, punctuation and particles are gone (keys unanswerable questions). */
      content: string;
      hanCount: number;
      /** A question cue that asks about something (a cue around nothing is read as a statement). */
      cue: boolean;
    };

const FILLER_TEXT: TextReading = { filler: true };

/**
 * Reads livestream comments with the app's answer engine, the room's shelf product as context.
 * Livestream text repeats heavily, so readings are cached: what the text alone says (filler or
 * not) by raw text; what the engine makes of the rest per engine (a knowledge change brings a new
 * engine and a fresh cache) by room context (channel, shelf product) and raw text, then by normal
 * form and question cue, so near-identical texts share one engine call.
 *
 * Filler — comments that ask nothing — is told apart by general rules, not a word list: nothing
 * left once emoji, punctuation and particles are gone; only digits or a few Latin letters ("666",
 * "hhh"); a chant of one short unit; or at most one Han character ("扣1", "冲"), or two without a
 * question cue that the engine does not confidently understand ("来了" yes, "包邮" no).
 */
export function createCommentReader() {
  const byText = new Map<string, TextReading>();
  const perEngine = new WeakMap<
    AnswerEngine,
    {
      byContext: Map<string, Map<string, CommentReading>>;
      cachedInContexts: number;
      byNorm: Map<string, CommentReading>;
    }
  >();

  function readText(raw: string): TextReading {
    let reading = byText.get(raw);
    if (reading === undefined) {
      reading = readTextOnly(raw);
      if (byText.size >= MAX_CACHED) byText.clear();
      byText.set(raw, reading);
    }
    return reading;
  }

  return {
    read(engine: AnswerEngine, text: string, room: RoomContext): CommentReading {
      const pre = readText(text);
      if (pre.filler) return FILLER;
      let cache = perEngine.get(engine);
      if (!cache) {
        cache = { byContext: new Map(), cachedInContexts: 0, byNorm: new Map() };
        perEngine.set(engine, cache);
      }
      // Exact repeats in the same room context first (the common case), then near-identical texts
      // by their normal form.
      const contextKey = `${room.shelfProductId ?? ''}\u0001${room.channel}`;
      const seen = cache.byContext.get(contextKey)?.get(text);
      if (seen) return seen;
      const key = `${contextKey}\u0001${pre.cue ? 1 : 0}\u0001${pre.norm}`;
      let reading = cache.byNorm.get(key);
      if (!reading) {
        reading = readWithEngine(engine, pre, room);
        if (cache.byNorm.size >= MAX_CACHED) cache.byNorm.clear();
        cache.byNorm.set(key, reading);
      }
      if (cache.cachedInContexts >= MAX_CACHED) {
        cache.byContext.clear();
        cache.cachedInContexts = 0;
      }
      let inContext = cache.byContext.get(contextKey);
      if (!inContext) {
        inContext = new Map();
        cache.byContext.set(contextKey, inContext);
      }
      inContext.set(text, reading);
      cache.cachedInContexts++;
      return reading;
    },
  };
}

export type CommentReader = ReturnType<typeof createCommentReader>;

const FILLER: CommentReading = { kind: 'filler', question: null, escalation: null, intent: null };
const CHAT: CommentReading = { kind: 'chat', question: null, escalation: null, intent: null };

/** The text-only part of reading a comment: filler or not, with what the engine then needs. */
function readTextOnly(raw: string): TextReading {
  const norm = normalizeText(raw);
  let cue = hasQuestionCue(raw.normalize('NFKC').replace(VOCATIVE, ''));
  const core = norm.replace(NO_CONTENT, '');
  // What the comment says once the address to the host is set aside.
  const said = raw.replace(VOCATIVE, '');
  const content = said === raw ? core : normalizeText(said).replace(NO_CONTENT, '');
  if (content === '' || /^[0-9a-z]{1,6}$/.test(content)) return FILLER_TEXT;
  // Manners, not questions: a greeting or presence check ("主播晚上好", "在吗", "有人吗"), thanks,
  // goodbyes, an "ok". A shop's greeting intent would answer them, and a room answer would then
  // @-mention everyone who said hello.
  const saidNorm = said === raw ? norm : normalizeText(said);
  if (isGreeting(saidNorm) || smallTalkKind(saidNorm) !== null || PRESENCE.test(said)) return FILLER_TEXT;
  const unit = CHANT.exec(content)?.[1] ?? content;
  const hanCount = unit.match(HAN)?.length ?? 0;
  // A cue around (next to) nothing: "多少？", "是吗", "啥" react, they do not ask. Read as a statement.
  if (cue && !DEICTIC.test(norm)) {
    const substance = unit.replace(CUE_WORDS, '');
    if (substance.length === 0) return FILLER_TEXT;
    if ([...substance].length <= 1) cue = false;
  }
  if (hanCount <= 1 && !cue) return FILLER_TEXT;
  return { filler: false, norm, said, content, hanCount, cue };
}

function readWithEngine(
  engine: AnswerEngine,
  text: Extract<TextReading, { filler: false }>,
  room: RoomContext,
): CommentReading {
  const { norm, said, content, hanCount, cue } = text;
  const result = engine.answer({
    text: said,
    channel: room.channel,
    memory: room.shelfProductId ? { lastProductId: room.shelfProductId } : {},
  });

  const escalation = escalationOf(result, norm);
  if (escalation) return { kind: 'escalation', question: null, escalation, intent: result.intent };

  const understood =
    (result.action === 'answer' || result.action === 'clarify') &&
    !result.outOfScope &&
    result.confidence >= ROOM_ANSWER_CONFIDENCE;
  if (!cue) {
    if (understood && result.confidence >= STATEMENT_QUESTION_CONFIDENCE) {
      return {
        kind: 'question',
        question: questionOf(engine, result, room, norm),
        escalation: null,
        intent: result.intent,
      };
    }
    return hanCount <= 2 ? FILLER : CHAT;
  }
  if (understood) {
    return {
      kind: 'question',
      question: questionOf(engine, result, room, norm),
      escalation: null,
      intent: result.intent,
    };
  }
  // A question the knowledge base cannot answer: grouped by its words, so the host still sees it rise.
  const shelfProductId = DEICTIC.test(norm) ? room.shelfProductId : null;
  const product = shelfProductId ? engine.index.product(shelfProductId) : undefined;
  return {
    kind: 'question',
    question: {
      key: `?${content}|${shelfProductId ?? ''}`,
      label: product ? `${norm}（${product.name}）` : norm,
      intent: null,
      articleId: null,
      productId: shelfProductId,
      productName: product?.name ?? null,
      answer: null,
    },
    escalation: null,
    intent: null,
  };
}

function escalationOf(result: EngineResult, norm: string): CommentReading['escalation'] {
  if (asksForHuman(norm)) return 'asks_for_human';
  if (negativeSentiment(norm) > 0) return 'complaint';
  if (result.action === 'escalate' && result.confidence >= ROOM_ANSWER_CONFIDENCE) return 'complaint';
  // A return or exchange request, or an order number: one person's order, not a room question.
  if (result.action === 'ticket' || result.memory.lastOrderId) return 'order_problem';
  return null;
}

function questionOf(
  engine: AnswerEngine,
  result: EngineResult,
  room: RoomContext,
  words: string,
): LiveQuestionInfo {
  const article = result.grounding.articles[0] ?? null;
  // The product is part of the question only when the answer depends on it: an answer read from
  // the product (its shelf life, size chart, price) or an article written for products. "优惠券怎么领"
  // is one question whichever product is on the shelf; "这个保质期多久" is not.
  const productMatters = !article || article.productIds.length > 0;
  const productId = productMatters ? result.productId : null;
  const product = productId ? engine.index.product(productId) : undefined;
  const intentName = result.intent
    ? engine.index.kb.intents.find((i) => i.id === result.intent)?.name
    : undefined;
  // An engine's own intent has no name in the knowledge base: the asker's words say it best.
  const topic = article?.title ?? intentName ?? words;
  const label = product && !article?.productIds.includes(product.id) ? `${product.name} · ${topic}` : topic;
  let answer: string | null = null;
  if (result.action === 'answer' && !result.lowConfidence) {
    // The livestream phrasing: this channel's, else another livestream channel's, else the engine's text.
    answer =
      article?.channelAnswers[room.channel] ??
      Object.entries(article?.channelAnswers ?? {}).find(([channel]) => channel.endsWith('_live'))?.[1] ??
      result.text;
  }
  return {
    key: `${result.intent ?? '~'}|${article?.id ?? ''}|${productId ?? ''}`,
    label,
    intent: result.intent,
    articleId: article?.id ?? null,
    productId,
    productName: product?.name ?? null,
    answer,
  };
}
