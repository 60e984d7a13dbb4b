import { createHash } from 'node:crypto';
import type { ArticleDraftAnswer, EmergingAnswer, emergingQuery } from '@threadline/sdk-core/protocol';
import { and, desc, eq, gte } from 'drizzle-orm';
import type { z } from 'zod';
import { unansweredQuestions } from '../db/schema';
import { openAllForCustomers } from '../identity';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { countGrowthP, isGrowing } from './significance';
import { clusterByWording, countBy, mode } from './unanswered';

type Deps = Pick<ServiceDeps, 'database' | 'sealer' | 'clock'>;
type Query = z.infer<typeof emergingQuery>;
type Cluster = EmergingAnswer['clusters'][number];

const DAY_MS = 24 * 3600_000;
const MAX_ROWS = 10_000;

/** The engine's confidence in a question's nearest intent above which that intent names its need. */
const INTENT_CONFIDENCE = 0.4;

/**
 * Groups questions into needs: those the engine placed near one intent with some confidence (it
 * recognised what is asked, and could not answer it: no article, or not sure enough) form that
 * intent's cluster, however they are worded; the rest are grouped by wording (`clusterByWording`,
 * the engine's tokeniser and Jaccard similarity).
 */
function clusterNeeds<R extends { text: string; bestIntent: string | null; confidence: number }>(rows: R[]) {
  const byIntent = new Map<string, R[]>();
  const rest: R[] = [];
  for (const row of rows) {
    if (row.bestIntent && row.confidence >= INTENT_CONFIDENCE)
      byIntent.set(row.bestIntent, [...(byIntent.get(row.bestIntent) ?? []), row]);
    else rest.push(row);
  }
  return [
    ...[...byIntent].map(([intent, group]) => ({ intent, rows: group })),
    ...clusterByWording(rest).map((c) => ({ intent: null, rows: c.rows })),
  ];
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

/**
 * GET /v1/insights/emerging — the needs the bot cannot answer yet: unanswered and low-confidence
 * questions of the last two windows (default 7 days each), grouped into needs (see
 * `clusterNeeds`), each with its count in the recent window against the one before. Ranked
 * rising first (the exact binomial test of `countGrowthP`, p < 0.01 with at least 5 recent), then
 * by recent size, then overall size.
 */
export async function emergingNeeds(deps: Deps, appId: string, query: Query): Promise<EmergingAnswer> {
  const now = deps.clock.now();
  const window = query.windowDays * DAY_MS;
  const recentFrom = now - window;
  const stored = await deps.database.db
    .select()
    .from(unansweredQuestions)
    .where(
      and(
        eq(unansweredQuestions.appId, appId),
        gte(unansweredQuestions.createdAt, now - 2 * window),
        query.channel ? eq(unansweredQuestions.channel, query.channel) : undefined,
      ),
    )
    .orderBy(desc(unansweredQuestions.createdAt))
    .limit(MAX_ROWS);
  const texts = await openAllForCustomers(
    deps,
    stored.map((row) => row.text),
  );
  // An erased customer's questions no longer open: they drop out.
  const rows = stored.flatMap((row, i) => (texts[i] ? [{ ...row, text: texts[i] }] : []));
  const clusters: Cluster[] = clusterNeeds(rows).map((cluster) => {
    const recent = cluster.rows.filter((r) => r.createdAt >= recentFrom).length;
    const previous = cluster.rows.length - recent;
    return {
      ...clusterKey(
        cluster.intent,
        cluster.rows.map((r) => r.text),
      ),
      count: cluster.rows.length,
      recent,
      previous,
      p: Math.round(countGrowthP(recent, previous) * 10_000) / 10_000,
      rising: isGrowing(recent, previous),
      channels: countBy(cluster.rows.map((r) => r.channel)),
      samples: [...new Set(cluster.rows.map((r) => r.text))].slice(0, 5),
      nearestIntent: mode(cluster.rows.map((r) => r.bestIntent)),
      lastAskedAt: iso(cluster.rows[0]!.createdAt),
    };
  });
  clusters.sort(
    (a, b) =>
      Number(b.rising) - Number(a.rising) ||
      b.recent - a.recent ||
      b.count - a.count ||
      (a.id < b.id ? -1 : 1),
  );
  return { windowDays: query.windowDays, total: rows.length, clusters: clusters.slice(0, query.limit) };
}

/**
 * GET /v1/insights/emerging/{id}/article — "make an article": a draft for POST /v1/kb/articles from
 * a cluster (its wording as the title, its distinct questions as the question variants, its nearest
 * intent). The answer is left for a person to write: the bot could not answer these.
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
  return {
    draft: {
      title: cluster.label,
      questions: [...new Set([cluster.label, ...cluster.samples])].slice(0, 20),
      answer: '',
      ...(cluster.nearestIntent ? { intent: cluster.nearestIntent } : {}),
    },
    cluster,
  };
}
