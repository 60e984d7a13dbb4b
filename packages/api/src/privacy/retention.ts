import { and, eq, inArray, lt } from 'drizzle-orm';
import { apps, events, messages } from '../db/schema';
import { foldInsights } from '../insights';
import type { ServiceDeps } from '../platform/deps';

const DAY_MS = 24 * 3600_000;
/** Rows deleted per statement, and statements per app per sweep: a sweep never holds the writer long. */
const BATCH = 500;
const MAX_BATCHES = 40;

/**
 * Applies each app's `messageRetentionDays`: deletes its messages older than that, on every channel,
 * with the event log's copies (message events carry the text). Bounded per run; what is left goes
 * in the next run. Returns how many messages went.
 */
export async function sweepRetention(
  deps: Pick<ServiceDeps, 'database' | 'clock' | 'sealer' | 'logger'>,
): Promise<number> {
  const db = deps.database.db;
  const withRetention = (await db.select({ id: apps.id, settings: apps.settings }).from(apps)).filter(
    (app) => typeof app.settings.messageRetentionDays === 'number',
  );
  // Insights keep their figures after the messages go: fold what is still unfolded first.
  if (withRetention.length > 0) await foldInsights(deps);
  let deleted = 0;
  for (const app of withRetention) {
    const cutoff = deps.clock.now() - app.settings.messageRetentionDays! * DAY_MS;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const gone = await deps.database.write(async (tx) => {
        const old = tx
          .select({ seq: messages.seq })
          .from(messages)
          .where(and(eq(messages.appId, app.id), lt(messages.createdAt, cutoff)))
          .limit(BATCH);
        const removed = await tx
          .delete(messages)
          .where(inArray(messages.seq, old))
          .returning({ seq: messages.seq });
        const oldEvents = tx
          .select({ id: events.id })
          .from(events)
          .where(and(eq(events.appId, app.id), lt(events.createdAt, cutoff)))
          .limit(BATCH);
        await tx.delete(events).where(inArray(events.id, oldEvents));
        return removed.length;
      });
      deleted += gone;
      if (gone < BATCH) break;
    }
  }
  return deleted;
}

/** Runs the sweep now and then every `everyMs` (default hourly); returns the stop. */
export function startRetentionSweeper(
  deps: Pick<ServiceDeps, 'database' | 'clock' | 'sealer' | 'logger'>,
  options: { everyMs?: number } = {},
): () => void {
  const run = () =>
    sweepRetention(deps).catch((error) =>
      deps.logger.error('retention sweep failed', { error: String(error) }),
    );
  void run();
  const timer = setInterval(run, options.everyMs ?? 3600_000);
  timer.unref?.();
  return () => clearInterval(timer);
}
