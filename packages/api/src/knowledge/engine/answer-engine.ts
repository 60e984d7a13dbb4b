import { ownValue } from '../../platform/own-property';
import { type ArticleCandidate, classify } from './intent-classifier';
import type { KnowledgeArticle, KnowledgeIntent, KnowledgeProduct } from './knowledge-base';
import { type KnowledgeIndex, OFF_TOPIC } from './knowledge-index';
import {
  asksForHuman,
  extractOrderId,
  extractReason,
  extractWantedSize,
  isActionRequest,
  isGreeting,
  isProductMention,
  mentionsOffDomainTopic,
  negativeSentiment,
  skinTypeOf,
} from './shopper-signals';

/** What the bot remembers across turns and channels (stored in `conversations.context`). */
export interface ConversationMemory {
  lastProductId?: string;
  lastOrderId?: string;
  lastIntent?: string;
  /** An intent waiting for the shopper to say which product ("which one?"). */
  pendingIntent?: string;
  lowConfidenceStreak?: number;
  intents?: string[];
  productIds?: string[];
  orderIds?: string[];
  answeredArticleIds?: string[];
  [key: string]: unknown;
}

/** Profile facts that make answers personal. */
export interface ShopperProfile {
  attributes: Record<string, unknown>;
  /** SKUs / product ids in the cart. */
  cartProductIds: string[];
}

export interface EngineInput {
  text: string;
  channel: string;
  memory?: ConversationMemory;
  profile?: ShopperProfile;
  /** What to do with questions outside the shop's business. */
  outOfScope?: 'decline' | 'human';
}

export type EngineAction = 'answer' | 'clarify' | 'escalate' | 'ticket' | 'decline';

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
  /** The reply text (for tickets, the part after the ticket confirmation). */
  text: string;
  intent: string | null;
  articleId: string | null;
  productId: string | null;
  confidence: number;
  lowConfidence: boolean;
  outOfScope: boolean;
  ticket?: TicketDraft;
  memory: ConversationMemory;
  /** What the answer rests on, for an LLM to phrase and for the meta. */
  grounding: { articles: KnowledgeArticle[]; product: KnowledgeProduct | null; attribute?: string };
  /** Best guesses kept when the engine did not answer, for the learning loop. */
  nearest: { intent: string | null; articleId: string | null };
}

export interface EngineThresholds {
  /** Below this the question is treated as outside the shop's business. */
  outOfScope: number;
  /** Below this an answer is sent with a hedge and counted as low confidence. */
  confident: number;
}

const DEFAULT_THRESHOLDS: EngineThresholds = { outOfScope: 0.05, confident: 0.2 };

const ATTRIBUTE_LABELS: Record<string, string> = {
  shelfLife: '保质期',
  ingredients: '成分',
  allergenNotes: '过敏提示',
  sizeChart: '尺码参考',
  sizes: '尺码',
  care: '洗涤保养',
  material: '材质',
  suitableSkin: '适合肤质',
  volume: '规格',
  origin: '产地',
};
// Facts worth adding when one attribute is asked for.
const RELATED_ATTRIBUTES: Record<string, string[]> = {
  ingredients: ['allergenNotes'],
  sizeChart: [],
  care: ['material'],
};

const formatValue = (value: unknown) =>
  Array.isArray(value) ? value.join('、') : typeof value === 'object' ? JSON.stringify(value) : String(value);

const isArticleIntent = (key: string | null | undefined) => !!key && key.startsWith('~') && key !== OFF_TOPIC;
const publicIntent = (key: string | null | undefined) => (key && !key.startsWith('~') ? key : null);

/**
 * The embedded answer engine: reads a shopper message with the conversation's memory and the
 * shopper's profile and decides — answer (article or product fact), ask which product, open a
 * ticket, hand to a human, or decline. Pure and synchronous: no I/O, so it runs in microseconds
 * and the same decision backs HTTP, tests and the benchmark.
 */
export function createAnswerEngine(index: KnowledgeIndex, thresholds: Partial<EngineThresholds> = {}) {
  const limits = { ...DEFAULT_THRESHOLDS, ...thresholds };

  // Intents whose articles are mostly about one product: follow-ups there inherit the last product.
  const productCentric = new Set<string>();
  for (const intent of index.kb.intents) {
    const own = index.kb.articles.filter((a) => a.intent === intent.id);
    const linked = own.filter((a) => a.productIds.length > 0).length;
    if (intent.answerFrom || (own.length > 0 && linked / own.length > 0.5)) productCentric.add(intent.id);
  }
  const humanIntents = index.kb.intents.filter((i) => i.policy === 'human');
  // The human-policy intent an explicit "转人工" belongs to: the one whose examples ask for a human most.
  const handoffIntent =
    humanIntents
      .map((i) => ({ i, n: i.examples.filter((e) => asksForHuman(index.read(e).normalized)).length }))
      .sort((a, b) => b.n - a.n)
      .find((x) => x.n > 0)?.i ?? null;
  // Likewise the intent bare greetings belong to.
  const greetingIntent =
    index.kb.intents
      .map((i) => ({ i, n: i.examples.filter((e) => isGreeting(index.read(e).normalized)).length }))
      .sort((a, b) => b.n - a.n)
      .find((x) => x.n >= 2)?.i ?? null;

  function answer(input: EngineInput): EngineResult {
    const memory: ConversationMemory = { ...(input.memory ?? {}) };
    const read = index.read(input.text);
    const orderId = extractOrderId(input.text);
    const named = read.products.filter((p) => p.score >= (read.products[0]?.score ?? 0));
    const namedProductId = named.length === 1 ? named[0]!.productId : null;
    if (orderId) {
      memory.lastOrderId = orderId;
      memory.orderIds = [...new Set([...(memory.orderIds ?? []), orderId])].slice(-10);
    }
    if (namedProductId) {
      memory.lastProductId = namedProductId;
      memory.productIds = [...new Set([...(memory.productIds ?? []), namedProductId])].slice(-10);
    }
    const base = {
      memory,
      grounding: { articles: [] as KnowledgeArticle[], product: index.product(namedProductId) ?? null },
      nearest: { intent: null as string | null, articleId: null as string | null },
    };

    if (asksForHuman(read.normalized)) {
      return escalate(base, handoffIntent, 1, '好的，正在为您转接人工客服，请稍等～');
    }

    const contextProductId = memory.lastProductId ?? null;
    const classification = classify(index, read.tokens, {
      channel: input.channel,
      productIds: read.products.map((p) => p.productId),
      contextProductIds: contextProductId ? [contextProductId] : [],
      negative: negativeSentiment(read.normalized),
    });
    let top = classification.intents[0];
    if (greetingIntent && isGreeting(read.normalized)) {
      top = { intentKey: greetingIntent.id, score: 1, coverage: 1, exampleCoverage: 1 };
    }
    const runnerUp = classification.intents[1];
    const margin = top ? top.score - (runnerUp?.score ?? 0) : 0;
    // How much of the message the best reading explains, discounted when a rival reading is close.
    let confidence = top ? Math.min(1, top.coverage * (0.6 + 0.4 * Math.min(1, margin / 0.3))) : 0;
    base.nearest = {
      intent: publicIntent(top?.intentKey),
      articleId: classification.articles.find((a) => a.intentKey === top?.intentKey)?.articleId ?? null,
    };

    // "那清透的呢" after "which product?": the product completes the earlier question.
    if (memory.pendingIntent && namedProductId && (!top || confidence < limits.confident)) {
      top = { intentKey: memory.pendingIntent, score: 1, coverage: 1, exampleCoverage: 1 };
      confidence = Math.max(confidence, limits.confident);
    }
    memory.pendingIntent = undefined;

    const offTopic =
      !top ||
      (read.products.length === 0 &&
        !orderId &&
        (top.intentKey === OFF_TOPIC ||
          confidence < limits.outOfScope ||
          (mentionsOffDomainTopic(read.normalized) && confidence < 0.75)));
    if (offTopic) {
      memory.lowConfidenceStreak = 0;
      if (input.outOfScope === 'human') {
        return {
          ...escalate(base, null, confidence, '这个问题我帮不上忙，已为您转接人工客服～'),
          outOfScope: true,
        };
      }
      return {
        ...base,
        action: 'decline',
        text: '抱歉，这个问题超出了我能帮忙的范围～商品、订单、物流、售后的问题都可以问我，需要人工时说「转人工」。',
        intent: null,
        articleId: null,
        productId: null,
        confidence,
        lowConfidence: true,
        outOfScope: true,
      };
    }

    // "你们那个气垫我想了解一下": a product and no clear question — ask what they want to know.
    if (
      namedProductId &&
      (confidence < 0.45 || top?.intentKey === greetingIntent?.id) &&
      isProductMention(read.normalized, input.text)
    ) {
      memory.lowConfidenceStreak = 0;
      const product = index.product(namedProductId)!;
      const topics = Object.keys(product.attributes)
        .map((key) => ownValue(ATTRIBUTE_LABELS, key))
        .filter(Boolean)
        .slice(0, 4);
      return {
        ...base,
        action: 'clarify',
        text: `好的，您说的是「${product.name}」～想了解它的哪方面呢？${topics.length ? `比如${topics.join('、')}。` : ''}`,
        intent: null,
        articleId: null,
        productId: product.id,
        confidence,
        lowConfidence: false,
        outOfScope: false,
        grounding: { articles: [], product },
      };
    }

    const intentKey = top!.intentKey;
    const intent = index.intent(intentKey);
    const lowConfidence = confidence < limits.confident;
    memory.lowConfidenceStreak = lowConfidence ? (memory.lowConfidenceStreak ?? 0) + 1 : 0;
    const intentName = publicIntent(intentKey);
    if (intentName) {
      memory.lastIntent = intentName;
      memory.intents = [...new Set([...(memory.intents ?? []), intentName])].slice(-10);
    }

    if (intent?.policy === 'human') {
      const text =
        negativeSentiment(read.normalized) > 0
          ? '非常抱歉给您带来不好的体验，已为您转接人工客服，马上为您处理。'
          : '好的，正在为您转接人工客服，请稍等～';
      return escalate(base, intent, confidence, text);
    }
    if (lowConfidence && (memory.lowConfidenceStreak ?? 0) >= 2) {
      return escalate(
        base,
        intent ?? null,
        confidence,
        '抱歉，我可能没理解您的问题，已为您转接人工客服，请稍等～',
      );
    }

    const productId = namedProductId ?? (intent && productCentric.has(intent.id) ? contextProductId : null);
    const product = index.product(productId) ?? null;
    const articleOptions = classification.articles.filter((a) => a.intentKey === intentKey);
    const article = pickArticle(articleOptions, namedProductId, productId, input.profile, read.normalized);
    const hedge =
      lowConfidence && article
        ? `不太确定我理解得对不对，您是想问「${index.articles.get(article.articleId)?.title}」吗？`
        : '';

    if (intent?.policy === 'ticket' && isActionRequest(read.normalized, input.text)) {
      const ticket: TicketDraft = {
        type: intent.ticketType ?? intent.id,
        intent: intent.id,
        orderId: orderId ?? memory.lastOrderId ?? null,
        productId: namedProductId ?? contextProductId,
        reason: extractReason(read.normalized),
        wantedSize: extractWantedSize(read.normalized),
      };
      const strongArticle =
        article && article.coverage >= limits.outOfScope ? index.articles.get(article.articleId) : undefined;
      return {
        ...base,
        action: 'ticket',
        text: strongArticle ? channelText(strongArticle, input.channel) : '',
        intent: intent.id,
        articleId: strongArticle?.id ?? null,
        productId: ticket.productId,
        confidence,
        lowConfidence,
        outOfScope: false,
        ticket,
        grounding: {
          articles: strongArticle ? [strongArticle] : [],
          product: index.product(ticket.productId) ?? null,
        },
      };
    }

    // Product-fact intents answer from the product's attribute — unless an article written for
    // that very product fits, which the merchant wrote to be the better answer.
    const attribute = intent?.answerFrom?.productAttribute;
    if (attribute) {
      const productArticle =
        article && productId && index.articles.get(article.articleId)?.productIds.includes(productId);
      if (product && !productArticle && ownValue(product.attributes, attribute) !== undefined) {
        const related = (RELATED_ATTRIBUTES[attribute] ?? [])
          .filter((key) => ownValue(product.attributes, key) !== undefined)
          .map(
            (key) =>
              `${ownValue(ATTRIBUTE_LABELS, key) ?? key}：${formatValue(ownValue(product.attributes, key))}`,
          );
        const text = [
          `${product.name}的${ownValue(ATTRIBUTE_LABELS, attribute) ?? attribute}：${formatValue(ownValue(product.attributes, attribute))}`,
          ...related,
        ].join('；');
        return {
          ...base,
          action: 'answer',
          text: `${text}。`.replace(/。。$/, '。'),
          intent: intentName,
          articleId: null,
          productId: product.id,
          confidence,
          lowConfidence,
          outOfScope: false,
          grounding: { articles: [], product, attribute },
        };
      }
      // No product to read from: a general article if it fits the words as well as the intent's
      // own examples do ("胸围要量哪里"), otherwise ask which product ("保质期多久").
      if (!product && (!article || article.coverage < 0.8 * top!.exampleCoverage)) {
        memory.pendingIntent = intent!.id;
        const examples = index.kb.products
          .filter((p) => ownValue(p.attributes, attribute) !== undefined)
          .slice(0, 3)
          .map((p) => p.aliases[0] ?? p.name);
        return {
          ...base,
          action: 'clarify',
          text: `请问您问的是哪款商品呢？${examples.length ? `比如${examples.join('、')}，` : ''}告诉我商品名就能帮您查${ATTRIBUTE_LABELS[attribute] ?? ''}。`,
          intent: intentName,
          articleId: null,
          productId: null,
          confidence,
          lowConfidence,
          outOfScope: false,
        };
      }
    }

    if (!article) {
      memory.pendingIntent = undefined;
      return {
        ...base,
        action: 'clarify',
        text: '能再具体说说吗？比如商品名称或订单号，我好帮您查。',
        intent: intentName,
        articleId: null,
        productId,
        confidence,
        lowConfidence: true,
        outOfScope: false,
      };
    }
    const chosen = index.articles.get(article.articleId)!;
    memory.answeredArticleIds = [...new Set([...(memory.answeredArticleIds ?? []), chosen.id])].slice(-10);
    const personal = personalNote(chosen, input.profile);
    return {
      ...base,
      action: 'answer',
      text: `${hedge}${channelText(chosen, input.channel)}${personal}`,
      intent: isArticleIntent(intentKey) ? null : intentName,
      articleId: chosen.id,
      productId: productId ?? (chosen.productIds.length === 1 ? chosen.productIds[0]! : null),
      confidence,
      lowConfidence,
      outOfScope: false,
      grounding: { articles: [chosen], product },
    };
  }

  function escalate(
    base: Pick<EngineResult, 'memory' | 'grounding' | 'nearest'>,
    intent: KnowledgeIntent | null,
    confidence: number,
    text: string,
  ): EngineResult {
    base.memory.lowConfidenceStreak = 0;
    if (intent) base.memory.lastIntent = intent.id;
    return {
      ...base,
      action: 'escalate',
      text,
      intent: intent?.id ?? null,
      articleId: null,
      productId: base.grounding.product?.id ?? null,
      confidence,
      lowConfidence: false,
      outOfScope: false,
    };
  }

  function pickArticle(
    options: ArticleCandidate[],
    namedProductId: string | null,
    productId: string | null,
    profile: ShopperProfile | undefined,
    normalized: string,
  ): ArticleCandidate | undefined {
    if (productId) {
      // An article written for other products is not about this one ("纸尿裤漏尿" for a serum question).
      const relevant = options.filter((o) => {
        const linked = index.articles.get(o.articleId)!.productIds;
        return linked.length === 0 || linked.includes(productId);
      });
      if (relevant.length > 0) options = relevant;
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

  return { answer, index };
}

/** The article's phrasing for this channel (phone shorter, livestream chattier), else its answer. */
export function channelText(article: KnowledgeArticle, channel: string): string {
  return ownValue(article.channelAnswers, channel) ?? article.answer;
}

export type AnswerEngine = ReturnType<typeof createAnswerEngine>;
