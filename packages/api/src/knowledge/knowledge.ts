import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type KbArticle,
  type KbArticleBody,
  type KbImportAnswer,
  type KbIntent,
  type KbProduct,
  kbImportBody,
  kbIntentBody,
  kbProductBody,
} from '@threadline/sdk-core/protocol';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Db } from '../db/database';
import { kbArticles, kbIntents, kbProducts, kbRevisions, kbTerms } from '../db/schema';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { createId } from '../platform/secrets';
import type { KnowledgeBase } from './engine/knowledge-base';

type Deps = Pick<ServiceDeps, 'database' | 'clock'>;
type ArticleRow = typeof kbArticles.$inferSelect;
type ProductRow = typeof kbProducts.$inferSelect;
type IntentRow = typeof kbIntents.$inferSelect;

export const toWireArticle = (row: ArticleRow): KbArticle => ({
  id: row.id,
  title: row.title,
  questions: row.questions,
  answer: row.answer,
  intent: row.intent,
  channelAnswers: row.channelAnswers,
  productIds: row.productIds,
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
});

export const toWireProduct = (row: ProductRow): KbProduct => ({
  id: row.id,
  name: row.name,
  aliases: row.aliases,
  category: row.category,
  price: row.price,
  attributes: row.attributes,
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
});

export const toWireIntent = (row: IntentRow): KbIntent => ({
  id: row.id,
  name: row.name,
  policy: row.policy,
  ticketType: row.ticketType,
  answerFrom: row.answerFrom,
  examples: row.examples,
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
});

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, where = 'body'): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw ApiError.fromZod(parsed.error, where);
  return parsed.data;
}

/** Marks the app's knowledge as changed: every process rebuilds its index on the next answer. */
async function bumpRevision(db: Db, appId: string, now: number): Promise<void> {
  noteLocalChange(appId);
  await db
    .insert(kbRevisions)
    .values({ appId, revision: 1, updatedAt: now })
    .onConflictDoUpdate({
      target: kbRevisions.appId,
      set: { revision: sql`${kbRevisions.revision} + 1`, updatedAt: now },
    });
}

/** The app's knowledge revision (0 when it has none yet). */
export async function knowledgeRevision(db: Db, appId: string): Promise<number> {
  const [row] = await db
    .select({ revision: kbRevisions.revision })
    .from(kbRevisions)
    .where(eq(kbRevisions.appId, appId));
  return row?.revision ?? 0;
}

/**
 * How long a process trusts the revision it last read. Changes made through this process are seen
 * at once (they invalidate it); a change made by another process against the same database is
 * picked up within this time.
 */
export const REVISION_TTL_MS = 1000;

/** Knowledge changes this process made, per app: any change invalidates the cached revision. */
const localChanges = new Map<string, number>();
const revisionCache = new WeakMap<
  Deps['database'],
  Map<string, { revision: number; changes: number; at: number }>
>();

function noteLocalChange(appId: string): void {
  localChanges.set(appId, (localChanges.get(appId) ?? 0) + 1);
}

/** Runs a knowledge write and invalidates the cached revision again once it has committed. */
function afterCommit<T>(appId: string, write: Promise<T>): Promise<T> {
  return write.finally(() => noteLocalChange(appId));
}

/**
 * The app's knowledge revision, read at most every REVISION_TTL_MS per process (the send path
 * asks on every message); this process's own changes take effect immediately.
 */
export async function cachedKnowledgeRevision(database: Deps['database'], appId: string): Promise<number> {
  let perApp = revisionCache.get(database);
  if (!perApp) {
    perApp = new Map();
    revisionCache.set(database, perApp);
  }
  const changes = localChanges.get(appId) ?? 0;
  const now = Date.now();
  const cached = perApp.get(appId);
  if (cached && cached.changes === changes && now - cached.at < REVISION_TTL_MS) return cached.revision;
  const revision = await knowledgeRevision(database.db, appId);
  perApp.set(appId, { revision, changes, at: now });
  return revision;
}

async function writeArticle(db: Db, appId: string, body: KbArticleBody, now: number): Promise<ArticleRow> {
  const values = {
    title: body.title,
    questions: body.questions,
    answer: body.answer,
    intent: body.intent ?? null,
    channelAnswers: body.channelAnswers ?? {},
    productIds: body.productIds ?? [],
    updatedAt: now,
  };
  const [row] = await db
    .insert(kbArticles)
    .values({ appId, id: body.id ?? createId('art'), createdAt: now, ...values })
    .onConflictDoUpdate({ target: [kbArticles.appId, kbArticles.id], set: values })
    .returning();
  return row!;
}

/** Creates an article, or replaces the one with the same id. */
export async function upsertArticle(deps: Deps, appId: string, body: KbArticleBody): Promise<KbArticle> {
  return afterCommit(
    appId,
    deps.database.write(async (db) => {
      const now = deps.clock.now();
      const row = await writeArticle(db, appId, body, now);
      await bumpRevision(db, appId, now);
      return toWireArticle(row);
    }),
  );
}

/**
 * Imports articles, products and intents in one transaction (same ids update). This is what
 * `POST /v1/kb/import` and `threadline kb import <file.json>` call; the payload is validated
 * here too, so a CLI caller gets the same errors as an HTTP one.
 */
export async function importKnowledge(deps: Deps, appId: string, payload: unknown): Promise<KbImportAnswer> {
  const {
    articles,
    products = [],
    intents = [],
    lexicon,
  } = parseOrThrow(kbImportBody, payload, 'knowledge file');
  return afterCommit(
    appId,
    deps.database.write(async (db) => {
      const now = deps.clock.now();
      for (const product of products) {
        const values = {
          name: product.name,
          aliases: product.aliases ?? [],
          category: product.category ?? null,
          price: product.price ?? null,
          attributes: product.attributes ?? {},
          updatedAt: now,
        };
        await db
          .insert(kbProducts)
          .values({ appId, id: product.id, createdAt: now, ...values })
          .onConflictDoUpdate({ target: [kbProducts.appId, kbProducts.id], set: values });
      }
      for (const intent of intents) {
        const values = {
          name: intent.name,
          policy: intent.policy,
          ticketType: intent.ticketType ?? null,
          answerFrom: intent.answerFrom ?? null,
          examples: intent.examples,
          updatedAt: now,
        };
        await db
          .insert(kbIntents)
          .values({ appId, id: intent.id, createdAt: now, ...values })
          .onConflictDoUpdate({ target: [kbIntents.appId, kbIntents.id], set: values });
      }
      for (const article of articles) await writeArticle(db, appId, article, now);
      for (const { term, means } of lexicon ?? []) {
        await db
          .insert(kbTerms)
          .values({ appId, term, means, createdAt: now, updatedAt: now })
          .onConflictDoUpdate({ target: [kbTerms.appId, kbTerms.term], set: { means, updatedAt: now } });
      }
      await bumpRevision(db, appId, now);
      return {
        imported: {
          articles: articles.length,
          products: products.length,
          intents: intents.length,
          ...(lexicon ? { lexicon: lexicon.length } : {}),
        },
      };
    }),
  );
}

/** Creates or replaces one product. */
export async function upsertProduct(deps: Deps, appId: string, body: unknown): Promise<KbProduct> {
  const product = parseOrThrow(kbProductBody, body);
  await importKnowledge(deps, appId, { articles: [], products: [product] });
  return (await getProduct(deps, appId, product.id))!;
}

/** Creates or replaces one intent. */
export async function upsertIntent(deps: Deps, appId: string, body: unknown): Promise<KbIntent> {
  const intent = parseOrThrow(kbIntentBody, body);
  await importKnowledge(deps, appId, { articles: [], intents: [intent] });
  return (await getIntent(deps, appId, intent.id))!;
}

const tables = { articles: kbArticles, products: kbProducts, intents: kbIntents } as const;
export type KnowledgeKind = keyof typeof tables;

/** Deletes one article, product or intent; false when it did not exist. */
export async function deleteKnowledgeItem(
  deps: Deps,
  appId: string,
  kind: KnowledgeKind,
  id: string,
): Promise<boolean> {
  const table = tables[kind];
  return afterCommit(
    appId,
    deps.database.write(async (db) => {
      const removed = await db
        .delete(table)
        .where(and(eq(table.appId, appId), eq(table.id, id)))
        .returning({ id: table.id });
      if (removed.length > 0) await bumpRevision(db, appId, deps.clock.now());
      return removed.length > 0;
    }),
  );
}

export async function listArticles(deps: Deps, appId: string): Promise<KbArticle[]> {
  const rows = await deps.database.db
    .select()
    .from(kbArticles)
    .where(eq(kbArticles.appId, appId))
    .orderBy(asc(kbArticles.id));
  return rows.map(toWireArticle);
}

export async function getArticle(deps: Deps, appId: string, id: string): Promise<KbArticle | null> {
  const [row] = await deps.database.db
    .select()
    .from(kbArticles)
    .where(and(eq(kbArticles.appId, appId), eq(kbArticles.id, id)));
  return row ? toWireArticle(row) : null;
}

export async function listProducts(deps: Deps, appId: string): Promise<KbProduct[]> {
  const rows = await deps.database.db
    .select()
    .from(kbProducts)
    .where(eq(kbProducts.appId, appId))
    .orderBy(asc(kbProducts.id));
  return rows.map(toWireProduct);
}

export async function getProduct(deps: Deps, appId: string, id: string): Promise<KbProduct | null> {
  const [row] = await deps.database.db
    .select()
    .from(kbProducts)
    .where(and(eq(kbProducts.appId, appId), eq(kbProducts.id, id)));
  return row ? toWireProduct(row) : null;
}

export async function listIntents(deps: Deps, appId: string): Promise<KbIntent[]> {
  const rows = await deps.database.db
    .select()
    .from(kbIntents)
    .where(eq(kbIntents.appId, appId))
    .orderBy(asc(kbIntents.id));
  return rows.map(toWireIntent);
}

export async function getIntent(deps: Deps, appId: string, id: string): Promise<KbIntent | null> {
  const [row] = await deps.database.db
    .select()
    .from(kbIntents)
    .where(and(eq(kbIntents.appId, appId), eq(kbIntents.id, id)));
  return row ? toWireIntent(row) : null;
}

/** Everything the engine needs for one app, read in one go, with the revision it reflects. */
export async function loadKnowledge(
  deps: Pick<ServiceDeps, 'database'>,
  appId: string,
): Promise<{ revision: number; kb: KnowledgeBase }> {
  const db = deps.database.db;
  const [revision, articles, products, intents, terms] = await Promise.all([
    knowledgeRevision(db, appId),
    db.select().from(kbArticles).where(eq(kbArticles.appId, appId)).orderBy(asc(kbArticles.id)),
    db.select().from(kbProducts).where(eq(kbProducts.appId, appId)).orderBy(asc(kbProducts.id)),
    db.select().from(kbIntents).where(eq(kbIntents.appId, appId)).orderBy(asc(kbIntents.id)),
    db.select().from(kbTerms).where(eq(kbTerms.appId, appId)).orderBy(asc(kbTerms.term)),
  ]);
  return {
    revision,
    kb: {
      articles: articles.map((a) => ({
        id: a.id,
        title: a.title,
        questions: a.questions,
        answer: a.answer,
        intent: a.intent,
        channelAnswers: a.channelAnswers,
        productIds: a.productIds,
      })),
      products: products.map((p) => ({
        id: p.id,
        name: p.name,
        aliases: p.aliases,
        category: p.category,
        price: p.price,
        attributes: p.attributes,
      })),
      intents: intents.map((i) => ({
        id: i.id,
        name: i.name,
        policy: i.policy,
        ticketType: i.ticketType,
        answerFrom: i.answerFrom,
        examples: i.examples,
      })),
      lexicon: terms.map((t) => ({ term: t.term, means: t.means })),
    },
  };
}

/** The demo store's knowledge (澜悦生活: beauty, apparel, food, baby), from the package's seed/ folder. */
export function readDemoStore(): { articles: unknown[]; products: unknown[]; intents: unknown[] } {
  const folder = findSeedFolder();
  const read = (file: string) => JSON.parse(readFileSync(join(folder, file), 'utf8')) as unknown[];
  // The shared demo catalog is kept as it is; our own relations.json adds what suggestions use
  // (goesWith, alternativeTo, soldOutSizes) as product attributes, the same keys a merchant imports.
  const relations = JSON.parse(readFileSync(join(folder, 'relations.json'), 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;
  const products = (read('products.json') as { id: string; attributes?: Record<string, unknown> }[]).map(
    (product) =>
      Object.hasOwn(relations, product.id)
        ? { ...product, attributes: { ...product.attributes, ...relations[product.id] } }
        : product,
  );
  return { articles: read('articles.json'), products, intents: read('intents.json') };
}

/** Loads the demo store's articles, products and intents into an app (idempotent: same ids update). */
export async function seedDemoStore(deps: Deps, appId: string): Promise<KbImportAnswer> {
  return importKnowledge(deps, appId, readDemoStore());
}

function findSeedFolder(from = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (let depth = 0; depth < 4; depth++) {
    const candidate = join(dir, 'seed', 'demo-store');
    try {
      readFileSync(join(candidate, 'articles.json'));
      return candidate;
    } catch {
      dir = dirname(dir);
    }
  }
  throw new Error(`seed/demo-store not found above ${from}`);
}
