import { and, eq, inArray, lt, notExists } from 'drizzle-orm';
import { apps, conversations, events, messages } from '../db/schema';
import { foldInsights } from '../insights';
import type { ServiceDeps } from '../platform/deps';
import { pruneWebhookLog, WEBHOOK_LOG_KEEP_MS } from '../webhooks';

const DAY_MS = 24 * 3600_000;
/** Rows deleted per statement, and statements per app per sweep: a sweep never holds the writer long. */
const BATCH = 500;
const MAX_BATCHES = 40;

/**
 * Applies each app's `messageRetentionDays`: deletes its messages older than that, on every channel,
 * with the event log's copies (message events carry the text). Bounded per run; what is left goes
 * in the next run. Returns how many messages went.
 *
 * Messages of a conversation that waits for or is with a person (`queued`, `assigned`) are kept
 * whatever their age: the agent answering needs the whole matter, and so does the handoff summary.
 * They go in the first sweep after the conversation is resolved or handed back to the bot. A bot
 * conversation is no such matter: its old turns go, or a shopper who never ends one would keep
 * their messages forever.
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
          .where(
            and(
              eq(messages.appId, app.id),
              lt(messages.createdAt, cutoff),
              notExists(
                tx
                  .select({ id: conversations.id })
                  .from(conversations)
                  .where(
                    and(
                      eq(conversations.id, messages.conversationId),
                      inArray(conversations.status, ['queued', 'assigned']),
                    ),
                  ),
              ),
            ),
          )
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
    // The webhook log holds copies of the same messages (sealed event data): delivered and given-up
    // ones go with the period when it is shorter than the log's own 30 days. Pending ones are
    // still owed to the merchant's CRM and stay.
    const keepMs = app.settings.messageRetentionDays! * DAY_MS;
    if (keepMs < WEBHOOK_LOG_KEEP_MS)
      for (let batch = 0; batch < MAX_BATCHES; batch++)
        if ((await pruneWebhookLog(deps, keepMs, app.id)) < 1000) break;
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
