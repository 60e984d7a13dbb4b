import type { ChannelSender, PhoneCallAnswer } from '@threadline/sdk-core/protocol';
import type { AppRow } from '../apps';
import { buildHandoffSummary, findOpenConversation, timelinePage } from '../conversations';
import { type CustomerRow, type IdentityInput, upsertVerifiedCustomer } from '../identity';
import type { ServiceDeps } from '../platform/deps';
import { currentCart } from '../profile';
import { openTicketsOf, toWireTicket } from '../tickets';

/** Server channels speak with the secret key, so whatever identities they name are verified. */
export function senderIdentities(from: ChannelSender): { externalId?: string; identities: IdentityInput[] } {
  return {
    externalId: from.externalId,
    identities: [
      ...(from.identity ? [{ ...from.identity, verified: true }] : []),
      ...(from.phone ? [{ kind: 'phone', value: from.phone, verified: true }] : []),
    ],
  };
}

/** Finds or creates the customer a server channel's sender is. */
export async function resolveChannelSender(
  deps: ServiceDeps,
  app: AppRow,
  from: ChannelSender,
): Promise<CustomerRow> {
  return deps.database.write(async (db, onCommit) => {
    const { customer } = await upsertVerifiedCustomer(deps, db, onCommit, app.id, {
      ...senderIdentities(from),
      name: from.name,
    });
    return customer;
  });
}

/** Screen-pop / IVR context for an incoming call: who it is and where they left off. */
export async function phoneCallContext(
  deps: ServiceDeps,
  app: AppRow,
  phone: string,
): Promise<PhoneCallAnswer> {
  const customer = await resolveChannelSender(deps, app, { phone });
  const db = deps.database.db;
  const [page, conversation, cart, openTickets] = await Promise.all([
    timelinePage(db, customer.id, { limit: 10 }),
    findOpenConversation(db, customer.id),
    currentCart(db, customer.id),
    openTicketsOf(db, customer.id),
  ]);
  const lastIntent =
    (conversation?.context.lastIntent as string | undefined) ??
    [...page.messages].reverse().find((m) => m.intent)?.intent ??
    null;
  return {
    customer: { id: customer.id, identified: customer.identified },
    context: {
      recentMessages: page.messages,
      openTickets: openTickets.map(toWireTicket),
      lastIntent,
      cart,
      // The call is a change of hands too: the agent or IVR gets a fresh summary.
      summary: conversation
        ? await buildHandoffSummary(db, conversation, {
            reason: 'screen_pop',
            fromChannel: conversation.lastChannel,
            toChannel: 'phone',
            now: deps.clock.now(),
          })
        : null,
    },
  };
}
