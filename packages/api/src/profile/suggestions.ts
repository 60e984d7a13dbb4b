import type { ProductSuggestion } from '@threadline/sdk-core/protocol';
import { and, eq, inArray, notInArray } from 'drizzle-orm';
import type { Db } from '../db/database';
import { kbProducts } from '../db/schema';
import { isInStock, listAttribute, stockAlternatives } from '../knowledge';

/** Seeds looked at: the cart and the most recent views, enough for three suggestions. */
const MAX_SEEDS = 20;
/** Products of one category read for the same-category fallback. */
const CATEGORY_READ = 50;

type Product = Pick<typeof kbProducts.$inferSelect, 'id' | 'name' | 'price' | 'category' | 'attributes'>;
const COLUMNS = {
  id: kbProducts.id,
  name: kbProducts.name,
  price: kbProducts.price,
  category: kbProducts.category,
  attributes: kbProducts.attributes,
};

/** A cart line as suggestions read it: the product and, for apparel and the like, the size chosen. */
export interface SeenCartLine {
  productId: string;
  size?: string | null;
}

const httpsAttribute = (value: unknown) =>
  typeof value === 'string' && value.startsWith('https://') ? value : undefined;

/**
 * Up to `limit` products to suggest for what the shopper has in the cart and looked at (most recent
 * first): what replaces a product they cannot buy (the whole product, or the size on their cart
 * line, is out of stock) or only looked at (`alternativeTo`, see knowledge/catalog-stock.ts), and
 * what completes it (`goesWith`); where a product has no relations set, others of its category.
 * Only products in stock and not already in the cart; each once. Reads the seed products and the
 * ids they name (and one category page where needed), not the whole catalog, so it works at any
 * catalog size.
 */
export async function suggestProducts(
  db: Db,
  appId: string,
  seen: { cart: SeenCartLine[]; viewed: string[] },
  limit = 3,
): Promise<ProductSuggestion[]> {
  const inCart = new Set(seen.cart.map((line) => line.productId));
  const seeds = [
    ...seen.cart.map((line) => ({ id: line.productId, size: line.size ?? null, from: 'cart' as const })),
    ...seen.viewed.filter((id) => !inCart.has(id)).map((id) => ({ id, size: null, from: 'viewed' as const })),
  ].slice(0, MAX_SEEDS);
  if (seeds.length === 0) return [];
  const byId = new Map<string, Product>();
  const load = async (ids: string[]) => {
    const missing = [...new Set(ids)].filter((id) => !byId.has(id));
    if (missing.length === 0) return;
    const rows = await db
      .select(COLUMNS)
      .from(kbProducts)
      .where(and(eq(kbProducts.appId, appId), inArray(kbProducts.id, missing)));
    for (const row of rows) byId.set(row.id, row);
  };
  await load(seeds.map((s) => s.id));
  await load(
    seeds.flatMap((s) => {
      const a = byId.get(s.id)?.attributes ?? {};
      return [...listAttribute(a.goesWith), ...listAttribute(a.alternativeTo)];
    }),
  );
  const categories = new Map<string, Product[]>();
  const inCategory = async (category: string) => {
    let rows = categories.get(category);
    if (!rows) {
      rows = await db
        .select(COLUMNS)
        .from(kbProducts)
        .where(
          and(
            eq(kbProducts.appId, appId),
            eq(kbProducts.category, category),
            notInArray(kbProducts.id, [...inCart]),
          ),
        )
        .orderBy(kbProducts.id)
        .limit(CATEGORY_READ);
      categories.set(category, rows);
      for (const row of rows) if (!byId.has(row.id)) byId.set(row.id, row);
    }
    return rows;
  };

  const chosen = new Map<string, ProductSuggestion>();
  const offer = (product: Product | undefined, reason: ProductSuggestion['reason'], because: string) => {
    if (!product || chosen.size >= limit || chosen.has(product.id) || inCart.has(product.id)) return;
    if (product.id === because || !isInStock(product.attributes)) return;
    const url = httpsAttribute(product.attributes.url);
    const imageUrl = httpsAttribute(product.attributes.imageUrl);
    chosen.set(product.id, {
      productId: product.id,
      name: product.name,
      price: product.price ?? null,
      reason,
      because,
      ...(url ? { url } : {}),
      ...(imageUrl ? { imageUrl } : {}),
    });
  };
  for (const seed of seeds) {
    const product = byId.get(seed.id);
    if (!product) continue;
    const goesWith = listAttribute(product.attributes.goesWith);
    const hasAlternatives = product.attributes.alternativeTo !== undefined;
    // What they cannot buy (in the size on their cart line), or only looked at, is better answered
    // with what replaces it — in that size.
    if (!isInStock(product.attributes, seed.size) || seed.from === 'viewed') {
      const category = !hasAlternatives && product.category ? await inCategory(product.category) : [];
      const catalog = { get: (id: string) => byId.get(id), inCategory: () => category };
      for (const other of stockAlternatives(product, catalog, seed.size))
        offer(other, hasAlternatives ? 'alternative_to' : 'same_category', seed.id);
    }
    for (const id of goesWith) offer(byId.get(id), 'goes_with', seed.id);
    if (goesWith.length === 0 && !hasAlternatives && product.category)
      for (const other of await inCategory(product.category)) offer(other, 'same_category', seed.id);
    if (chosen.size >= limit) break;
  }
  return [...chosen.values()];
}
