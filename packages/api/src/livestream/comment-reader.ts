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
 * Reads livestream comments with the app's answer engine, the room's shelf product as context.
 * Livestream text repeats heavily, so readings are cached per engine (a knowledge change brings a
 * new engine and a fresh cache) by normalised text, question cue and shelf product.
 *
 * Filler — comments that ask nothing — is told apart by general rules, not a word list: nothing
 * left once emoji, punctuation and particles are gone; only digits or a few Latin letters ("666",
 * "hhh"); a chant of one short unit; or at most one Han character ("扣1", "冲"), or two without a
 * question cue that the engine does not confidently understand ("来了" yes, "包邮" no).
 */
export function createCommentReader() {
  const perEngine = new WeakMap<
    AnswerEngine,
    { byText: Map<string, CommentReading>; byRaw: Map<string, CommentReading> }
  >();
  const normalized = new Map<string, string>();

  function normalize(raw: string): string {
    let value = normalized.get(raw);
    if (value === undefined) {
      value = normalizeText(raw);
      if (normalized.size >= MAX_CACHED) normalized.clear();
      normalized.set(raw, value);
    }
    return value;
  }

  return {
    read(engine: AnswerEngine, text: string, room: RoomContext): CommentReading {
      let cache = perEngine.get(engine);
      if (!cache) {
        cache = { byText: new Map(), byRaw: new Map() };
        perEngine.set(engine, cache);
      }
      // Exact repeats first (the common case in a room), then near-identical texts by their normal form.
      const rawKey = `${room.shelfProductId ?? ''}\u0001${room.channel}\u0001${text}`;
      const seen = cache.byRaw.get(rawKey);
      if (seen) return seen;
      const norm = normalize(text);
      const cue = hasQuestionCue(text.normalize('NFKC').replace(VOCATIVE, ''));
      const key = `${room.shelfProductId ?? ''}\u0001${cue ? 1 : 0}\u0001${room.channel}\u0001${norm}`;
      let reading = cache.byText.get(key);
      if (!reading) {
        reading = readComment(engine, text, norm, cue, room);
        if (cache.byText.size >= MAX_CACHED) cache.byText.clear();
        cache.byText.set(key, reading);
      }
      if (cache.byRaw.size >= MAX_CACHED) cache.byRaw.clear();
      cache.byRaw.set(rawKey, reading);
      return reading;
    },
  };
}

export type CommentReader = ReturnType<typeof createCommentReader>;

const FILLER: CommentReading = { kind: 'filler', question: null, escalation: null, intent: null };
const CHAT: CommentReading = { kind: 'chat', question: null, escalation: null, intent: null };

function readComment(
  engine: AnswerEngine,
  raw: string,
  norm: string,
  cueSeen: boolean,
  room: RoomContext,
): CommentReading {
  let cue = cueSeen;
  const core = norm.replace(NO_CONTENT, '');
  // What the comment says once the address to the host is set aside.
  const said = raw.replace(VOCATIVE, '');
  const content = said === raw ? core : normalizeText(said).replace(NO_CONTENT, '');
  if (content === '' || /^[0-9a-z]{1,6}$/.test(content)) return FILLER;
  // Manners, not questions: a greeting or presence check ("主播晚上好", "在吗", "有人吗"), thanks,
  // goodbyes, an "ok". A shop's greeting intent would answer them, and a room answer would then
  // @-mention everyone who said hello.
  const saidNorm = said === raw ? norm : normalizeText(said);
  if (isGreeting(saidNorm) || smallTalkKind(saidNorm) !== null || PRESENCE.test(said)) return FILLER;
  const unit = CHANT.exec(content)?.[1] ?? content;
  const hanCount = unit.match(HAN)?.length ?? 0;
  // A cue around (next to) nothing: "多少？", "是吗", "啥" react, they do not ask. Read as a statement.
  if (cue && !DEICTIC.test(norm)) {
    const substance = unit.replace(CUE_WORDS, '');
    if (substance.length === 0) return FILLER;
    if ([...substance].length <= 1) cue = false;
  }
  if (hanCount <= 1 && !cue) return FILLER;

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
