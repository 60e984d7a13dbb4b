import type { CustomerSelector, UpsertCustomerBody } from '@threadline/sdk-core/protocol';
import { and, eq } from 'drizzle-orm';
import type { AppRow } from '../apps';
import type { Db } from '../db/database';
import { customerPii, customers } from '../db/schema';
import { type CustomerRow, resolveCustomer, toE164, upsertVerifiedCustomer } from '../identity';
import { maskCardNumbers } from '../platform/card-numbers';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { type PiiField, sealPii } from './pii';

/** VIP customers are served first: `vip: true` or `tier: 'vip'` among the attributes. */
export function isVipCustomer(attributes: Record<string, unknown> | null | undefined): boolean {
  return attributes?.vip === true || attributes?.tier === 'vip';
}

/**
 * The customer a merchant-backend call names, inside the caller's transaction: by Threadline id
 * (404 when it is not this app's), or found or created by the merchant's user id, phone or another
 * identity — verified, since the call carries the secret key.
 */
export async function selectCustomer(
  deps: ServiceDeps,
  db: Db,
  onCommit: (callback: () => void) => void,
  app: Pick<AppRow, 'id' | 'settings'>,
  selector: CustomerSelector,
): Promise<CustomerRow> {
  if (selector.id) return resolveCustomer(db, app.id, selector.id);
  // Phones are matched in E.164, read in the app's region, as on the server channels.
  const phone = (value: string, field: string) => toE164(value, app.settings.phoneRegion, field);
  const { customer } = await upsertVerifiedCustomer(deps, db, onCommit, app.id, {
    externalId: selector.externalId,
    identities: [
      ...(selector.identity
        ? [
            selector.identity.kind === 'phone'
              ? {
                  kind: 'phone',
                  value: phone(selector.identity.value, 'customer.identity.value'),
                  verified: true,
                }
              : { ...selector.identity, verified: true },
          ]
        : []),
      ...(selector.phone
        ? [{ kind: 'phone', value: phone(selector.phone, 'customer.phone'), verified: true }]
        : []),
    ],
  });
  return customer;
}

/** Stores (or with `null` removes) one sealed contact field of a customer. */
export async function storePii(
  deps: Pick<ServiceDeps, 'database' | 'sealer' | 'clock' | 'config'>,
  db: Db,
  onCommit: (callback: () => void) => void,
  customer: Pick<CustomerRow, 'id' | 'appId'>,
  field: PiiField,
  value: string | null,
): Promise<void> {
  if (value === null) {
    await db
      .delete(customerPii)
      .where(and(eq(customerPii.customerId, customer.id), eq(customerPii.field, field)));
    return;
  }
  const row = {
    appId: customer.appId,
    customerId: customer.id,
    field,
    valueEnc: await sealPii(deps, db, onCommit, { appId: customer.appId, customerId: customer.id }, value),
    updatedAt: deps.clock.now(),
  };
  await db
    .insert(customerPii)
    .values(row)
    .onConflictDoUpdate({
      target: [customerPii.customerId, customerPii.field],
      set: { valueEnc: row.valueEnc, updatedAt: row.updatedAt },
    });
}

// A mainland mobile (optionally +86) or an international number written with its `+`.
const PHONE_NUMBER = /(?<!\d)(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)|\+\d(?:[ -]?\d){7,14}(?!\d)/;

/**
 * Attributes are stored and shown as sent, so a value holding a phone or payment card number (under
 * any key: `contact`, `note`, `extra.backup`) is refused with the path, pointing the merchant to the
 * encrypted `phone` / `payment` fields. Keys are checked by the protocol; values here.
 */
function refuseContactDetailsIn(attributes: Record<string, unknown>) {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const visit = (value: unknown, path: (string | number)[], depth: number) => {
    if (issues.length >= 10 || depth > 8) return;
    if (typeof value === 'string') {
      if (PHONE_NUMBER.test(value) || maskCardNumbers(value) !== value)
        issues.push({
          path: ['attributes', ...path],
          message: 'looks like a phone or card number: send it as the encrypted phone / payment field',
        });
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) visit(value[i], [...path, i], depth + 1);
    } else if (value && typeof value === 'object')
      for (const [key, item] of Object.entries(value)) visit(item, [...path, key], depth + 1);
  };
  for (const [key, value] of Object.entries(attributes)) visit(value, [key], 0);
  if (issues.length)
    throw new ApiError(
      'validation_failed',
      'Attributes are stored as sent: phone and card numbers go in the encrypted fields.',
      issues,
    );
}

/**
 * The merchant backend's profile sync: name, attributes (merged; `null` removes one) and the
 * sealed contact fields. A change of VIP standing re-ranks the customer's waiting conversation.
 */
export async function upsertCustomerProfile(
  deps: ServiceDeps,
  app: Pick<AppRow, 'id' | 'settings'>,
  body: UpsertCustomerBody,
): Promise<CustomerRow> {
  const appId = app.id;
  refuseContactDetailsIn(body.attributes ?? {});
  return deps.database.write(async (db, onCommit) => {
    const customer = await selectCustomer(deps, db, onCommit, app, body.customer);
    const attributes = { ...customer.attributes };
    for (const [key, value] of Object.entries(body.attributes ?? {})) {
      if (value === null) delete attributes[key];
      else attributes[key] = value;
    }
    const [updated] = await db
      .update(customers)
      .set({ attributes, name: body.name ?? customer.name, updatedAt: deps.clock.now() })
      .where(eq(customers.id, customer.id))
      .returning();
    // `marketingOptOut: true` set by the merchant cancels what was scheduled, as the shopper's own opt-out does.
    await deps.followUps?.attributesChanged(db, { appId, customerId: customer.id }, attributes);
    for (const field of ['phone', 'address', 'payment'] as const) {
      const value = body[field];
      if (value === undefined) continue;
      // A phone on file is kept in E.164 (the app's region reads numbers without a country code),
      // the form SMS gateways take.
      const stored =
        field === 'phone' && value !== null ? toE164(value, app.settings.phoneRegion, 'phone') : value;
      await storePii(deps, db, onCommit, customer, field, stored);
    }
    if (isVipCustomer(customer.attributes) !== isVipCustomer(attributes)) {
      await deps.routing?.customerChanged(db, onCommit, appId, customer.id);
    }
    // The CRM hears what changed; contact details are named, never sent (the merchant has them).
    const changed = [
      ...(body.name !== undefined ? ['name'] : []),
      ...(body.attributes !== undefined ? ['attributes'] : []),
      ...(['phone', 'address', 'payment'] as const).filter((field) => body[field] !== undefined),
    ];
    if (changed.length > 0)
      await deps.outbox?.record(db, onCommit, [
        {
          appId,
          type: 'customer.updated',
          customerId: customer.id,
          data: {
            customerId: customer.id,
            changed,
            customer: {
              id: updated!.id,
              identified: updated!.identified,
              name: updated!.name,
              attributes: updated!.attributes,
            },
          },
        },
      ]);
    return updated!;
  });
}
