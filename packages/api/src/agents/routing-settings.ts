import type { RoutingSettings } from '@threadline/sdk-core/protocol';
import { eq } from 'drizzle-orm';
import { recordAudit } from '../audit';
import { routingSettings } from '../db/schema';
import type { ServiceDeps } from '../platform/deps';

/** The app's routing rules (none: every queued conversation can go to any agent). */
export async function getRoutingSettings(
  deps: Pick<ServiceDeps, 'database'>,
  appId: string,
): Promise<RoutingSettings> {
  const [row] = await deps.database.db
    .select()
    .from(routingSettings)
    .where(eq(routingSettings.appId, appId))
    .limit(1);
  return row?.settings ?? { rules: [] };
}

/** Replaces the rules. They apply to conversations queued from now on, and to transfers. */
export async function putRoutingSettings(
  deps: ServiceDeps,
  appId: string,
  settings: RoutingSettings,
): Promise<RoutingSettings> {
  return deps.database.write(async (db) => {
    const now = deps.clock.now();
    await db
      .insert(routingSettings)
      .values({ appId, settings, updatedAt: now })
      .onConflictDoUpdate({ target: routingSettings.appId, set: { settings, updatedAt: now } });
    await recordAudit(deps, db, {
      appId,
      actor: { type: 'merchant', id: null },
      action: 'routing.updated',
      subject: { type: 'app', id: appId },
      details: { rules: settings.rules.length },
    });
    return settings;
  });
}
