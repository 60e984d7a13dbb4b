import type { CustomerSelector, UpsertCustomerBody } from '@threadline/sdk-core/protocol';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/database';
import { customerPii, customers } from '../db/schema';
import { type CustomerRow, resolveCustomer, upsertVerifiedCustomer } from '../identity';
import type { ServiceDeps } from '../platform/deps';
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
  appId: string,
  selector: CustomerSelector,
): Promise<CustomerRow> {
  if (selector.id) return resolveCustomer(db, appId, selector.id);
  const { customer } = await upsertVerifiedCustomer(deps, db, onCommit, appId, {
    externalId: selector.externalId,
    identities: [
      ...(selector.identity ? [{ ...selector.identity, verified: true }] : []),
      ...(selector.phone ? [{ kind: 'phone', value: selector.phone, verified: true }] : []),
    ],
  });
  return customer;
}

/** Stores (or with `null` removes) one sealed contact field of a customer. */
export async function storePii(
  deps: Pick<ServiceDeps, 'sealer' | 'clock'>,
  db: Db,
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
    valueEnc: sealPii(deps, customer.id, value),
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

/**
 * The merchant backend's profile sync: name, attributes (merged; `null` removes one) and the
 * sealed contact fields. A change of VIP standing re-ranks the customer's waiting conversation.
 */
export async function upsertCustomerProfile(
  deps: ServiceDeps,
  appId: string,
  body: UpsertCustomerBody,
): Promise<CustomerRow> {
  return deps.database.write(async (db, onCommit) => {
    const customer = await selectCustomer(deps, db, onCommit, appId, body.customer);
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
    for (const field of ['phone', 'address', 'payment'] as const) {
      const value = body[field];
      if (value !== undefined) await storePii(deps, db, customer, field, value);
    }
    if (isVipCustomer(customer.attributes) !== isVipCustomer(attributes)) {
      await deps.routing?.customerChanged(db, onCommit, appId, customer.id);
    }
    return updated!;
  });
}
