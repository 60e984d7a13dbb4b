import type { ChannelSender, PhoneCallAnswer } from '@threadline/sdk-core/protocol';
import type { AppRow } from '../apps';
import { buildHandoffSummary, findOpenConversation, timelinePage } from '../conversations';
import { type CustomerRow, type IdentityInput, toE164, upsertVerifiedCustomer } from '../identity';
import type { ServiceDeps } from '../platform/deps';
import { currentCart } from '../profile';
import { openTicketRows, openTicketsOf, toWireTicket } from '../tickets';

/**
 * Server channels speak with the secret key, so whatever identities they name are verified. Phones
 * (`from.phone`, or an identity of kind phone) are read in the app's region and kept in E.164.
 */
export function senderIdentities(
  app: AppRow,
  from: ChannelSender,
): { externalId?: string; identities: IdentityInput[] } {
  const identity = from.identity
    ? from.identity.kind === 'phone'
      ? { kind: 'phone', value: toE164(from.identity.value, app.settings.phoneRegion, 'from.identity.value') }
      : from.identity
    : undefined;
  return {
    externalId: from.externalId,
    identities: [
      ...(identity ? [{ ...identity, verified: true }] : []),
      ...(from.phone
        ? [
            {
              kind: 'phone',
              value: toE164(from.phone, app.settings.phoneRegion, 'from.phone'),
              verified: true,
            },
          ]
        : []),
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
      ...senderIdentities(app, from),
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
    timelinePage(deps, db, customer.id, { limit: 10 }),
    findOpenConversation(db, customer.id),
    currentCart(deps, db, customer.id),
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
      openTickets: (await openTicketRows(deps, openTickets)).map(toWireTicket),
      lastIntent,
      cart,
      // The call is a change of hands too: the agent or IVR gets a fresh summary.
      summary: conversation
        ? await buildHandoffSummary(deps, db, conversation, {
            reason: 'screen_pop',
            fromChannel: conversation.lastChannel,
            toChannel: 'phone',
            now: deps.clock.now(),
          })
        : null,
    },
  };
}
