import { recordAudit } from '../audit';
import { resolveCustomer } from '../identity';
import type { ServiceDeps } from '../platform/deps';
import type { Actor } from './ownership';

/**
 * POST /v1/agent/customers/:id/consent — the agent records what the shopper said ("别再给我发了"
 * on the phone): the `marketingOptOut` attribute is set (or removed on opt-in) through the
 * follow-ups domain, which cancels what was scheduled, and the change is audited with the agent's
 * id in the same transaction. A merged id resolves to the person it was merged into.
 */
export async function setConsentByAgent(
  deps: ServiceDeps,
  agent: Actor,
  customerId: string,
  marketingOptOut: boolean,
): Promise<{ customerId: string; marketingOptOut: boolean; cancelled: number }> {
  return deps.database.write(async (db, onCommit) => {
    const person = await resolveCustomer(db, agent.appId, customerId);
    const target = { appId: agent.appId, customerId: person.id };
    const cancelled = (await deps.followUps?.setMarketingOptOut(db, onCommit, target, marketingOptOut)) ?? 0;
    await recordAudit(deps, db, {
      appId: agent.appId,
      actor: { type: 'agent', id: agent.id },
      action: marketingOptOut ? 'customer.marketing_opted_out' : 'customer.marketing_opted_in',
      subject: { type: 'customer', id: person.id },
      details: { cancelledFollowUps: cancelled },
    });
    return { customerId: person.id, marketingOptOut, cancelled };
  });
}
