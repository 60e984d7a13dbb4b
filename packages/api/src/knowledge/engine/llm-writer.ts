import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { streamText } from 'ai';
import { ownValue } from '../../platform/own-property';
import type { KnowledgeArticle, KnowledgeProduct } from './knowledge-base';

/** LLM mode settings: any OpenAI-compatible endpoint (DeepSeek, Qwen, OpenAI…). */
export interface LlmOptions {
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** The whole answer must arrive within this; otherwise the retrieval answer is sent. Default 8000. */
  timeoutMs?: number;
  /** For tests (msw) and proxies. */
  fetch?: typeof fetch;
}

/** Reads `LLM_BASE_URL`, `LLM_API_KEY`, `LLM_MODEL`, `LLM_TIMEOUT_MS`; null when LLM mode is off. */
export function llmOptionsFromEnv(env: Record<string, string | undefined> = process.env): LlmOptions | null {
  if (!env.LLM_BASE_URL || !env.LLM_MODEL) return null;
  const timeoutMs = Number(env.LLM_TIMEOUT_MS);
  return {
    baseUrl: env.LLM_BASE_URL,
    apiKey: env.LLM_API_KEY,
    model: env.LLM_MODEL,
    ...(Number.isFinite(timeoutMs) && timeoutMs > 0 ? { timeoutMs } : {}),
  };
}

/** What the model may use — and nothing else. */
export interface GroundedPrompt {
  question: string;
  channel: string;
  articles: KnowledgeArticle[];
  product: KnowledgeProduct | null;
  /** The retrieval engine's own answer: the model rephrases it, it does not invent. */
  draft: string;
  profile: Record<string, unknown>;
  cart: string[];
  history: { channel: string; author: string; text: string }[];
}

const CHANNEL_STYLE: Record<string, string> = {
  phone: '电话渠道：回答要非常简短，一两句话，适合朗读。',
  douyin_live: '直播间评论：语气热情活泼、口语化，简短。',
  taobao_live: '直播间评论：语气热情活泼、口语化，简短。',
  sms: '短信：简短，不超过70字。',
};

/** The system and user messages for a grounded answer. */
export function buildPrompt(input: GroundedPrompt): { system: string; prompt: string } {
  const facts: string[] = [];
  for (const article of input.articles) {
    facts.push(
      `[知识库文章 ${article.id}] ${article.title}\n${ownValue(article.channelAnswers, input.channel) ?? article.answer}`,
    );
  }
  if (input.product) {
    const attributes = Object.entries(input.product.attributes)
      .map(([key, value]) => `- ${key}: ${Array.isArray(value) ? value.join('、') : String(value)}`)
      .join('\n');
    facts.push(
      `[商品 ${input.product.id}] ${input.product.name}${input.product.price != null ? `（¥${input.product.price}）` : ''}\n${attributes}`,
    );
  }
  const profile = Object.entries(input.profile)
    .filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join('，');
  const history = input.history.map((m) => `(${m.channel}) ${m.author}: ${m.text}`).join('\n');
  const system = [
    '你是电商店铺的智能客服。只根据下面「资料」里的事实回答顾客，不要编造资料里没有的政策、价格或承诺；资料不够时请顾客说「转人工」。',
    '用顾客的语言回答（中文问题用简体中文）。',
    ownValue(CHANNEL_STYLE, input.channel) ?? '回答简洁友好，不超过120字。',
  ].join('\n');
  const prompt = [
    `资料：\n${facts.join('\n\n') || '（无）'}`,
    `检索答案草稿：${input.draft}`,
    profile ? `顾客资料：${profile}` : '',
    input.cart.length ? `购物车：${input.cart.join('、')}` : '',
    history ? `最近对话（所有渠道）：\n${history}` : '',
    `顾客（${input.channel}）：${input.question}`,
  ]
    .filter(Boolean)
    .join('\n\n');
  return { system, prompt };
}

/**
 * Streams a grounded answer from the configured endpoint. `onDelta` gets each piece of text as it
 * arrives; the promise resolves with the full text, or rejects on error, on an empty answer or
 * when `timeoutMs` passes — the caller then sends the retrieval answer.
 */
export async function writeWithLlm(
  options: LlmOptions,
  input: GroundedPrompt,
  onDelta: (delta: string) => void | Promise<void>,
): Promise<string> {
  const provider = createOpenAICompatible({
    name: 'threadline-llm',
    baseURL: options.baseUrl,
    apiKey: options.apiKey,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const controller = new AbortController();
  const timeoutMs = options.timeoutMs ?? 8000;
  const timer = setTimeout(
    () => controller.abort(new Error(`LLM timed out after ${timeoutMs} ms`)),
    timeoutMs,
  );
  const timedOut = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  timedOut.catch(() => undefined);
  try {
    const { system, prompt } = buildPrompt(input);
    const result = streamText({
      model: provider.chatModel(options.model),
      system,
      prompt,
      maxRetries: 0,
      abortSignal: controller.signal,
      temperature: 0.3,
      // Errors surface as stream parts below; the SDK's default console logging is not wanted.
      onError: () => {},
    });
    let text = '';
    const consume = (async () => {
      for await (const part of result.fullStream) {
        if (part.type === 'text-delta') {
          text += part.text;
          await onDelta(part.text);
        } else if (part.type === 'error') {
          throw part.error instanceof Error ? part.error : new Error(String(part.error));
        } else if (part.type === 'abort') {
          throw new Error('LLM stream aborted');
        }
      }
    })();
    consume.catch(() => undefined);
    // A stream that hangs without yielding still loses the race against the timer.
    await Promise.race([consume, timedOut]);
    if (!text.trim()) throw new Error('LLM returned an empty answer');
    return text.trim();
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
