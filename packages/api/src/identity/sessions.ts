import type { CreateSessionBody, IdentifyAnswer, SessionAnswer } from '@threadline/sdk-core/protocol';
import { and, eq } from 'drizzle-orm';
import {
  type AppRow,
  assertKnownChannel,
  DEFAULT_IDENTITY_TOKEN_LIFETIME_SEC,
  identitySecretOf,
} from '../apps';
import { findOpenConversation, toConversationRef } from '../conversations';
import type { Db } from '../db/database';
import { identities, sessions } from '../db/schema';
import { claimHandoff, findClaimableHandoff, type HandoffGuards } from '../handoffs';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { createId } from '../platform/secrets';
import {
  type CustomerRow,
  createCustomer,
  findCustomerByIdentity,
  mergeCustomers,
  resolveCustomer,
  upsertVerifiedCustomer,
  type VerifiedPerson,
} from './customers';
import { type IdentityClaims, verifyIdentityToken } from './identity-tokens';
import { signSessionToken } from './session-tokens';
import { exchangeWechatCode } from './wechat';

export type SessionRow = typeof sessions.$inferSelect;

export function personFromClaims(claims: IdentityClaims): VerifiedPerson {
  return {
    externalId: claims.sub,
    name: claims.name,
    identities: [
      ...(claims.unionid ? [{ kind: 'wechat_unionid', value: claims.unionid, verified: true }] : []),
      ...(claims.phone ? [{ kind: 'phone', value: claims.phone, verified: true }] : []),
      ...(claims.email ? [{ kind: 'email', value: claims.email, verified: true }] : []),
      ...Object.entries(claims.handles ?? {}).map(([kind, value]) => ({ kind, value, verified: true })),
    ],
  };
}

export async function verifyAppIdentityToken(deps: ServiceDeps, app: AppRow, token: string) {
  return verifyIdentityToken(token, identitySecretOf(deps, app), {
    clock: deps.clock,
    maxLifetimeSec: app.settings.identityTokenMaxLifetimeSec ?? DEFAULT_IDENTITY_TOKEN_LIFETIME_SEC,
  });
}

/** An anonymous customer with no verified identity may be folded into a verified one. */
async function isMergeableAnonymous(customer: CustomerRow): Promise<boolean> {
  return !customer.identified && !customer.mergedInto;
}

/**
 * POST /v1/sessions. Works out who this is — identity token, WeChat login, handoff code, or the
 * device's anonymous id — binds the device's anonymous history to a verified customer when there
 * is one, and issues a session token.
 */
export async function startSession(
  deps: ServiceDeps,
  guards: HandoffGuards,
  input: { app: AppRow; body: CreateSessionBody; clientKey: string },
): Promise<SessionAnswer> {
  const { app, body } = input;
  assertKnownChannel(app, body.channel);

  // Everything that talks to the outside or can fail cheaply happens before the write transaction.
  const claims = body.identityToken ? await verifyAppIdentityToken(deps, app, body.identityToken) : null;
  const wechat = body.wechatCode ? await exchangeWechatCode(deps, app, body.wechatCode) : null;
  const handoff = body.handoffCode
    ? await findClaimableHandoff(deps, guards, {
        app,
        presented: body.handoffCode,
        clientKey: input.clientKey,
      })
    : null;
  const anonymousId = body.anonymousId ?? createId('anon').slice(5);
  const now = deps.clock.now();
  const sessionId = createId('ses');
  const expiresAt = now + deps.config.sessionTtlSec * 1000;

  const result = await deps.database.write(async (db, onCommit) => {
    const person: VerifiedPerson | null = claims
      ? personFromClaims(claims)
      : wechat
        ? {
            identities: [
              ...(wechat.unionid ? [{ kind: 'wechat_unionid', value: wechat.unionid, verified: true }] : []),
              { kind: 'wechat_openid', value: wechat.openid, verified: true },
            ],
          }
        : null;
    let customer: CustomerRow | null = person
      ? (await upsertVerifiedCustomer(deps, db, onCommit, app.id, person)).customer
      : null;

    const anonymous = await findCustomerByIdentity(deps, db, app.id, 'anonymous', anonymousId);
    const deviceCustomer = anonymous ? await resolveCustomer(db, app.id, anonymous.customer.id) : null;

    if (handoff) {
      const handoffCustomer = await resolveCustomer(db, app.id, handoff.customerId);
      // Verified as someone else — by this request's token, or by the identified device it comes
      // from — is refused: a code never moves a person's conversation onto another person.
      const verifiedAs = customer ?? (deviceCustomer?.identified ? deviceCustomer : null);
      if (verifiedAs && verifiedAs.id !== handoffCustomer.id) {
        throw new ApiError('identity_conflict', 'This handoff code belongs to another customer.');
      }
      customer = handoffCustomer;
    }

    if (customer) {
      // The device's anonymous history joins the verified customer; a device last used by another
      // verified customer keeps that history apart.
      if (
        deviceCustomer &&
        deviceCustomer.id !== customer.id &&
        (await isMergeableAnonymous(deviceCustomer))
      ) {
        await mergeCustomers(deps, db, onCommit, app.id, deviceCustomer.id, customer.id);
      }
    } else if (deviceCustomer) {
      // A returning device: the same customer, identified or not, until the SDK's reset().
      customer = deviceCustomer;
    } else {
      customer = await createCustomer(deps, db, app.id, { identified: false, identities: [] });
    }
    await bindAnonymousId(deps, db, app.id, anonymousId, customer.id);

    await db.insert(sessions).values({
      id: sessionId,
      appId: app.id,
      customerId: customer.id,
      channel: body.channel,
      anonymousId,
      verified: Boolean(person || handoff),
      device: body.device ?? null,
      createdAt: now,
      expiresAt,
    });
    const claimed = handoff
      ? await claimHandoff(deps, db, onCommit, { handoff, sessionId, channel: body.channel })
      : null;
    const conversation = await findOpenConversation(db, customer.id);
    return { customer, conversation, claimed };
  });

  return {
    sessionToken: await signSessionToken(
      deps,
      { sessionId, appId: app.id, channel: body.channel },
      expiresAt,
    ),
    expiresAt: iso(expiresAt),
    anonymousId,
    session: { id: sessionId, channel: body.channel },
    customer: { id: result.customer.id, identified: result.customer.identified },
    conversation: result.conversation ? toConversationRef(result.conversation) : null,
    ...(handoff
      ? {
          handoff: {
            fromChannel: handoff.fromChannel,
            conversationId: result.claimed?.conversationId ?? result.conversation?.id ?? '',
            ...(result.conversation?.summary ? { summary: result.conversation.summary } : {}),
          },
        }
      : {}),
  };
}

/** Points the device's anonymous id at `customerId` (inserting it, or moving it off an alias). */
async function bindAnonymousId(
  deps: ServiceDeps,
  db: Db,
  appId: string,
  anonymousId: string,
  customerId: string,
): Promise<void> {
  await db
    .insert(identities)
    .values({
      id: createId('idn'),
      appId,
      customerId,
      kind: 'anonymous',
      value: anonymousId,
      verified: false,
      createdAt: deps.clock.now(),
    })
    .onConflictDoUpdate({
      target: [identities.appId, identities.kind, identities.value],
      set: { customerId },
    });
}

/** POST /v1/identify: the session's customer becomes the verified one; anonymous history merges in. */
export async function identifySession(
  deps: ServiceDeps,
  input: { app: AppRow; session: SessionRow; identityToken: string },
): Promise<IdentifyAnswer> {
  const claims = await verifyAppIdentityToken(deps, input.app, input.identityToken);
  const { customerId, merged } = await deps.database.write(async (db, onCommit) => {
    const current = await resolveCustomer(db, input.app.id, input.session.customerId);
    const { customer } = await upsertVerifiedCustomer(
      deps,
      db,
      onCommit,
      input.app.id,
      personFromClaims(claims),
    );
    let merged = false;
    if (current.id !== customer.id && (await isMergeableAnonymous(current))) {
      await mergeCustomers(deps, db, onCommit, input.app.id, current.id, customer.id);
      merged = true;
    }
    // A device that was another user's (no reset before logging in) now belongs to this one.
    if (input.session.anonymousId)
      await bindAnonymousId(deps, db, input.app.id, input.session.anonymousId, customer.id);
    await db
      .update(sessions)
      .set({ customerId: customer.id, verified: true })
      .where(and(eq(sessions.id, input.session.id), eq(sessions.appId, input.app.id)));
    return { customerId: customer.id, merged };
  });
  return {
    sessionToken: await signSessionToken(
      deps,
      { sessionId: input.session.id, appId: input.app.id, channel: input.session.channel },
      input.session.expiresAt,
    ),
    expiresAt: iso(input.session.expiresAt),
    customer: { id: customerId, identified: true },
    merged,
  };
}

export async function getSession(db: Db, sessionId: string): Promise<SessionRow | null> {
  const [row] = await db.select().from(sessions).where(eq(sessions.id, sessionId)).limit(1);
  return row ?? null;
}
