import {
  type BotReply,
  type InlineResponder,
  type Responder,
  type ResponderDecision,
  VOICE_CHANNELS,
} from '../conversations';
import type { AnswerEngine, EngineRegistry } from '../knowledge';

/**
 * Step-by-step how-to answers (return steps, coupon use). A how-to question gets its article split
 * into steps; on a voice channel the bot reads one step at a time and the caller moves with
 * 下一步 / 重复 / 上一步 (or keys); other channels get the whole answer with `meta.steps`, which
 * the widget walks with next / repeat buttons. Where the caller is lives in the conversation's
 * context (`voiceGuide`), so a guide started on one channel can be walked on another.
 */

export type GuideCommand = 'next' | 'repeat' | 'previous';

interface GuideState {
  articleId: string;
  /** 0-based index of the step read last. */
  step: number;
}

// "怎么样" asks for an opinion, not for steps.
const HOW_TO_QUESTION = /怎么(?!样)|如何|怎样(?!的)|流程|步骤|方法|教程|how (?:do|to|can)/i;
const HOW_TO_TITLE = /^(如何|怎么|怎样)|怎么(?!样)|流程|步骤|方法/;

const COMMANDS: [RegExp, GuideCommand][] = [
  [/^(下一步|下一个|下一条|继续|接着说|然后呢|然后|往下|下面呢|好了|好的?下一步|next)$/i, 'next'],
  [/^(重复|再说一遍|再说一次|再来一遍|再讲一遍|没听清|没听清楚|重听|repeat|again)$/i, 'repeat'],
  [/^(上一步|上一个|上一条|返回|回到上一步|前一步|back|previous)$/i, 'previous'],
];

/** Whether a short utterance is a guide command ("下一步。", "重复一下" → repeat). */
export function guideCommand(text: string): GuideCommand | null {
  const bare = text
    .replace(/[\s\p{P}\p{S}]/gu, '')
    .replace(/(一下|吧|呀|啊|吗|呢$|请|麻烦)/g, '')
    .toLowerCase();
  if (bare.length === 0 || bare.length > 8) return null;
  for (const [pattern, command] of COMMANDS) if (pattern.test(bare)) return command;
  return null;
}

/**
 * An answer split into steps: numbered steps (1. / ① / 第一步) when the article has them, else its
 * clauses (at ；and ，), short fragments joined to their neighbour so each step says one thing.
 */
export function howToSteps(answer: string): string[] {
  const numbered = answer
    .split(/(?:^|\s|[；;。])(?:\d{1,2}[.、)）]|[①②③④⑤⑥⑦⑧⑨⑩]|第[一二三四五六七八九十]步[：:，,]?)\s*/)
    .map((s) => s.trim())
    .filter(Boolean);
  // Numbered steps are the author's own: kept as they are.
  if (numbered.length >= 2) return numbered.map((s) => s.replace(/[，,。；;\s]+$/, ''));
  const parts = answer
    .split(/[；;。，,]/)
    .map((s) => s.trim())
    .filter(Boolean);
  const steps: string[] = [];
  for (const part of parts) {
    const last = steps[steps.length - 1];
    // A fragment of a few characters ("即可") belongs to the step before it.
    if (last !== undefined && part.length < 6) steps[steps.length - 1] = `${last}，${part}`;
    else steps.push(part);
  }
  return steps.map((s) => s.replace(/[，,。；;\s]+$/, ''));
}

const ORDINALS = '一二三四五六七八九十';
const ordinal = (i: number) => (i < 10 ? ORDINALS[i]! : String(i + 1));

/** The spoken line for a step, with what the caller can say next. */
function stepLine(steps: string[], index: number, note = ''): string {
  const first =
    index === 0 ? `一共${steps.length <= 10 ? ORDINALS[steps.length - 1] : steps.length}步。` : '';
  const hint =
    index < steps.length - 1
      ? '说“下一步”继续，说“重复”再听一遍。'
      : '这是最后一步。说“重复”再听一遍，或者问我别的问题。';
  return `${note}${first}第${ordinal(index)}步：${steps[index]}。${hint}`;
}

function isHowTo(article: { title: string; answer: string }): boolean {
  return HOW_TO_TITLE.test(article.title) && howToSteps(article.answer).length >= 2;
}

function articleSteps(engine: AnswerEngine, articleId: string, channel: string) {
  const article = engine.index.kb.articles.find((a) => a.id === articleId);
  if (!article) return null;
  // The written answer is the full one; a channel's phrasing (phone: shorter) may drop steps.
  return { article, steps: howToSteps(article.answer), channel };
}

/** The guide's next reply for a command, or null when no guide is running. */
function navigate(
  engine: AnswerEngine,
  context: Record<string, unknown>,
  text: string,
  channel: string,
): ResponderDecision | null {
  const state = context.voiceGuide as GuideState | null | undefined;
  if (!state || typeof state.articleId !== 'string') return null;
  const command = guideCommand(text);
  if (!command) return null;
  const found = articleSteps(engine, state.articleId, channel);
  if (!found || found.steps.length === 0) return null;
  const { steps, article } = found;
  const current = Math.min(Math.max(0, Number(state.step) || 0), steps.length - 1);
  let index = current;
  let note = '';
  if (command === 'next') {
    if (current >= steps.length - 1) note = '已经是最后一步了。';
    else index = current + 1;
  } else if (command === 'previous') {
    if (current === 0) note = '已经是第一步了。';
    else index = current - 1;
  }
  return {
    replies: [
      {
        text: stepLine(steps, index, note),
        ...(article.intent ? { intent: article.intent } : {}),
        meta: {
          articleId: article.id,
          confidence: 1,
          source: 'kb',
          action: 'guide',
          steps,
          step: index + 1,
        },
      },
    ],
    context: { voiceGuide: { articleId: article.id, step: index } satisfies GuideState },
  };
}

/** Turns a how-to answer into a guide (the first step on voice, all steps with `meta.steps` elsewhere). */
function shapeGuide(
  engine: AnswerEngine,
  text: string,
  channel: string,
  decision: ResponderDecision,
  context: Record<string, unknown>,
): ResponderDecision {
  const running = !!context.voiceGuide;
  const stop = (d: ResponderDecision) =>
    running ? { ...d, context: { ...d.context, voiceGuide: null } } : d;
  const [reply, ...rest] = decision.replies;
  if (!reply || decision.escalate || !HOW_TO_QUESTION.test(text)) return stop(decision);
  // Articles are written in Simplified Chinese: a reply the engine gave in another language stays as it is.
  const language = reply.meta?.language;
  if (typeof language === 'string' && language !== 'zh') return stop(decision);
  const articles = engine.index.kb.articles;
  const own = articles.find((a) => a.id === reply.meta?.articleId);
  const voice = VOICE_CHANNELS.has(channel);
  // On a screen the engine's own answer stands (walked in steps when it is a how-to). A caller who
  // asks "怎么退货" and hears the return policy has nothing to act on: voice takes the intent's
  // how-to article when the answer is not one.
  // The stand-in must be about the same thing: a general article, or one written for the product
  // in question — never another product's ("怎么保养" about the tote is not the jeans' fading guide).
  const productId = typeof reply.meta?.productId === 'string' ? reply.meta.productId : null;
  const fits = (a: { productIds: string[] }) =>
    a.productIds.length === 0 || (productId !== null && a.productIds.includes(productId));
  const candidates = [
    ...(own ? [own] : []),
    ...(voice
      ? articles.filter((a) => reply.intent && a.intent === reply.intent && a !== own && fits(a))
      : []),
  ].filter(isHowTo);
  const article = candidates[0];
  if (!article) return stop(decision);
  const steps = howToSteps(article.answer);
  const guided: BotReply = {
    ...reply,
    text: voice ? stepLine(steps, 0) : reply.text,
    intent: article.intent ?? reply.intent,
    meta: {
      ...reply.meta,
      articleId: article.id,
      steps,
      ...(voice ? { step: 1, action: 'guide' } : {}),
    },
  };
  return {
    ...decision,
    replies: [guided, ...rest],
    context: { ...decision.context, voiceGuide: { articleId: article.id, step: 0 } satisfies GuideState },
  };
}

/**
 * Wraps the bot so how-to answers become guides and guide commands move through them. Used for
 * every channel, so `/v1/channels/phone/messages`, the voice webhooks and the widget behave alike.
 */
export function withVoiceGuides(base: Responder, engines: EngineRegistry): Responder {
  return {
    async respond(input) {
      const engine = await engines.get(input.appId);
      const { context } = input.conversation;
      const nav = navigate(engine, context, input.message.text, input.message.channel);
      if (nav) return nav;
      const decision = await base.respond(input);
      return shapeGuide(engine, input.message.text, input.message.channel, decision, context);
    },
    async prepare(appId) {
      const inner = base.prepare ? await base.prepare(appId) : null;
      const engine = await engines.get(appId);
      const inline: InlineResponder = async (input) => {
        const nav = navigate(engine, input.conversation.context, input.text, input.channel);
        if (nav) return nav;
        if (!inner) return null;
        const decision = await inner(input);
        return (
          decision && shapeGuide(engine, input.text, input.channel, decision, input.conversation.context)
        );
      };
      return inline;
    },
    // Labels what the bot does not answer (agent time) with the base engine's intent, unchanged.
    ...(base.labeler ? { labeler: (appId: string) => base.labeler!(appId) } : {}),
  };
}
