import { createDecipheriv, randomBytes } from 'node:crypto';
import { and, desc, eq, inArray } from 'drizzle-orm';
import { bulkInsert, selectIn } from '../db/bulk-insert';
import { type Database, type Db, truncateWriteAheadLog } from '../db/database';
import { hotQuery, slot } from '../db/hot-queries';
import { customerKeys, customers } from '../db/schema';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { createPooledId, pooledRandomBytes } from '../platform/secrets';
import { sealOffThread, sealWorkerTakes } from './seal-thread';
import { type DataKey, SEALED_PREFIX, sealWith } from './sealing';

/**
 * Per-customer encryption at rest (§11): every customer gets a random AES-256 data key, stored
 * wrapped by the server's master key. A sealed value is `k1.<keyId>.<iv>.<tag>.<ciphertext>`
 * (base64url), so it names its key: rows that a merge moved to another customer still open with
 * the key they were sealed with, and deleting a customer's keys (GDPR erase) leaves every copy —
 * messages, event log, tickets, unanswered questions, summaries — unreadable.
 *
 * Other domains seal customer PII with `sealForCustomer` / `openForCustomer` (or the JSON
 * variants); `destroyCustomerKeys` is the erase.
 */

const PREFIX = SEALED_PREFIX;
// Unwrapped keys stay in memory for a while. An erase in another process reaches this one at once
// over the bus (`forgetDestroyedKeys`); this bounds only a process that missed that notice.
const CACHE_TTL_MS = 10 * 60_000;
// A busy livestream room alone brings tens of thousands of viewers, each with a key (~200 bytes here).
const CACHE_MAX = 100_000;

export type { DataKey };

/** Whom a sealed value belongs to. */
export interface CustomerRef {
  appId: string;
  customerId: string;
}

type Deps = Pick<ServiceDeps, 'database' | 'sealer' | 'clock' | 'config'>;
type OnCommit = (callback: () => void) => void;

interface Keyring {
  byCustomer: Map<string, { key: DataKey; at: number }>;
  /** null: the key is gone (erased) — its values stay unreadable. */
  byId: Map<string, { key: DataKey | null; at: number }>;
}

const keyrings = new WeakMap<Database, Keyring>();
function keyringOf(database: Database): Keyring {
  let keyring = keyrings.get(database);
  if (!keyring) {
    keyring = { byCustomer: new Map(), byId: new Map() };
    keyrings.set(database, keyring);
  }
  return keyring;
}

function remember<V>(map: Map<string, { at: number } & V>, id: string, value: V & { at: number }) {
  map.delete(id);
  if (map.size >= CACHE_MAX) map.delete(map.keys().next().value!);
  map.set(id, value);
}

/** `now`: callers looking up a batch's keys read the clock once (a read per key showed in profiles). */
function fresh<V extends { at: number }>(map: Map<string, V>, id: string, now = Date.now()): V | undefined {
  const entry = map.get(id);
  if (entry && now - entry.at < CACHE_TTL_MS) return entry;
  if (entry) map.delete(id);
  return undefined;
}

const encryptionOn = (deps: Pick<ServiceDeps, 'config'>) => deps.config.encryptAtRest !== false;

/** Whether a stored value is sealed with a customer key (older rows and `encryptAtRest: false` are plain). */
export const isSealed = (value: unknown): value is string =>
  typeof value === 'string' && value.startsWith(PREFIX);

/**
 * The customer's current data key, created in the caller's transaction when it has none. Cached
 * only after COMMIT: a key whose transaction rolled back must never seal anything later.
 */
/**
 * Refuses to give an erased customer a new data key (and, exported, refuses the session writes
 * that name their customer without sealing anything: escalate, CSAT, back to bot, handoff codes). A write decides its customer before its
 * transaction (a session's customer, a channel identity's), so an erase can commit in between:
 * without this, the late write would store new personal data under the erased id — sealed with a
 * fresh key, out of reach of export (404) and of a second erase (already done). Every sealed write
 * passes here, so one check covers them all; it runs only when a key is created.
 */
export async function refuseErased(db: Db, customerIds: readonly string[]): Promise<void> {
  if (customerIds.length === 0) return;
  // Raw and padded to a few IN sizes (selectIn): a livestream batch brings up to 1,000 new
  // customers, and a query built per call would cost a statement prepare and a SQL chunk per id.
  const erased = await selectIn(
    db,
    { select: 'customer_id', from: 'erased_customers', column: 'customer_id' },
    customerIds,
  );
  if (erased.length > 0)
    throw new ApiError(
      'conflict',
      'This customer was erased while the request was on its way; nothing was stored. A server channel may send again (as a new customer); a session must start anew.',
    );
}

export async function customerKey(
  deps: Deps,
  db: Db,
  onCommit: OnCommit,
  ref: CustomerRef,
): Promise<DataKey> {
  const keyring = keyringOf(deps.database);
  const cached = fresh(keyring.byCustomer, ref.customerId);
  if (cached) return cached.key;
  // A customer's first send in this process (or after the cache let it go): a prepared statement.
  const [row] = await hotQuery(db, 'customerKeys.current', (d) =>
    d
      .select({ id: customerKeys.id, wrappedKey: customerKeys.wrappedKey })
      .from(customerKeys)
      .where(eq(customerKeys.customerId, slot('customerId')))
      .orderBy(desc(customerKeys.createdAt))
      .limit(1)
      .prepare(),
  ).all({ customerId: ref.customerId });
  let key: DataKey;
  if (row) {
    key = { id: row.id, key: Buffer.from(deps.sealer.open(row.wrappedKey), 'base64') };
  } else {
    await refuseErased(db, [ref.customerId]);
    key = { id: createPooledId('ck').slice(3), key: randomBytes(32) };
    await db.insert(customerKeys).values({
      id: key.id,
      appId: ref.appId,
      customerId: ref.customerId,
      wrappedKey: deps.sealer.seal(key.key.toString('base64')),
      createdAt: deps.clock.now(),
    });
  }
  onCommit(() => {
    const at = Date.now();
    remember(keyring.byCustomer, ref.customerId, { key, at });
    remember(keyring.byId, key.id, { key, at });
  });
  return key;
}

/**
 * Sealers of many customers: `sealFor(customerId)(plain)`, and `sealFor.many(customerIds, texts)`,
 * which seals `texts[i]` for `customerIds[i]` — off the request thread when there are many
 * (seal-thread.ts) — and resolves with the values in order.
 */
export type CustomerSealers = ((customerId: string) => (plain: string) => string) & {
  many(customerIds: readonly string[], texts: readonly string[], ahead?: SealedAhead): Promise<string[]>;
};

const PLAIN_SEALERS: CustomerSealers = Object.assign(() => (plain: string) => plain, {
  many: async (_customerIds: readonly string[], texts: readonly string[]) => [...texts],
});

/**
 * Values sealed before the caller's transaction, with the keys this process has cached for the
 * customers the caller expects (`sealAhead`). `many` takes a value only where the transaction's
 * customer and current key are exactly those it was sealed for, and seals the rest itself, so the
 * outcome is what sealing in the transaction gives; the gain is that the sealing thread works on a
 * batch while the request thread still runs the previous batch's statements.
 */
export interface SealedAhead {
  customerIds: (string | null)[];
  keyIds: (string | null)[];
  values: Promise<(string | null)[]>;
  /** `values` once they are in (null until then): read without waiting, see `many`. */
  settled: (string | null)[] | null;
}

/** Values sealed in the request thread between two looks for the worker's answer (`many`). */
const STEAL_CHUNK = 100;
/**
 * How long `many` waits for the worker before sealing itself: about a whole batch's job on a free
 * core. Waiting, this thread serves other requests (the next batch's body, understanding, its
 * sealing job); stealing at once made it seal most values itself whenever a transaction began
 * right after its batch arrived (speed-16m).
 */
const STEAL_AFTER_MS = 8;
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Seals `count` texts for the caller (`sealHere(j)`), taking the worker's values (`take(j)`)
 * once `job.settled` says they are in. It waits for them up to `STEAL_AFTER_MS`; then this thread
 * seals from the front, `STEAL_CHUNK` values at a time, looking again between chunks, so it does
 * not sit idle with the write turn held while the worker shares its core with other work
 * (speed-16m: with a plain await, rounds where the second core was busy ran at ~0.8× with the
 * request thread half idle). Both make the same values (the same key, a fresh IV each); whichever
 * seals a text first is used.
 */
async function sealStealing(
  count: number,
  sealHere: (j: number) => void,
  job: { settled: unknown; values: Promise<unknown> } | null,
  take: (j: number) => void,
): Promise<void> {
  let j = 0;
  if (job && job.settled === null) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      job.values,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, STEAL_AFTER_MS);
      }),
    ]);
    clearTimeout(timer);
  }
  while (job && job.settled === null && j < count) {
    const end = Math.min(count, j + STEAL_CHUNK);
    for (; j < end; j++) sealHere(j);
    if (j < count) await turn();
  }
  for (; j < count; j++)
    if (job) take(j);
    else sealHere(j);
}

/**
 * Starts sealing `texts[i]` for `customerIds[i]` (null: not known yet) with the cached keys, off
 * the request thread; see `SealedAhead`. Null when encryption at rest is off.
 */
export function sealAhead(
  deps: Pick<ServiceDeps, 'database' | 'config'>,
  customerIds: readonly (string | null)[],
  texts: readonly string[],
): SealedAhead | null {
  if (!encryptionOn(deps)) return null;
  const keyring = keyringOf(deps.database);
  const keyIds: (string | null)[] = [];
  const at: number[] = [];
  const keys: DataKey[] = [];
  const now = Date.now();
  for (let i = 0; i < texts.length; i++) {
    const customerId = customerIds[i];
    const key = customerId ? fresh(keyring.byCustomer, customerId, now)?.key : undefined;
    keyIds.push(key ? key.id : null);
    if (key) {
      at.push(i);
      keys.push(key);
    }
  }
  const values = sealOffThread(
    at.map((i) => texts[i]!),
    (j) => keys[j]!,
  ).then((sealed) => {
    const out = new Array<string | null>(texts.length).fill(null);
    for (let j = 0; j < at.length; j++) out[at[j]!] = sealed[j]!;
    return out;
  });
  const ahead: SealedAhead = { customerIds: [...customerIds], keyIds, values, settled: null };
  void values.then((v) => {
    ahead.settled = v;
  });
  return ahead;
}

/**
 * Sealers for many customers of one app at once, in the caller's transaction — for bulk writers
 * such as a livestream batch, where one query per customer would cost more than the batch: current
 * keys are read 500 customers a query (after the cache), and the customers without one get theirs
 * in one multi-row insert. Cached after COMMIT, like `customerKey`.
 */
export async function customerSealers(
  deps: Deps,
  db: Db,
  onCommit: OnCommit,
  appId: string,
  customerIds: Iterable<string>,
): Promise<CustomerSealers> {
  if (!encryptionOn(deps)) return PLAIN_SEALERS;
  const keyring = keyringOf(deps.database);
  const keys = new Map<string, DataKey>();
  const missing: string[] = [];
  const cachedAt = Date.now();
  for (const id of new Set(customerIds)) {
    const cached = fresh(keyring.byCustomer, id, cachedAt);
    if (cached) keys.set(id, cached.key);
    else missing.push(id);
  }
  const loaded = new Map<string, { key: DataKey; createdAt: number }>();
  const rows = await selectIn(
    db,
    { select: 'id, customer_id, wrapped_key, created_at', from: 'customer_keys', column: 'customer_id' },
    missing,
  );
  for (const [id, customerId, wrappedKey, createdAt] of rows as [string, string, string, number][]) {
    const seen = loaded.get(customerId);
    if (seen && seen.createdAt >= createdAt) continue;
    loaded.set(customerId, {
      key: { id, key: Buffer.from(deps.sealer.open(wrappedKey), 'base64') },
      createdAt,
    });
  }
  const now = deps.clock.now();
  const created: { customerId: string; key: DataKey }[] = [];
  for (const customerId of missing) {
    const found = loaded.get(customerId);
    if (found) keys.set(customerId, found.key);
    else {
      const key = { id: createPooledId('ck').slice(3), key: pooledRandomBytes(32) };
      keys.set(customerId, key);
      created.push({ customerId, key });
    }
  }
  await refuseErased(
    db,
    created.map((c) => c.customerId),
  );
  await bulkInsert(
    db,
    { table: customerKeys, columns: ['id', 'appId', 'customerId', 'wrappedKey', 'createdAt'] },
    created.map((c) => [c.key.id, appId, c.customerId, deps.sealer.seal(c.key.key.toString('base64')), now]),
  );
  onCommit(() => {
    const at = Date.now();
    for (const customerId of missing) {
      const key = keys.get(customerId)!;
      remember(keyring.byCustomer, customerId, { key, at });
      remember(keyring.byId, key.id, { key, at });
    }
  });
  const keyOf = (customerId: string) => {
    const key = keys.get(customerId);
    if (!key) throw new Error(`no data key was loaded for ${customerId}`);
    return key;
  };
  const sealers = new Map<string, (plain: string) => string>();
  const sealFor = (customerId: string) => {
    let seal = sealers.get(customerId);
    if (!seal) {
      const key = keyOf(customerId);
      seal = (plain: string) => sealWith(key, plain);
      sealers.set(customerId, seal);
    }
    return seal;
  };
  return Object.assign(sealFor, {
    async many(customerIds: readonly string[], texts: readonly string[], ahead?: SealedAhead) {
      if (!ahead) return sealOffThread(texts, (i) => keyOf(customerIds[i]!));
      const sealed = new Array<string>(texts.length);
      const here = (i: number) => {
        sealed[i] = sealWith(keyOf(customerIds[i]!), texts[i]!);
      };
      // Values sealed ahead: taken where customer and key are the transaction's.
      const rest: number[] = [];
      await sealStealing(texts.length, here, ahead, (i) => {
        const value = ahead.settled![i];
        if (
          value &&
          ahead.customerIds[i] === customerIds[i] &&
          ahead.keyIds[i] === keyOf(customerIds[i]!).id
        ) {
          sealed[i] = value;
        } else rest.push(i);
      });
      if (rest.length === 0) return sealed;
      // The rest (new viewers, keys made in this transaction): on the worker when it takes jobs,
      // with this thread stealing from the front meanwhile; else here.
      const posted = sealWorkerTakes(rest.length);
      const late: { settled: string[] | null; values: Promise<unknown> } = {
        settled: null,
        values: Promise.resolve(),
      };
      if (posted)
        late.values = sealOffThread(
          rest.map((i) => texts[i]!),
          (j) => keyOf(customerIds[rest[j]!]!),
        ).then((values) => {
          late.settled = values;
        });
      await sealStealing(
        rest.length,
        (j) => here(rest[j]!),
        posted ? late : null,
        (j) => {
          sealed[rest[j]!] = late.settled![j]!;
        },
      );
      return sealed;
    },
  });
}

export { sealWith };

/** A sealer for one customer inside a transaction; plain pass-through when encryption is off. */
export async function customerSealer(
  deps: Deps,
  db: Db,
  onCommit: OnCommit,
  ref: CustomerRef,
): Promise<(plain: string) => string> {
  if (!encryptionOn(deps)) return (plain) => plain;
  const key = await customerKey(deps, db, onCommit, ref);
  return (plain) => sealWith(key, plain);
}

/** Seals a customer's PII (text) inside the caller's write transaction. */
export async function sealForCustomer(
  deps: Deps,
  db: Db,
  onCommit: OnCommit,
  ref: CustomerRef,
  plain: string,
): Promise<string> {
  return (await customerSealer(deps, db, onCommit, ref))(plain);
}

/** Seals any JSON value as one string (ticket details, summaries, event payloads). */
export async function sealJsonForCustomer(
  deps: Deps,
  db: Db,
  onCommit: OnCommit,
  ref: CustomerRef,
  value: unknown,
): Promise<string> {
  return sealForCustomer(deps, db, onCommit, ref, JSON.stringify(value));
}

function openWith(key: DataKey, sealed: string): string | null {
  const [, , iv, tag, body] = sealed.split('.');
  if (!iv || !tag || body === undefined) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return null;
  }
}

const keyIdOf = (sealed: string) => sealed.slice(PREFIX.length, sealed.indexOf('.', PREFIX.length));

/**
 * Opens many stored values at once, loading the keys they name in one query. Plain values pass
 * through; a value whose key was destroyed (an erased customer) opens as null.
 */
export async function openAllForCustomers<T extends string | null | undefined>(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  values: readonly T[],
  db: Db = deps.database.db,
): Promise<(T | string | null)[]> {
  const keyring = keyringOf(deps.database);
  const missing = new Set<string>();
  for (const value of values) {
    if (isSealed(value)) {
      const id = keyIdOf(value);
      if (!fresh(keyring.byId, id)) missing.add(id);
    }
  }
  if (missing.size > 0) {
    const ids = [...missing];
    const found = new Map<string, DataKey>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await db
        .select({ id: customerKeys.id, wrappedKey: customerKeys.wrappedKey })
        .from(customerKeys)
        .where(inArray(customerKeys.id, ids.slice(i, i + 500)));
      for (const row of rows)
        found.set(row.id, { id: row.id, key: Buffer.from(deps.sealer.open(row.wrappedKey), 'base64') });
    }
    const at = Date.now();
    // Only keys found are kept. A key not found may be erased — or not visible to this read yet:
    // created by a transaction still open (a libSQL server reads outside it) — and must not be
    // remembered as gone.
    for (const id of ids) {
      const key = found.get(id);
      if (key) remember(keyring.byId, id, { key, at });
    }
  }
  return values.map((value) => {
    if (!isSealed(value)) return value;
    const key = keyring.byId.get(keyIdOf(value))?.key;
    return key ? openWith(key, value) : null;
  });
}

/** Opens one stored value (plain values pass through; an erased customer's value opens as null). */
export async function openForCustomer(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  value: string | null | undefined,
  db?: Db,
): Promise<string | null> {
  const [opened] = await openAllForCustomers(deps, [value ?? null], db);
  return opened ?? null;
}

/** Opens a value sealed by `sealJsonForCustomer`; anything not sealed is returned as it is. */
export async function openJsonForCustomer<T>(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  value: unknown,
  db?: Db,
): Promise<T | null> {
  if (!isSealed(value)) return value as T;
  const text = await openForCustomer(deps, value, db);
  return text === null ? null : (JSON.parse(text) as T);
}

/** The bus topic of erased customers' keys, which every API process's keyring listens to. */
const DESTROYED_KEYS_TOPIC = 'customer-keys';
/** The notice an erase publishes after its commit: `{customerIds, keyIds}` to forget. */
export const CUSTOMER_KEYS_DESTROYED = 'customer_keys.destroyed';

function forgetKeys(keyring: Keyring, customerIds: readonly string[], keyIds: readonly string[]) {
  for (const id of customerIds) keyring.byCustomer.delete(id);
  for (const id of keyIds) keyring.byId.set(id, { key: null, at: Date.now() });
}

const stringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/**
 * Makes this process forget the keys an erase destroyed in any process sharing its bus (Redis
 * between API processes), as soon as the notice arrives, instead of when the cache would let them
 * go. A link to Redis that dropped may have lost notices, so on every resync the whole keyring is
 * emptied: keys are read again as needed, and a destroyed one is no longer there to read. Returns
 * the unsubscribe function.
 */
export function forgetDestroyedKeys(deps: Pick<ServiceDeps, 'database' | 'bus'>): () => void {
  const keyring = keyringOf(deps.database);
  const stopNotices = deps.bus.subscribe(DESTROYED_KEYS_TOPIC, (event) => {
    const data = event.data as { customerIds?: unknown; keyIds?: unknown } | undefined;
    if (event.type !== CUSTOMER_KEYS_DESTROYED || !data) return;
    if (stringList(data.customerIds) && stringList(data.keyIds))
      forgetKeys(keyring, data.customerIds, data.keyIds);
  });
  const stopResyncs = deps.bus.onResync(() => {
    keyring.byCustomer.clear();
    keyring.byId.clear();
  });
  return () => {
    stopNotices();
    stopResyncs();
  };
}

/**
 * Destroys the data keys of a customer and of every customer merged into it, in the caller's
 * transaction: afterwards nothing sealed for them can be opened, wherever a copy sits. After the
 * commit this process forgets them and tells the others (`forgetDestroyedKeys`).
 */
export async function destroyCustomerKeys(
  deps: Pick<ServiceDeps, 'database' | 'bus'>,
  db: Db,
  onCommit: OnCommit,
  ref: CustomerRef,
): Promise<number> {
  const ids = new Set([ref.customerId]);
  // Aliases of aliases: bounded, as merges are.
  let frontier = [ref.customerId];
  for (let depth = 0; depth < 16 && frontier.length > 0; depth++) {
    const rows = await db
      .select({ id: customers.id })
      .from(customers)
      .where(and(eq(customers.appId, ref.appId), inArray(customers.mergedInto, frontier)));
    frontier = rows.map((r) => r.id).filter((id) => !ids.has(id));
    for (const id of frontier) ids.add(id);
  }
  const deleted = await db
    .delete(customerKeys)
    .where(and(eq(customerKeys.appId, ref.appId), inArray(customerKeys.customerId, [...ids])))
    .returning({ id: customerKeys.id });
  const keyring = keyringOf(deps.database);
  onCommit(() => {
    const keyIds = deleted.map((row) => row.id);
    forgetKeys(keyring, [...ids], keyIds);
    deps.bus.publish({
      topic: DESTROYED_KEYS_TOPIC,
      id: 0,
      appId: ref.appId,
      type: CUSTOMER_KEYS_DESTROYED,
      data: { customerIds: [...ids], keyIds },
    });
    // The deleted rows are zeroed in the file (secure_delete); their old page images in the log go
    // with it. Best effort: the next checkpoint does the same.
    truncateWriteAheadLog(deps.database).catch(() => {});
  });
  return deleted.length;
}
