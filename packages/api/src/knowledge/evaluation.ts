import { randomUUID } from 'node:crypto';
import { DEFAULT_CHANNELS, type Message } from '@threadline/sdk-core/protocol';
import type { ThreadlineApp } from '../app';
import { createMerchantApp } from '../apps';
import { signIdentityToken } from '../identity';
import { seedDemoStore } from './knowledge';

/** One line of an evaluation set (`eval/dev-questions.jsonl`). */
export interface EvalQuestion {
  q: string;
  channel: string;
  context: { channel: string; text: string }[];
  expect: { intent: string | null; articleId: string | null; productId: string | null };
}

export interface EvalRow {
  question: EvalQuestion;
  got: {
    intent: string | null;
    articleId: string | null;
    productId: string | null;
    text: string;
    status: string;
  };
  ok: { intent: boolean; article: boolean | null; product: boolean };
}

export interface EvalReport {
  total: number;
  intentAccuracy: number;
  articleTop1: number;
  productAccuracy: number;
  outOfScopeRejection: number;
  /** In-scope questions wrongly declined as out of scope. */
  falseRejections: number;
  rows: EvalRow[];
}

interface AnswerBody {
  sessionToken?: string;
  replies?: Pick<Message, 'text' | 'intent' | 'meta'>[];
  conversation?: { status: string };
}

// Channels a browser, app or mini-program session speaks on; everything else comes from the backend.
const SESSION_CHANNELS = new Set(['web', 'app', 'miniprogram']);

/**
 * Runs an evaluation set through the real HTTP routes of `app`: a fresh shopper per question,
 * each context line sent first on its channel (sessions for web/app/mini-program, the server
 * channel route for phone, livestream…), then the question; the first bot reply is scored.
 */
export async function evaluateQuestions(app: ThreadlineApp, questions: EvalQuestion[]): Promise<EvalReport> {
  const keys = await createMerchantApp(app.deps, { name: 'Evaluation shop', extraChannels: [] });
  await seedDemoStore(app.deps, keys.appId);
  const call = async (path: string, token: string, body: unknown) => {
    const res = await app.request(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as AnswerBody;
    if (res.status >= 300) throw new Error(`${path} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const rows: EvalRow[] = [];
  for (const [i, question] of questions.entries()) {
    const userId = `eval-${i}-${randomUUID().slice(0, 8)}`;
    const identityToken = await signIdentityToken({ sub: userId }, keys.identitySecret);
    const sessions = new Map<string, string>();
    const say = async (channel: string, text: string) => {
      if (!(DEFAULT_CHANNELS as readonly string[]).includes(channel))
        throw new Error(`unknown channel ${channel}`);
      if (!SESSION_CHANNELS.has(channel)) {
        return call(`/v1/channels/${channel}/messages`, keys.secretKey, {
          from: { externalId: userId },
          text,
          clientMessageId: randomUUID(),
        });
      }
      let token = sessions.get(channel);
      if (!token) {
        const session = await call('/v1/sessions', keys.publishableKey, { channel, identityToken });
        token = String(session.sessionToken);
        sessions.set(channel, token);
      }
      return call('/v1/messages', token, { clientMessageId: randomUUID(), text });
    };
    for (const line of question.context) await say(line.channel, line.text);
    const answer = await say(question.channel, question.q);
    const reply = answer.replies?.[0];
    const got = {
      intent: reply?.intent ?? null,
      articleId: reply?.meta?.articleId ?? null,
      productId: reply?.meta?.productId ?? null,
      text: reply?.text ?? '',
      status: answer.conversation?.status ?? 'unknown',
    };
    rows.push({
      question,
      got,
      ok: {
        intent: got.intent === question.expect.intent,
        article: question.expect.articleId ? got.articleId === question.expect.articleId : null,
        product: got.productId === question.expect.productId,
      },
    });
  }
  const share = (list: boolean[]) => (list.length ? list.filter(Boolean).length / list.length : 1);
  const outOfScope = rows.filter((r) => r.question.expect.intent === null);
  const rejected = (r: EvalRow) => r.got.intent === null && r.got.articleId === null;
  return {
    total: rows.length,
    intentAccuracy: share(rows.map((r) => r.ok.intent)),
    articleTop1: share(rows.filter((r) => r.ok.article !== null).map((r) => r.ok.article === true)),
    productAccuracy: share(rows.map((r) => r.ok.product)),
    outOfScopeRejection: share(outOfScope.map(rejected)),
    falseRejections: rows.filter(
      (r) => r.question.expect.intent !== null && rejected(r) && r.got.status === 'bot',
    ).length,
    rows,
  };
}

/** Parses a JSON-lines evaluation set. */
export const parseEvalQuestions = (jsonl: string): EvalQuestion[] =>
  jsonl
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as EvalQuestion);
