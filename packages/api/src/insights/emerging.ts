import { createHash } from 'node:crypto';
import type { ArticleDraftAnswer, EmergingAnswer, emergingQuery } from '@threadline/sdk-core/protocol';
import { and, count, desc, eq, gte, lt, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { unansweredQuestions } from '../db/schema';
import { openAllForCustomers } from '../identity';
import { getIntent } from '../knowledge';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { redactAll } from './redact';
import { foldForReader, SLOT_MS } from './rollup';
import { risingAmong } from './significance';
import { clusterByWording, countBy, mode } from './unanswered';

type Deps = Pick<ServiceDeps, 'database' | 'sealer' | 'clock' | 'logger'>;
type Query = z.infer<typeof emergingQuery>;
type Cluster = EmergingAnswer['clusters'][number];

const DAY_MS = 24 * 3600_000;

/** The engine's confidence in a question's nearest intent above which that intent names its need. */
const INTENT_CONFIDENCE = 0.4;

/**
 * Groups questions into needs: those the engine placed near one intent with some confidence (it
 * recognised what is asked, and could not answer it: no article, or not sure enough) form that
 * intent's cluster, however they are worded; the rest are grouped by wording (`clusterByWording`,
 * the engine's tokeniser and Jaccard similarity).
 */
async function clusterNeeds<R extends { text: string; bestIntent: string | null; confidence: number }>(
  rows: R[],
) {
  const byIntent = new Map<string, R[]>();
  const rest: R[] = [];
  for (const row of rows) {
    if (row.bestIntent && row.confidence >= INTENT_CONFIDENCE) {
      const group = byIntent.get(row.bestIntent);
      if (group) group.push(row);
      else byIntent.set(row.bestIntent, [row]);
    } else rest.push(row);
  }
  const byWording = await clusterByWording(rest);
  return Object.assign(
    [
      ...[...byIntent].map(([intent, group]) => ({ intent: intent as string | null, rows: group })),
      ...byWording.map((c) => ({ intent: null, rows: c.rows })),
    ],
    { unclustered: byWording.unclustered },
  );
}

/**
 * A cluster's key (its intent, else its most frequent wording, hashed) and its label (the most
 * frequent wording; ties: the first in code-point order).
 */
const clusterKey = (intent: string | null, texts: string[]) => {
  const counts = countBy(texts);
  const [top] = Object.entries(counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const key = intent ? `intent:${intent}` : `wording:${top![0]}`;
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 12), label: top![0] };
};

/** Questions read (and clustered) per window at most: the rest of a busy window is sampled. */
export const WINDOW_SAMPLE = 1_000;

type Stored = typeof unansweredQuestions.$inferSelect;

/**
 * One window's questions, at most `cap`: all of them when they fit, else about one in `stride`
 * picked by a hash of the id (Fibonacci hashing: the high bits of id × 2654435761 mod 2³²), so the
 * sample spreads over the whole window — a need asked early counts as much as one asked late — and
 * does not alias with traffic that repeats every k questions (every k-th id would). Never "the
 * newest N of both windows", which cut the older window short and made every steady need rise.
 */
async function readWindow(
  deps: Deps,
  appId: string,
  channel: string | undefined,
  from: number,
  to: number,
  cap: number,
): Promise<{ total: number; rows: Stored[] }> {
  const where = and(
    eq(unansweredQuestions.appId, appId),
    gte(unansweredQuestions.createdAt, from),
    lt(unansweredQuestions.createdAt, to),
    channel ? eq(unansweredQuestions.channel, channel) : undefined,
  );
  const [counted] = await deps.database.db.select({ n: count() }).from(unansweredQuestions).where(where);
  const total = counted?.n ?? 0;
  // Headroom so the hashed sample rarely exceeds the cap (the LIMIT then trims the oldest few).
  const stride = total > cap ? Math.ceil(total / (cap * 0.9)) : 1;
  const rows = await deps.database.db
    .select()
    .from(unansweredQuestions)
    .where(
      stride > 1
        ? and(where, sql`(((${unansweredQuestions.id} * 2654435761) % 4294967296) >> 16) % ${stride} = 0`)
        : where,
    )
    .orderBy(desc(unansweredQuestions.createdAt))
    .limit(cap);
  return { total, rows };
}

/** Customer messages in [from, to) from the message rollup (15-minute slots), per channel or all. */
async function customerMessages(
  deps: Deps,
  appId: string,
  channel: string | undefined,
  from: number,
  to: number,
) {
  const [row] = await deps.database.db.all<{ n: number | null }>(sql`
    SELECT sum(count) AS n FROM insight_message_counts
    WHERE app_id = ${appId} AND author_type = 'customer' AND slot >= ${from} AND slot < ${to}
      ${channel ? sql`AND channel = ${channel}` : sql``}`);
  return Number(row?.n ?? 0);
}

/**
 * GET /v1/insights/emerging — the needs the bot cannot answer yet: unanswered and low-confidence
 * questions of the last two windows (default 7 days each), grouped into needs (see
 * `clusterNeeds`), each with its count in the recent window against the one before.
 *
 * Rising compares *shares*, not counts: a need's shoppers (each once per window, so one shopper
 * or script repeating a question is one voice) among all customer messages of each window (the message rollup; at least the window's questions, for data without messages), by
 * Fisher's exact test, decided for all clusters together by Benjamini–Hochberg at 1 %, with at
 * least 5 recent. So Double 11 tripling all traffic raises no need, and a need that grows faster
 * than the traffic does. Each window is read on its own, up to WINDOW_SAMPLE questions (an even
 * sample beyond that, `truncated: true`, counts then estimated to the window's total), and at most
 * MAX_CLUSTERS wording clusters are formed: the work per request is bounded however many distinct
 * questions a shop (or a script) sends, and long loops yield to the event loop. Shopper text is
 * redacted (`redactShopperText`) before it is clustered, so labels, samples and ids never carry
 * phone or order numbers.
 * Ranked rising first, then by shoppers in the recent window, then by recent and overall size.
 */
export async function emergingNeeds(deps: Deps, appId: string, query: Query): Promise<EmergingAnswer> {
  const now = deps.clock.now();
  const window = query.windowDays * DAY_MS;
  const recentFrom = now - window;
  // The message rollup is each window's denominator: brought up to date like every insights read.
  await foldForReader(deps, appId);
  const [recentWindow, previousWindow] = await Promise.all([
    readWindow(deps, appId, query.channel, recentFrom, Number.MAX_SAFE_INTEGER, WINDOW_SAMPLE),
    readWindow(deps, appId, query.channel, now - 2 * window, recentFrom, WINDOW_SAMPLE),
  ]);
  const stored = [...recentWindow.rows, ...previousWindow.rows];
  const texts = await openAllForCustomers(
    deps,
    stored.map((row) => row.text),
  );
  // An erased customer's questions no longer open: they drop out.
  const opened = stored.flatMap((row, i) => (texts[i] ? [{ ...row, text: texts[i] }] : []));
  const redacted = await redactAll(opened.map((row) => row.text));
  const rows = opened.map((row, i) => ({ ...row, text: redacted[i]! }));
  const needs = await clusterNeeds(rows);
  // Each window's denominator, in the sample's units: customer messages (never fewer than the
  // window's questions) × the share of the window's questions that was read.
  const [recentMessages, previousMessages] = await Promise.all([
    customerMessages(
      deps,
      appId,
      query.channel,
      recentFrom - (recentFrom % SLOT_MS),
      Number.MAX_SAFE_INTEGER,
    ),
    customerMessages(
      deps,
      appId,
      query.channel,
      now - 2 * window - ((now - 2 * window) % SLOT_MS),
      recentFrom - (recentFrom % SLOT_MS),
    ),
  ]);
  const scale = (w: { total: number; rows: Stored[] }) => (w.rows.length ? w.total / w.rows.length : 1);
  const recentScale = scale(recentWindow);
  const previousScale = scale(previousWindow);
  const sampleTotal = (messages: number, w: { total: number; rows: Stored[] }) =>
    Math.round(Math.max(messages, w.total) / scale(w));
  // Rising counts shoppers, not questions: each shopper once per need and window. One shopper (or
  // one script) asking the same thing 60 times is one voice, never a need the shop should write an
  // article for; 60 shoppers asking once each is.
  const shoppers = (rows: { customerId: string }[]) => new Set(rows.map((r) => r.customerId)).size;
  const counted = needs.map((cluster) => {
    const recentRows = cluster.rows.filter((r) => r.createdAt >= recentFrom);
    const previousRows = cluster.rows.filter((r) => r.createdAt < recentFrom);
    return {
      cluster,
      recent: recentRows.length,
      previous: previousRows.length,
      recentCustomers: shoppers(recentRows),
      previousCustomers: shoppers(previousRows),
    };
  });
  const tests = risingAmong(
    counted.map((c) => ({ recent: c.recentCustomers, previous: c.previousCustomers })),
    sampleTotal(recentMessages, recentWindow),
    sampleTotal(previousMessages, previousWindow),
  );
  const clusters: Cluster[] = counted.map(({ cluster, recent, previous, recentCustomers }, i) => {
    const estimatedRecent = Math.round(recent * recentScale);
    const estimatedPrevious = Math.round(previous * previousScale);
    return {
      ...clusterKey(
        cluster.intent,
        cluster.rows.map((r) => r.text),
      ),
      count: estimatedRecent + estimatedPrevious,
      recent: estimatedRecent,
      previous: estimatedPrevious,
      recentCustomers,
      p: Number(tests[i]!.p.toPrecision(6)),
      rising: tests[i]!.rising,
      channels: countBy(cluster.rows.map((r) => r.channel)),
      samples: [...new Set(cluster.rows.map((r) => r.text))].slice(0, 5),
      nearestIntent: mode(cluster.rows.map((r) => r.bestIntent)),
      lastAskedAt: iso(Math.max(...cluster.rows.map((r) => r.createdAt))),
    };
  });
  clusters.sort(
    (a, b) =>
      Number(b.rising) - Number(a.rising) ||
      b.recentCustomers - a.recentCustomers ||
      b.recent - a.recent ||
      b.count - a.count ||
      (a.id < b.id ? -1 : 1),
  );
  const truncated =
    recentWindow.rows.length < recentWindow.total ||
    previousWindow.rows.length < previousWindow.total ||
    needs.unclustered > 0;
  return {
    windowDays: query.windowDays,
    total: recentWindow.total + previousWindow.total,
    recentTotal: recentWindow.total,
    previousTotal: previousWindow.total,
    truncated,
    unclustered: needs.unclustered,
    clusters: clusters.slice(0, query.limit),
  };
}

/**
 * GET /v1/insights/emerging/{id}/article — "make an article": a draft for POST /v1/kb/articles from
 * a cluster: its distinct questions (redacted) as the question variants, its nearest intent, and a
 * title that is never a shopper's raw words — article titles are shown to other shoppers (as
 * clarifying options): the intent's name when the cluster has one, else the shortest of its
 * redacted wordings. The answer is left for a person to write: the bot could not answer these.
 */
export async function draftArticle(
  deps: Deps,
  appId: string,
  id: string,
  query: Query,
): Promise<ArticleDraftAnswer> {
  const { clusters } = await emergingNeeds(deps, appId, { ...query, limit: 100 });
  const cluster = clusters.find((c) => c.id === id);
  if (!cluster)
    throw new ApiError('not_found', 'No such cluster in this window (the questions may have aged out).');
  const intent = cluster.nearestIntent ? await getIntent(deps, appId, cluster.nearestIntent) : null;
  const length = (text: string) => Array.from(text).length;
  const shortest = [cluster.label, ...cluster.samples].reduce((a, b) => (length(b) < length(a) ? b : a));
  return {
    draft: {
      title: intent?.name || shortest,
      questions: [...new Set([cluster.label, ...cluster.samples])].slice(0, 20),
      answer: '',
      ...(cluster.nearestIntent ? { intent: cluster.nearestIntent } : {}),
    },
    cluster,
  };
}
