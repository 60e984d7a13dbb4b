import type { CreateSessionBody, IdentifyAnswer, SessionAnswer } from '@threadline/sdk-core/protocol';
import { and, eq } from 'drizzle-orm';
import {
  type AppRow,
  assertKnownChannel,
  DEFAULT_IDENTITY_TOKEN_LIFETIME_SEC,
  identitySecretOf,
  previousIdentitySecretsOf,
} from '../apps';
import { findOpenConversation, openHandoffSummary, toConversationRef } from '../conversations';
import type { Db } from '../db/database';
import { customers, identities, sessions } from '../db/schema';
import { claimHandoff, findClaimableHandoff } from '../handoffs';
import type { RateLimits } from '../http/rate-limits';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { createId } from '../platform/secrets';
import {
  type CustomerRow,
  createCustomer,
  endSessionStreams,
  findCustomerByIdentity,
  getCustomer,
  mergeCustomers,
  resolveCustomer,
  revokeSessions,
  upsertVerifiedCustomer,
  type VerifiedPerson,
} from './customers';
import { type IdentityClaims, verifyIdentityToken } from './identity-tokens';
import { toE164 } from './phone-numbers';
import { signSessionToken } from './session-tokens';
import { exchangeWechatCode } from './wechat';

export type SessionRow = typeof sessions.$inferSelect;

/** The verified person an identity token names; its phone claim is read in the app's region. */
export function personFromClaims(app: AppRow, claims: IdentityClaims): VerifiedPerson {
  return {
    externalId: claims.sub,
    name: claims.name,
    identities: [
      ...(claims.unionid ? [{ kind: 'wechat_unionid', value: claims.unionid, verified: true }] : []),
      ...(claims.phone
        ? [
            {
              kind: 'phone',
              value: toE164(claims.phone, app.settings.phoneRegion, 'phone claim'),
              verified: true,
            },
          ]
        : []),
      ...(claims.email ? [{ kind: 'email', value: claims.email, verified: true }] : []),
      ...Object.entries(claims.handles ?? {}).map(([kind, value]) => ({ kind, value, verified: true })),
    ],
  };
}

/**
 * Verifies an identity token with the app's identity secret or, during a rotation's overlap, with
 * a secret it replaced. A token no secret accepts gets the current secret's refusal.
 */
export async function verifyAppIdentityToken(deps: ServiceDeps, app: AppRow, token: string) {
  const options = {
    clock: deps.clock,
    maxLifetimeSec: app.settings.identityTokenMaxLifetimeSec ?? DEFAULT_IDENTITY_TOKEN_LIFETIME_SEC,
  };
  try {
    return await verifyIdentityToken(token, identitySecretOf(deps, app), options);
  } catch (refusal) {
    for (const previous of previousIdentitySecretsOf(deps, app, deps.clock.now())) {
      try {
        return await verifyIdentityToken(token, previous, options);
      } catch {
        // Not this one either.
      }
    }
    throw refusal;
  }
}

/** After "revoke all sessions", tokens issued before it no longer sign the customer back in. */
function assertTokenNotRevoked(customer: CustomerRow, claims: IdentityClaims | null): void {
  if (!claims || customer.sessionsRevokedAt === null) return;
  if ((claims.iat ?? 0) * 1000 < customer.sessionsRevokedAt)
    throw new ApiError(
      'invalid_identity_token',
      'This identity token was issued before the customer’s sessions were revoked; sign a new one.',
    );
}

/**
 * The customer a device's anonymous id stands for — only while that customer is itself anonymous
 * and not merged away. A device id is never a way into a verified customer (it is unlinked when
 * the device identifies, and ignored if it still points at one).
 */
async function deviceCustomerOf(
  deps: ServiceDeps,
  db: Db,
  appId: string,
  anonymousId: string,
): Promise<CustomerRow | null> {
  const found = await findCustomerByIdentity(deps, db, appId, 'anonymous', anonymousId);
  if (!found || found.customer.identified || found.customer.mergedInto) return null;
  return found.customer;
}

/**
 * POST /v1/sessions. Works out who this is — identity token, WeChat login, handoff code, or the
 * device's anonymous id — and issues a session token.
 *
 * A handoff code puts this one session on the code's customer and nothing else: the device's own
 * history stays with the device's own customer (never moved into the code's), and the device id is
 * not re-pointed, so a reload is the device's own customer again. A verified login folds the
 * device's anonymous history into the verified customer and unlinks the device id.
 */
export async function startSession(
  deps: ServiceDeps,
  limits: RateLimits,
  input: { app: AppRow; body: CreateSessionBody; clientKey: string },
): Promise<SessionAnswer> {
  const { app, body } = input;
  assertKnownChannel(app, body.channel);

  // Everything that talks to the outside or can fail cheaply happens before the write transaction.
  const claims = body.identityToken ? await verifyAppIdentityToken(deps, app, body.identityToken) : null;
  const person: VerifiedPerson | null = claims ? personFromClaims(app, claims) : null;
  const wechat = body.wechatCode ? await exchangeWechatCode(deps, app, body.wechatCode) : null;
  const handoff = body.handoffCode
    ? await findClaimableHandoff(deps, limits, {
        app,
        presented: body.handoffCode,
        check: body.handoffCheck,
        clientKey: input.clientKey,
        deviceKey: body.anonymousId,
      })
    : null;
  const anonymousId = body.anonymousId ?? createId('anon').slice(5);
  const now = deps.clock.now();
  const sessionId = createId('ses');
  const expiresAt = now + deps.config.sessionTtlSec * 1000;

  const result = await deps.database.write(async (db, onCommit) => {
    const verifiedPerson: VerifiedPerson | null =
      person ??
      (wechat
        ? {
            identities: [
              ...(wechat.unionid ? [{ kind: 'wechat_unionid', value: wechat.unionid, verified: true }] : []),
              { kind: 'wechat_openid', value: wechat.openid, verified: true },
            ],
          }
        : null);
    const verified: CustomerRow | null = verifiedPerson
      ? (await upsertVerifiedCustomer(deps, db, onCommit, app.id, verifiedPerson)).customer
      : null;
    if (verified) assertTokenNotRevoked(verified, claims);
    const deviceCustomer = await deviceCustomerOf(deps, db, app.id, anonymousId);

    let customer: CustomerRow;
    let viaHandoff = false;
    if (handoff) {
      const handoffCustomer = await resolveCustomer(db, app.id, handoff.customerId);
      // Verified as someone else by this request is refused: a code never moves a person's
      // conversation onto another person.
      if (verified && verified.id !== handoffCustomer.id) {
        throw new ApiError('identity_conflict', 'This handoff code belongs to another customer.');
      }
      customer = handoffCustomer;
      viaHandoff = !verified;
      // A device that proved it is the code's customer brings its anonymous history, as any login does.
      if (verified) await foldDeviceInto(deps, db, onCommit, app.id, deviceCustomer, anonymousId, customer);
    } else if (verified) {
      customer = verified;
      await foldDeviceInto(deps, db, onCommit, app.id, deviceCustomer, anonymousId, customer);
    } else if (deviceCustomer) {
      // A returning anonymous device: the same anonymous customer, until the SDK's reset().
      customer = deviceCustomer;
    } else {
      customer = await createCustomer(deps, db, app.id, { identified: false, identities: [] });
      await bindAnonymousId(deps, db, app.id, anonymousId, customer.id);
    }

    await db.insert(sessions).values({
      id: sessionId,
      appId: app.id,
      customerId: customer.id,
      channel: body.channel,
      anonymousId,
      verified: Boolean(verified || handoff),
      viaHandoff,
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

  const summary = result.conversation?.summary
    ? await openHandoffSummary(deps, result.conversation.summary)
    : null;
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
            ...(summary ? { summary } : {}),
          },
        }
      : {}),
  };
}

/**
 * A verified login on a device: the device's anonymous history joins the verified customer (its
 * other sessions, e.g. tabs, are revoked and renew with whatever they can prove, except
 * `bringSessionId`), and the device id is unlinked.
 */
async function foldDeviceInto(
  deps: ServiceDeps,
  db: Db,
  onCommit: (callback: () => void) => void,
  appId: string,
  deviceCustomer: CustomerRow | null,
  anonymousId: string | null,
  customer: CustomerRow,
  bringSessionId?: string,
): Promise<boolean> {
  const merging = Boolean(deviceCustomer && deviceCustomer.id !== customer.id);
  if (merging)
    await mergeCustomers(deps, db, onCommit, appId, deviceCustomer!.id, customer.id, { bringSessionId });
  await unlinkAnonymousId(db, appId, anonymousId);
  return merging;
}

/** Points the device's anonymous id at an anonymous customer (inserting it, or moving it). */
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

/** Forgets a device id: the next session that presents only it starts a new anonymous customer. */
async function unlinkAnonymousId(db: Db, appId: string, anonymousId: string | null): Promise<void> {
  if (!anonymousId) return;
  await db
    .delete(identities)
    .where(
      and(eq(identities.appId, appId), eq(identities.kind, 'anonymous'), eq(identities.value, anonymousId)),
    );
}

/**
 * POST /v1/identify: the calling session — and only it — becomes the verified customer's. The
 * session's anonymous history merges in when the session owns it; a session that reached its
 * customer through someone else's handoff code does not, since that customer is shared with the
 * code's creator — but the device's own anonymous history (found by the device id it presented)
 * does, as with any login on that device. Other sessions are never carried along, and the device
 * id is unlinked.
 */
export async function identifySession(
  deps: ServiceDeps,
  input: { app: AppRow; session: SessionRow; identityToken: string },
): Promise<IdentifyAnswer> {
  const claims = await verifyAppIdentityToken(deps, input.app, input.identityToken);
  const person = personFromClaims(input.app, claims);
  const { customerId, merged } = await deps.database.write(async (db, onCommit) => {
    // Authentication read the session before this write. Another sign-in of the same device
    // customer may have committed since and revoked it: refuse as any revoked session is refused,
    // rather than answer 200 with a token for a dead session.
    const [live] = await db
      .select({ revokedAt: sessions.revokedAt })
      .from(sessions)
      .where(and(eq(sessions.id, input.session.id), eq(sessions.appId, input.app.id)));
    if (!live || live.revokedAt !== null)
      throw new ApiError('invalid_credential', 'This session was revoked; start a new one.');
    const current = await getCustomer(db, input.app.id, input.session.customerId);
    const device = input.session.anonymousId
      ? await deviceCustomerOf(deps, db, input.app.id, input.session.anonymousId)
      : null;
    const { customer } = await upsertVerifiedCustomer(deps, db, onCommit, input.app.id, person, {
      provedBySessionId: input.session.id,
    });
    assertTokenNotRevoked(customer, claims);
    let merged = false;
    if (current.id !== customer.id) {
      if (!current.identified && !current.mergedInto && !input.session.viaHandoff) {
        await mergeCustomers(deps, db, onCommit, input.app.id, current.id, customer.id, {
          bringSessionId: input.session.id,
        });
        merged = true;
      } else {
        // Someone else's customer until now: its open streams must not follow this session.
        endSessionStreams(deps, onCommit, input.app.id, input.session.id);
      }
    }
    // The device's own anonymous customer, unless it is the one just merged.
    const ownDevice = device && !(merged && device.id === current.id) ? device : null;
    await foldDeviceInto(
      deps,
      db,
      onCommit,
      input.app.id,
      ownDevice,
      input.session.anonymousId,
      customer,
      input.session.id,
    );
    await db
      .update(sessions)
      .set({ customerId: customer.id, verified: true, viaHandoff: false })
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

/** DELETE /v1/session: the device logs out — this session ends and its device id is forgotten. */
export async function endSession(deps: ServiceDeps, input: { app: AppRow; session: SessionRow }) {
  return deps.database.write(async (db, onCommit) => {
    await unlinkAnonymousId(db, input.app.id, input.session.anonymousId);
    return revokeSessions(deps, db, onCommit, { appId: input.app.id, sessionId: input.session.id });
  });
}

/**
 * Revokes one session, or every session of a customer (and its aliases'). For a customer, identity
 * tokens issued before now stop working for it too, so devices cannot sign back in with a stored one.
 */
export async function revokeCustomerSessions(
  deps: ServiceDeps,
  input: { app: AppRow; sessionId?: string; customerId?: string },
): Promise<number> {
  return deps.database.write(async (db, onCommit) => {
    if (input.sessionId) {
      const [row] = await db
        .select({ id: sessions.id })
        .from(sessions)
        .where(and(eq(sessions.id, input.sessionId), eq(sessions.appId, input.app.id)));
      if (!row) throw new ApiError('not_found', 'No such session.');
      return (await revokeSessions(deps, db, onCommit, { appId: input.app.id, sessionId: row.id })).length;
    }
    const customer = await resolveCustomer(db, input.app.id, input.customerId!);
    await db
      .update(customers)
      .set({ sessionsRevokedAt: deps.clock.now() })
      .where(eq(customers.id, customer.id));
    const aliases = await db
      .select({ id: customers.id })
      .from(customers)
      .where(and(eq(customers.appId, input.app.id), eq(customers.mergedInto, customer.id)));
    let count = 0;
    for (const id of [customer.id, ...aliases.map((a) => a.id)])
      count += (await revokeSessions(deps, db, onCommit, { appId: input.app.id, customerId: id })).length;
    return count;
  });
}

export async function getSession(db: Db, sessionId: string): Promise<SessionRow | null> {
  const [row] = await db.select().from(sessions).where(eq(sessions.id, sessionId)).limit(1);
  return row ?? null;
}
