import { randomUUID } from 'node:crypto';
import { DEFAULT_CHANNELS, type Message } from '@threadline/sdk-core/protocol';
import { Converter } from 'opencc-js/cn2t';
import type { ThreadlineApp } from '../app';
import { createMerchantApp } from '../apps';
import { signIdentityToken } from '../identity';
import { createEngineRegistry } from './engine/engine-registry';
import { readDemoStore, seedDemoStore } from './knowledge';

/** What one reply should carry: the intent recognised, the article cited, the product named. */
export interface EvalExpectation {
  intent: string | null;
  articleId: string | null;
  productId: string | null;
}

/**
 * One line of an evaluation set (`eval/dev-questions.jsonl`, `eval/shopper-questions.jsonl`).
 * The optional fields say more than the dev set does: what the bot should do (`action`; an
 * escalation is read off the conversation's status, and `smalltalk` may also be silence), the
 * language of the reply (`en`, `zh-Hant`), the order id the open ticket should now carry, and
 * further answers expected in the same turn (`more`, for two questions in one message).
 */
export interface EvalQuestion {
  q: string;
  channel: string;
  context: { channel: string; text: string }[];
  /** The kind of shopper text the line stands for (report figures per kind). */
  kind?: string;
  expect: EvalExpectation & {
    action?: 'answer' | 'clarify' | 'escalate' | 'ticket' | 'decline' | 'smalltalk';
    lang?: 'en' | 'zh-Hant';
    orderId?: string;
    more?: Pick<EvalExpectation, 'intent' | 'articleId'>[];
  };
}

export interface EvalRow {
  question: EvalQuestion;
  got: {
    intent: string | null;
    articleId: string | null;
    productId: string | null;
    text: string;
    status: string;
    /** `escalate` when the conversation was queued, `silent` when the bot said nothing. */
    action: string;
    /** Every reply of the turn (two questions in one message get two). */
    replies: { intent: string | null; articleId: string | null; productId: string | null; text: string }[];
    /** The order id on the ticket the reply cites, read back through `GET /v1/tickets/:id`. */
    ticketOrderId: string | null;
  };
  /** null = the line expects nothing of that kind. */
  ok: {
    intent: boolean;
    article: boolean | null;
    product: boolean;
    action: boolean | null;
    lang: boolean | null;
    orderId: boolean | null;
  };
  /** Every expectation of the line met. */
  fullyRight: boolean;
}

export interface EvalKindFigures {
  total: number;
  intent: number;
  fullyRight: number;
}

export interface EvalReport {
  total: number;
  intentAccuracy: number;
  articleTop1: number;
  productAccuracy: number;
  outOfScopeRejection: number;
  /** Share of the lines that expect a human (a human-policy intent, or `action: escalate`) that were queued. */
  humanEscalation: number;
  /** Share of the lines with an expected action that got it. */
  actionAccuracy: number;
  /** Share of the lines with an expected reply language that got it. */
  languageAccuracy: number;
  /** Share of the lines where every expectation was met. */
  fullyRight: number;
  /** In-scope questions wrongly declined as out of scope. */
  falseRejections: number;
  byKind: Record<string, EvalKindFigures>;
  rows: EvalRow[];
}

const HAN = /\p{Script=Han}/u;
let toTraditional: ((text: string) => string) | undefined;

/** Whether a reply is written in the language a line expects. */
function replyLanguageOk(texts: string[], lang: 'en' | 'zh-Hant'): boolean {
  const text = texts.join('\n');
  if (!text) return false;
  if (lang === 'en') return !HAN.test(text);
  toTraditional ??= Converter({ from: 'cn', to: 'tw' });
  return HAN.test(text) && toTraditional(text) === text;
}

interface AnswerBody {
  sessionToken?: string;
  replies?: Pick<Message, 'text' | 'intent' | 'meta'>[];
  conversation?: { status: string };
  ticket?: { orderId: string | null };
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
  const humanIntents = new Set(
    (readDemoStore().intents as { id: string; policy?: string }[])
      .filter((i) => i.policy === 'human')
      .map((i) => i.id),
  );
  const call = async (path: string, token: string, body?: unknown) => {
    const res = await app.request(path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
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
    const replies = (answer.replies ?? []).map((r) => ({
      intent: r.intent ?? null,
      articleId: (r.meta?.articleId as string | undefined) ?? null,
      productId: (r.meta?.productId as string | undefined) ?? null,
      text: r.text,
      action: (r.meta?.action as string | undefined) ?? null,
      ticketId: (r.meta?.ticketId as string | undefined) ?? null,
    }));
    const reply = replies[0];
    const status = answer.conversation?.status ?? 'unknown';
    let ticketOrderId: string | null = null;
    if (reply?.ticketId) {
      const read = (await call(`/v1/tickets/${reply.ticketId}`, keys.secretKey)) as AnswerBody;
      ticketOrderId = read.ticket?.orderId ?? null;
    }
    const got = {
      intent: reply?.intent ?? null,
      articleId: reply?.articleId ?? null,
      productId: reply?.productId ?? null,
      text: replies.map((r) => r.text).join('\n'),
      status,
      action: status === 'queued' ? 'escalate' : reply ? (reply.action ?? 'answer') : 'silent',
      replies: replies.map(({ intent, articleId, productId, text }) => ({
        intent,
        articleId,
        productId,
        text,
      })),
      ticketOrderId,
    };
    const e = question.expect;
    const more = e.more ?? [];
    const ok: EvalRow['ok'] = {
      intent: got.intent === e.intent && more.every((m, k) => replies[k + 1]?.intent === m.intent),
      article:
        e.articleId || more.some((m) => m.articleId)
          ? (!e.articleId || got.articleId === e.articleId) &&
            more.every((m, k) => !m.articleId || replies[k + 1]?.articleId === m.articleId)
          : null,
      product: got.productId === e.productId,
      action: e.action
        ? got.action === e.action || (e.action === 'smalltalk' && got.action === 'silent')
        : null,
      lang: e.lang
        ? replyLanguageOk(
            replies.map((r) => r.text),
            e.lang,
          )
        : null,
      orderId: e.orderId ? got.ticketOrderId === e.orderId : null,
    };
    rows.push({ question, got, ok, fullyRight: Object.values(ok).every((v) => v !== false) });
  }
  const share = (list: boolean[]) => (list.length ? list.filter(Boolean).length / list.length : 1);
  // Lines that should be declined: said so, or (the dev set's shape) no intent and no action.
  const expectsDecline = (r: EvalRow) =>
    r.question.expect.action === 'decline' ||
    (r.question.expect.intent === null && !r.question.expect.action);
  const expectsHuman = (r: EvalRow) =>
    r.question.expect.action === 'escalate' || humanIntents.has(r.question.expect.intent ?? '');
  const rejected = (r: EvalRow) => r.got.action === 'decline';
  const byKind: Record<string, EvalKindFigures> = {};
  for (const row of rows) {
    const kind = row.question.kind ?? 'all';
    const figures = byKind[kind] ?? { total: 0, intent: 0, fullyRight: 0 };
    byKind[kind] = figures;
    figures.total++;
    if (row.ok.intent) figures.intent++;
    if (row.fullyRight) figures.fullyRight++;
  }
  return {
    total: rows.length,
    intentAccuracy: share(rows.map((r) => r.ok.intent)),
    articleTop1: share(rows.filter((r) => r.ok.article !== null).map((r) => r.ok.article === true)),
    productAccuracy: share(rows.map((r) => r.ok.product)),
    outOfScopeRejection: share(rows.filter(expectsDecline).map(rejected)),
    humanEscalation: share(rows.filter(expectsHuman).map((r) => r.got.status === 'queued')),
    actionAccuracy: share(rows.filter((r) => r.ok.action !== null).map((r) => r.ok.action === true)),
    languageAccuracy: share(rows.filter((r) => r.ok.lang !== null).map((r) => r.ok.lang === true)),
    fullyRight: share(rows.map((r) => r.fullyRight)),
    falseRejections: rows.filter((r) => !expectsDecline(r) && rejected(r) && r.got.status === 'bot').length,
    byKind,
    rows,
  };
}

/** Parses a JSON-lines evaluation set. */
export const parseEvalQuestions = (jsonl: string): EvalQuestion[] =>
  jsonl
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as EvalQuestion);

/** One labelled question of an intent data set (Banking77's `text,category` lines). */
export interface LabelledQuestion {
  text: string;
  label: string;
}

/** Parses a two-column CSV with a header line (`text,category`), RFC 4180 quoting. */
export function parseLabelledCsv(csv: string): LabelledQuestion[] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < csv.length; i++) {
    const ch = csv[i]!;
    if (quoted) {
      if (ch === '"' && csv[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && csv[i + 1] === '\n') i++;
      record.push(field);
      field = '';
      if (record.some((f) => f !== '')) records.push(record);
      record = [];
    } else field += ch;
  }
  record.push(field);
  if (record.some((f) => f !== '')) records.push(record);
  return records.slice(1).map(([text = '', label = '']) => ({ text: text.trim(), label: label.trim() }));
}

export interface IntentSplitReport {
  intents: number;
  trained: number;
  heldOut: number;
  /** Share of held-out questions whose top intent is their label. */
  accuracy: number;
  /** The same split scored by word TF-IDF nearest neighbour (cosine), for comparison. */
  baselineAccuracy: number;
  seconds: number;
}

/**
 * Intent learning on a labelled data set: every fifth question of each label (deterministic) is
 * held out, the rest imported as intents through `POST /v1/kb/import` into a fresh app, and the
 * held-out questions are classified by that app's engine as the API builds it.
 */
export async function evaluateIntentSplit(
  app: ThreadlineApp,
  questions: LabelledQuestion[],
): Promise<IntentSplitReport> {
  const started = performance.now();
  const keys = await createMerchantApp(app.deps, { name: 'Intent split', extraChannels: [] });
  const seen = new Map<string, number>();
  const train = new Map<string, string[]>();
  const held: LabelledQuestion[] = [];
  for (const q of questions) {
    const n = seen.get(q.label) ?? 0;
    seen.set(q.label, n + 1);
    if (n % 5 === 4) held.push(q);
    else train.set(q.label, [...(train.get(q.label) ?? []), q.text]);
  }
  // Intent ids are merchant ids (letters, digits, _ . : -): "reverted_card_payment?" loses its "?".
  const idOf = (label: string) =>
    label.replace(/[^A-Za-z0-9_.:-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '') || 'x';
  const intents = [...train].map(([label, examples]) => ({
    id: idOf(label),
    name: label,
    policy: 'ai' as const,
    examples,
  }));
  const res = await app.request('/v1/kb/import', {
    method: 'POST',
    headers: { authorization: `Bearer ${keys.secretKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ articles: [], intents }),
  });
  if (res.status !== 200) throw new Error(`/v1/kb/import → ${res.status} ${await res.text()}`);
  const engine = await createEngineRegistry(app.deps).get(keys.appId);
  let right = 0;
  for (const q of held) if (engine.topIntent(q.text) === idOf(q.label)) right++;
  const baseline = tfidfNearestNeighbour(train);
  let baselineRight = 0;
  for (const q of held) if (baseline(q.text) === q.label) baselineRight++;
  return {
    intents: intents.length,
    trained: questions.length - held.length,
    heldOut: held.length,
    accuracy: held.length ? right / held.length : 0,
    baselineAccuracy: held.length ? baselineRight / held.length : 0,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The reference point the issue names: word TF-IDF vectors, cosine nearest neighbour. */
function tfidfNearestNeighbour(train: Map<string, string[]>): (text: string) => string | null {
  const words = (text: string) => text.toLowerCase().match(/[a-z0-9']+/g) ?? [];
  const docs: { label: string; tf: Map<string, number> }[] = [];
  const df = new Map<string, number>();
  for (const [label, examples] of train) {
    for (const example of examples) {
      const tf = new Map<string, number>();
      for (const w of words(example)) tf.set(w, (tf.get(w) ?? 0) + 1);
      for (const w of tf.keys()) df.set(w, (df.get(w) ?? 0) + 1);
      docs.push({ label, tf });
    }
  }
  const idf = (w: string) => Math.log((1 + docs.length) / (1 + (df.get(w) ?? 0))) + 1;
  const vector = (tf: Map<string, number>) => {
    const v = new Map<string, number>();
    let norm = 0;
    for (const [w, n] of tf) {
      const x = n * idf(w);
      v.set(w, x);
      norm += x * x;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [w, x] of v) v.set(w, x / norm);
    return v;
  };
  const vectors = docs.map((d) => ({ label: d.label, v: vector(d.tf) }));
  return (text) => {
    const tf = new Map<string, number>();
    for (const w of words(text)) tf.set(w, (tf.get(w) ?? 0) + 1);
    const q = vector(tf);
    let best: string | null = null;
    let bestScore = -1;
    for (const { label, v } of vectors) {
      let s = 0;
      for (const [w, x] of q) s += x * (v.get(w) ?? 0);
      if (s > bestScore) {
        bestScore = s;
        best = label;
      }
    }
    return best;
  };
}
