import type { UnansweredInsights } from '@threadline/sdk-core/protocol';
import { and, desc, eq, gte } from 'drizzle-orm';
import type { Db } from '../db/database';
import { unansweredQuestions } from '../db/schema';
import { openAllForCustomers, sealForCustomer, survivingCustomerId } from '../identity';
import { tokenize } from '../knowledge';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { CHUNK, redactAll, yieldToLoop } from './redact';

export type UnansweredRow = typeof unansweredQuestions.$inferSelect;

type Deps = Pick<ServiceDeps, 'database' | 'clock' | 'sealer' | 'config'>;

/** Keeps a question the bot could not answer confidently, for the learning loop. */
export async function recordUnanswered(
  deps: Deps,
  row: Omit<UnansweredRow, 'id' | 'createdAt'>,
): Promise<void> {
  // Recorded after the send's commit, for a customer read before it: merged since, the survivor's.
  await deps.database.write(async (db, onCommit) =>
    recordUnansweredIn(deps, db, onCommit, {
      ...row,
      customerId: await survivingCustomerId(db, row.appId, row.customerId),
    }),
  );
}

/**
 * The same, inside a transaction the caller already holds (the send's own). The question is the
 * shopper's own words: stored sealed with their data key.
 */
export async function recordUnansweredIn(
  deps: Deps,
  db: Db,
  onCommit: (callback: () => void) => void,
  row: Omit<UnansweredRow, 'id' | 'createdAt'>,
): Promise<void> {
  const text = await sealForCustomer(deps, db, onCommit, row, [...row.text].slice(0, 500).join(''));
  await db.insert(unansweredQuestions).values({ ...row, text, createdAt: deps.clock.now() });
}

const SIMILARITY = 0.3;
const MAX_ROWS = 5000;
/**
 * At most this many wording clusters: each question is compared with every cluster's leader, so
 * the work is rows × clusters. 10,000 distinct texts (a script posting gibberish) would otherwise
 * be 5·10⁷ comparisons on the event loop; capped, questions that resemble none of the first 200
 * needs are left out (and counted as `unclustered`).
 */
export const MAX_CLUSTERS = 200;

export interface QuestionCluster<R> {
  leader: Set<string>;
  rows: R[];
}

/**
 * Groups questions by wording: the engine's tokeniser gives each its words (or, for text it cannot
 * split, character bigrams); a question joins the cluster whose first question it resembles most
 * (Jaccard similarity of those sets, at least 0.3), else starts a new one — up to `maxClusters`;
 * past that, a question like none of them is only counted in `unclustered`. One pass, in the order
 * given (newest first), so the leader is the newest wording of a need; a repeated wording follows
 * its first placement.
 */
export async function clusterByWording<R extends { text: string }>(
  rows: R[],
  maxClusters = MAX_CLUSTERS,
): Promise<QuestionCluster<R>[] & { unclustered: number }> {
  const clusters = Object.assign([] as QuestionCluster<R>[], { unclustered: 0 });
  // The same wording always lands in the same cluster: each distinct text is tokenised and placed
  // once (yielding to the event loop every CHUNK of them), repeats follow it.
  const placed = new Map<string, QuestionCluster<R> | null>();
  for (const row of rows) {
    if (placed.has(row.text)) {
      const cluster = placed.get(row.text);
      if (cluster) cluster.rows.push(row);
      else clusters.unclustered += 1;
      continue;
    }
    if (placed.size % CHUNK === CHUNK - 1) await yieldToLoop();
    const tokens = tokenize(row.text);
    const terms = new Set(tokens.terms.length ? tokens.terms : tokens.chars);
    let best: QuestionCluster<R> | null = null;
    let bestScore = SIMILARITY;
    for (const cluster of clusters) {
      const score = jaccard(terms, cluster.leader);
      if (score >= bestScore) {
        best = cluster;
        bestScore = score;
      }
    }
    if (!best && clusters.length < maxClusters) {
      best = { leader: terms, rows: [] };
      clusters.push(best);
    }
    placed.set(row.text, best);
    if (best) best.rows.push(row);
    else clusters.unclustered += 1;
  }
  return clusters;
}

const jaccard = (a: Set<string>, b: Set<string>) => {
  let shared = 0;
  for (const t of a) if (b.has(t)) shared++;
  return shared / (a.size + b.size - shared || 1);
};

/** The most frequent non-null value. */
export const mode = (values: (string | null)[]) => {
  const counts = new Map<string, number>();
  for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
};
/** Counted in a Map: channel slugs are the app's to choose ("constructor" is one). */
export const countBy = (values: string[]) => {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return Object.fromEntries(counts);
};

/**
 * Groups recent unanswered and low-confidence questions by wording (character bigrams and words,
 * Jaccard similarity against each cluster's first question), so an operator sees the new frequent
 * needs per channel — with counts and samples, ready to become an article.
 */
export async function clusterUnanswered(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  appId: string,
  query: { since?: string; channel?: string; limit: number },
): Promise<UnansweredInsights> {
  const stored = await deps.database.db
    .select()
    .from(unansweredQuestions)
    .where(
      and(
        eq(unansweredQuestions.appId, appId),
        query.since ? gte(unansweredQuestions.createdAt, Date.parse(query.since)) : undefined,
        query.channel ? eq(unansweredQuestions.channel, query.channel) : undefined,
      ),
    )
    .orderBy(desc(unansweredQuestions.createdAt))
    .limit(MAX_ROWS);
  const texts = await openAllForCustomers(
    deps,
    stored.map((row) => row.text),
  );
  // An erased customer's questions no longer open: they drop out of the clusters.
  // Redacted before clustering: what leaves here are wordings, never phone or order numbers.
  const opened = stored.flatMap((row, i) => (texts[i] ? [{ ...row, text: texts[i] }] : []));
  const redacted = await redactAll(opened.map((row) => row.text));
  const rows = opened.map((row, i) => ({ ...row, text: redacted[i]! }));

  const clusters = await clusterByWording(rows);

  return {
    total: rows.length,
    truncated: stored.length === MAX_ROWS || clusters.unclustered > 0,
    clusters: clusters
      .sort((a, b) => b.rows.length - a.rows.length || b.rows[0]!.createdAt - a.rows[0]!.createdAt)
      .slice(0, query.limit)
      .map((cluster) => {
        const texts = [...new Set(cluster.rows.map((r) => r.text))];
        return {
          label: cluster.rows[cluster.rows.length - 1]!.text,
          count: cluster.rows.length,
          channels: countBy(cluster.rows.map((r) => r.channel)),
          kinds: countBy(cluster.rows.map((r) => r.kind)),
          samples: texts.slice(0, 5),
          nearestIntent: mode(cluster.rows.map((r) => r.bestIntent)),
          nearestArticleId: mode(cluster.rows.map((r) => r.bestArticleId)),
          lastAskedAt: iso(cluster.rows[0]!.createdAt),
        };
      }),
  };
}
