import { cardUrl } from '@threadline/sdk-core/protocol';
import { eq, sql } from 'drizzle-orm';
import { hotQuery, slot } from '../db/hot-queries';
import { apps, cardOpens, messages } from '../db/schema';
import { messageIdOfClickToken } from '../platform/click-links';
import type { ServiceDeps } from '../platform/deps';
import { cardHostIssues } from './card-hosts';

/**
 * Follows a card's click-through link: the token's message (made by this server, see
 * platform/click-links.ts), its card's target read from the stored message, and the open
 * recorded — the first open's time once, every open counted (`card_opens`). Null when the token
 * is malformed or forged, the message is gone (erased), holds no card with a safe target, or the
 * target's host is no longer one of the app's card hosts (a lapsed or taken-over campaign domain
 * the merchant removed: the API's own domain must stop vouching for links already sent): the
 * route answers 404 and never redirects anywhere the request names.
 */
export async function openCardLink(
  deps: Pick<ServiceDeps, 'database' | 'clock' | 'config'>,
  token: string,
  options: { record: boolean },
): Promise<string | null> {
  const messageId = messageIdOfClickToken(deps.config, token);
  if (!messageId) return null;
  return deps.database.write(async (db) => {
    const [message] = await db
      .select({ appId: messages.appId, customerId: messages.customerId, meta: messages.meta })
      .from(messages)
      .where(eq(messages.id, messageId))
      .limit(1);
    const card = message?.meta?.card as { targetUrl?: unknown } | undefined;
    if (!message || !card || !cardUrl.safeParse(card.targetUrl).success) return null;
    const [app] = await db
      .select({ allowedOrigins: apps.allowedOrigins, settings: apps.settings })
      .from(apps)
      .where(eq(apps.id, message.appId))
      .limit(1);
    if (!app || cardHostIssues(app, { targetUrl: card.targetUrl as string }).length > 0) return null;
    if (options.record) {
      const now = deps.clock.now();
      const followUpId = message.meta?.followUpId;
      await hotQuery(db, 'cardOpens.record', (d) =>
        d
          .insert(cardOpens)
          .values({
            messageId: slot('messageId'),
            appId: slot('appId'),
            customerId: slot('customerId'),
            followUpId: slot('followUpId'),
            openedAt: slot('now'),
            lastOpenedAt: slot('now'),
            opens: 1,
          } as never)
          // The first open stays the first: a repeat only counts and moves the last-open time.
          .onConflictDoUpdate({
            target: cardOpens.messageId,
            set: { opens: sql`${cardOpens.opens} + 1`, lastOpenedAt: sql`excluded.last_opened_at` },
          })
          .prepare(),
      ).run({
        messageId,
        appId: message.appId,
        customerId: message.customerId,
        followUpId: typeof followUpId === 'string' ? followUpId : null,
        now,
      });
    }
    return card.targetUrl as string;
  });
}
