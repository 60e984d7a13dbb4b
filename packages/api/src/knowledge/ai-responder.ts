import { desc, eq } from 'drizzle-orm';
import type { BotReply, ReplyInput, Responder, ResponderDecision } from '../conversations';
import type { Db } from '../db/database';
import { messages } from '../db/schema';
import { getCustomer, openAllForCustomers } from '../identity';
import { recordUnanswered, recordUnansweredIn } from '../insights';
import type { ServiceDeps } from '../platform/deps';
import { ownValue } from '../platform/own-property';
import { createSortableId } from '../platform/secrets';
import { currentCart, recentOrdersOf } from '../profile';
import { appendEvent } from '../realtime';
import { openOrUpdateTicket } from '../tickets';
import type { ConversationMemory, EngineResult, ShopperProfile } from './engine/answer-engine';
import { createEngineRegistry, type EngineRegistry } from './engine/engine-registry';
import { type LlmOptions, writeWithLlm } from './engine/llm-writer';
import { replyLanguageOf, systemText } from './engine/reply-language';
import { asksForHuman, isGreeting } from './engine/shopper-signals';
import { normalizeText } from './engine/text-normalizer';

export interface AiResponderOptions {
  /** LLM mode; without it answers come from the embedded engine alone. */
  llm?: LlmOptions | null;
  /** Questions outside the shop's business: decline politely (default) or queue for a human. */
  outOfScope?: 'decline' | 'human';
  /** Shared engines (tests and the bench build one registry for several responders). */
  engines?: EngineRegistry;
}

type Deps = Pick<ServiceDeps, 'database' | 'clock' | 'bus' | 'logger' | 'sealer' | 'config'>;

const HISTORY_TURNS = 8;
/** Orders the bot looks at: the latest few are what shoppers ask about. */
const PROFILE_ORDERS = 5;
// Coalesce streamed tokens into a few events a second rather than one row per token.
const DELTA_FLUSH_MS = 60;

/** Profile facts for personal answers: attributes (skin type…), the cart and recent orders. */
async function readProfile(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  db: Db,
  customerId: string,
  attributes: Record<string, unknown>,
): Promise<ShopperProfile> {
  const [cart, orders] = await Promise.all([
    currentCart(deps, db, customerId),
    recentOrdersOf(deps, db, customerId, PROFILE_ORDERS),
  ]);
  return {
    attributes,
    cartProductIds: cart.map((line) => String(line.productId ?? line.sku)).filter(Boolean),
    // The orders the merchant's backend pushed (POST /v1/orders), newest first: "我的订单到哪了"
    // answers with the real status, carrier and tracking number. Address and payment stay out.
    orders: orders.map((order) => ({
      id: order.id,
      status: order.status,
      carrier: order.carrier,
      trackingNumber: order.trackingNumber,
      productIds: order.items.flatMap((item) => item.productId ?? item.sku ?? []),
      updatedAt: order.updatedAt,
    })),
  };
}

/** JSON drops `undefined`, and the conversation context is merged: clear keys with null instead. */
function memoryPatch(memory: ConversationMemory): Record<string, unknown> {
  return Object.fromEntries(Object.entries(memory).map(([k, v]) => [k, v === undefined ? null : v]));
}

function metaOf(
  result: EngineResult,
  source: 'kb' | 'llm' | 'fallback',
  extra: Record<string, unknown> = {},
) {
  return {
    ...(result.articleId ? { articleId: result.articleId } : {}),
    ...(result.productId ? { productId: result.productId } : {}),
    confidence: Math.round(result.confidence * 1000) / 1000,
    source,
    action: result.action,
    ...(result.quickReplies.length ? { quickReplies: result.quickReplies } : {}),
    ...(result.attribute ? { attribute: result.attribute } : {}),
    ...(result.orderId ? { orderId: result.orderId } : {}),
    ...(result.language !== 'zh' ? { language: result.language } : {}),
    ...extra,
  };
}

const TICKET_KINDS: Record<string, { zh: string; en: string }> = {
  exchange: { zh: '换货', en: 'exchange' },
  return: { zh: '退货退款', en: 'return' },
};

/**
 * The default responder: the embedded engine decides (answer, clarify, ticket, escalate, decline)
 * from the message, the conversation's cross-channel memory and the shopper's profile; tickets are
 * opened here, doubtful questions recorded, and in LLM mode answers are streamed as
 * `message.delta` events before the final message, falling back to the retrieval answer.
 */
export function createAiResponder(deps: Deps, options: AiResponderOptions = {}): Responder {
  const engines = options.engines ?? createEngineRegistry(deps);

  return {
    async respond(input) {
      const engine = await engines.get(input.appId);
      // No knowledge yet: the merchant has not set the bot up, so it stays out of the way, except
      // for a greeting, which gets one back rather than silence, and a request for a person.
      if (engine.index.kb.articles.length === 0 && engine.index.kb.intents.length === 0)
        return beforeKnowledge(input.message.text);
      const profile = await readProfile(deps, deps.database.db, input.customer.id, input.customer.attributes);
      const result = engine.answer({
        text: input.message.text,
        channel: input.message.channel,
        memory: input.conversation.context as ConversationMemory,
        profile,
        outOfScope: options.outOfScope,
      });
      const context = memoryPatch(result.memory);
      const intent = result.intent ?? undefined;
      const greeted = unansweredGreeting(result, input.message.text);
      if (greeted) return greeted;

      if (result.lowConfidence || result.outOfScope) {
        await recordUnanswered(deps, {
          appId: input.appId,
          customerId: input.customer.id,
          conversationId: input.conversation.id,
          channel: input.message.channel,
          text: input.message.text,
          kind: result.outOfScope ? 'out_of_scope' : 'low_confidence',
          confidence: result.confidence,
          bestIntent: result.nearest.intent,
          bestArticleId: result.nearest.articleId,
        });
      }

      if (result.action === 'escalate' || result.action === 'decline') return plainDecision(result);
      if (result.action === 'ticket' && result.ticket) {
        const { ticket, created } = await openOrUpdateTicket(deps, {
          appId: input.appId,
          customerId: input.customer.id,
          conversationId: input.conversation.id,
          channel: input.message.channel,
          draft: result.ticket,
          text: input.message.text,
        });
        const language = result.language;
        const kindNames = ownValue(TICKET_KINDS, ticket.type) ?? { zh: '售后', en: 'after-sales' };
        const kind = language === 'en' ? kindNames.en : kindNames.zh;
        const facts = [
          ticket.orderId ? (language === 'en' ? `order ${ticket.orderId}` : `订单 ${ticket.orderId}`) : '',
          ticket.wantedSize
            ? language === 'en'
              ? `wanted size ${ticket.wantedSize}`
              : `想换 ${ticket.wantedSize}`
            : '',
        ].filter(Boolean);
        // Ticket ids stay out of the text: the ticket card (meta.ticketId) shows the ticket.
        const lead = result.ticketFill
          ? systemText('orderFilled', language, { orderId: ticket.orderId ?? '', kind })
          : created
            ? systemText('ticketCreated', language, {
                kind,
                facts: facts.length
                  ? language === 'en'
                    ? ` (${facts.join(', ')})`
                    : `（${facts.join('，')}）`
                  : '',
              })
            : systemText('ticketOpen', language, { kind });
        const missing = !ticket.orderId ? systemText('askOrderId', language) : '';
        const separator = language === 'en' ? ' ' : '';
        return {
          replies: [
            {
              text: [lead, result.text, missing].filter(Boolean).join(separator),
              intent,
              meta: metaOf(result, 'kb', { ticketId: ticket.id }),
            },
            ...result.more.map((extra) => replyOf(extra)),
          ],
          context: { ...memoryPatch(result.memory), openTicketId: ticket.id },
        };
      }

      if (!options.llm || result.action !== 'answer') return plainDecision(result);
      const retrieval: BotReply = { text: result.text, intent, meta: metaOf(result, 'kb') };
      return {
        replies: [
          await answerWithLlm(deps, options.llm, input, result, profile, retrieval),
          ...result.more.map((extra) => replyOf(extra)),
        ],
        context,
      };
    },

    // Words alone, no profile (the cart and orders would only sharpen an answer, not the matter),
    // and only a confident match: a wrong label would make a repeat the customer never had.
    async labeler(appId) {
      const engine = await engines.get(appId);
      if (engine.index.kb.intents.length === 0) return null;
      return ({ text, channel, conversation }) => {
        const result = engine.answer({
          text,
          channel,
          memory: conversation.context as ConversationMemory,
          outOfScope: options.outOfScope,
          profile: NO_PROFILE,
        });
        if (result.lowConfidence || result.outOfScope || result.action === 'decline') return null;
        return result.intent ?? null;
      };
    },

    async prepare(appId) {
      const engine = await engines.get(appId);
      return async (input) => {
        if (engine.index.kb.articles.length === 0 && engine.index.kb.intents.length === 0)
          return beforeKnowledge(input.text);
        const question = {
          text: input.text,
          channel: input.channel,
          memory: input.conversation.context as ConversationMemory,
          outOfScope: options.outOfScope,
        };
        // Most answers never look at the profile: answer with a probe first, and read the customer
        // the cart and the orders (then answer again) only when the engine asked for them.
        let looked = false;
        const probe: ShopperProfile = {
          get attributes() {
            looked = true;
            return {};
          },
          get cartProductIds() {
            looked = true;
            return [];
          },
          get orders() {
            looked = true;
            return [];
          },
        };
        let result = engine.answer({ ...question, profile: probe });
        if (looked) {
          const customer = await getCustomer(input.db, input.appId, input.customerId);
          result = engine.answer({
            ...question,
            profile: await readProfile(deps, input.db, customer.id, customer.attributes),
          });
        }
        // Tickets are opened by their own write, LLM answers stream: both after the commit.
        if (result.action === 'ticket' && result.ticket) return null;
        if (result.more.some((extra) => extra.action === 'ticket')) return null;
        if (options.llm && result.action === 'answer') return null;
        const greeted = unansweredGreeting(result, input.text);
        if (greeted) return greeted;
        if (result.lowConfidence || result.outOfScope) {
          await recordUnansweredIn(deps, input.db, input.onCommit, {
            appId: input.appId,
            customerId: input.customerId,
            conversationId: input.conversation.id,
            channel: input.channel,
            text: input.text,
            kind: result.outOfScope ? 'out_of_scope' : 'low_confidence',
            confidence: result.confidence,
            bestIntent: result.nearest.intent,
            bestArticleId: result.nearest.articleId,
          });
        }
        return plainDecision(result);
      };
    },
  };
}

const NO_PROFILE: ShopperProfile = { attributes: {}, cartProductIds: [], orders: [] };

const GREETINGS = {
  zh: '您好！我是这家店的智能客服，商品、订单、物流、售后的问题都可以问我。',
  en: "Hello! I'm the shop's assistant: ask me about products, orders, delivery or returns.",
};

/**
 * A greeting answered by the bot itself: every app greets back out of the box, before its
 * knowledge is imported and when its knowledge has no greeting intent of its own. In the
 * shopper's script: Chinese for text with Han characters, English otherwise.
 */
function greetingDecision(text: string): ResponderDecision | null {
  if (!isGreeting(normalizeText(text))) return null;
  const reply = /\p{Script=Han}/u.test(text) ? GREETINGS.zh : GREETINGS.en;
  return {
    replies: [
      { text: reply, intent: 'greeting', meta: { confidence: 1, source: 'fallback', builtIn: 'greeting' } },
    ],
  };
}

/**
 * The bot of an app with no knowledge yet: a greeting gets one back; a shopper who asks for a
 * person ("转人工") is passed to the team — agents may already be online before any import, and
 * the request must never meet silence. Anything else: silence.
 */
function beforeKnowledge(text: string): ResponderDecision {
  const greeting = greetingDecision(text);
  if (greeting) return greeting;
  if (!asksForHuman(normalizeText(text))) return { replies: [] };
  const language = replyLanguageOf(text, false);
  return {
    replies: [{ text: systemText('escalate', language), meta: { confidence: 1, source: 'fallback' } }],
    escalate: true,
  };
}

/** A greeting the knowledge could not answer (no greeting intent): answered, never recorded as a miss. */
function unansweredGreeting(result: EngineResult, text: string): ResponderDecision | null {
  const unanswered = result.action === 'decline' || result.lowConfidence || result.outOfScope;
  if (!unanswered) return null;
  const greeting = greetingDecision(text);
  return greeting && { ...greeting, context: memoryPatch(result.memory) };
}

/** One engine result as a bot reply (declines cite nothing: their source is the fallback). */
function replyOf(result: EngineResult): BotReply {
  if (result.action === 'decline') return { text: result.text, meta: metaOf(result, 'fallback') };
  return { text: result.text, intent: result.intent ?? undefined, meta: metaOf(result, 'kb') };
}

/**
 * Escalate, decline, clarify, small talk and retrieval answers: the replies (a second question in
 * the same message gets its own; an acknowledgement in a livestream gets none), the memory, maybe
 * a handoff.
 */
function plainDecision(result: EngineResult): ResponderDecision {
  const context = memoryPatch(result.memory);
  const replies = [result, ...result.more].filter((r) => r.text).map(replyOf);
  return { replies, ...(result.action === 'escalate' ? { escalate: true } : {}), context };
}

/** Streams the LLM's phrasing as deltas; any failure or timeout sends the retrieval answer instead. */
async function answerWithLlm(
  deps: Deps,
  llm: LlmOptions,
  input: ReplyInput,
  result: EngineResult,
  profile: ShopperProfile,
  retrieval: BotReply,
): Promise<BotReply> {
  const replyId = createSortableId('msg', deps.clock.now());
  const stored = await deps.database.db
    .select({ channel: messages.channel, authorType: messages.authorType, text: messages.text })
    .from(messages)
    .where(eq(messages.customerId, input.customer.id))
    .orderBy(desc(messages.seq))
    .limit(HISTORY_TURNS + 1);
  const texts = await openAllForCustomers(
    deps,
    stored.map((m) => m.text),
  );
  const history = stored.map((m, i) => ({ ...m, text: texts[i] ?? '' }));
  let index = 0;
  let pending = '';
  let lastFlush = 0;
  const flush = async () => {
    if (!pending) return;
    const delta = pending;
    pending = '';
    lastFlush = Date.now();
    await deps.database.write((db, onCommit) =>
      appendEvent(deps, db, onCommit, {
        appId: input.appId,
        customerId: input.customer.id,
        type: 'message.delta',
        data: { replyId, conversationId: input.conversation.id, delta, index: index++ },
      }),
    );
  };
  try {
    const text = await writeWithLlm(
      llm,
      {
        question: input.message.text,
        channel: input.message.channel,
        articles: result.grounding.articles,
        product: result.grounding.product,
        draft: result.text,
        profile: profile.attributes,
        cart: profile.cartProductIds,
        history: history
          .filter((m) => m.text !== input.message.text || m.authorType !== 'customer')
          .slice(0, HISTORY_TURNS)
          .reverse()
          .map((m) => ({ channel: m.channel, author: m.authorType, text: m.text })),
      },
      async (delta) => {
        pending += delta;
        if (Date.now() - lastFlush >= DELTA_FLUSH_MS) await flush();
      },
    );
    await flush();
    return { ...retrieval, id: replyId, text, meta: { ...retrieval.meta, source: 'llm' } };
  } catch (error) {
    deps.logger.warn('LLM answer failed; sending the retrieval answer', { error: String(error) });
    return { ...retrieval, id: replyId, meta: { ...retrieval.meta, source: 'fallback' } };
  }
}
