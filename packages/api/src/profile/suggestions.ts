import type { ProductSuggestion } from '@threadline/sdk-core/protocol';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/database';
import { kbProducts } from '../db/schema';

/** Catalog rows read per suggestion: a shop's whole catalog up to this size. */
const CATALOG_READ = 2000;

type Product = Pick<typeof kbProducts.$inferSelect, 'id' | 'name' | 'price' | 'category' | 'attributes'>;

const idsOf = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/**
 * Whether a product can be sold now: not marked `inStock: false` and not every size sold out.
 * (`soldOutSizes` lists sizes out of stock; the other sizes still sell.)
 */
export function isInStock(product: Pick<Product, 'attributes'>): boolean {
  const a = product.attributes;
  if (a.inStock === false) return false;
  const sizes = idsOf(a.sizes);
  const soldOut = new Set(idsOf(a.soldOutSizes));
  return sizes.length === 0 || sizes.some((size) => !soldOut.has(size));
}

/**
 * Up to `limit` products to suggest for what the shopper has in the cart and looked at (most recent
 * first): the catalog's `goesWith` of each, `alternativeTo` of what they viewed or cannot buy, and
 * — where a product has no relations set — others of its category. Only products in stock and not
 * already in the cart; each once.
 */
export async function suggestProducts(
  db: Db,
  appId: string,
  seen: { cart: string[]; viewed: string[] },
  limit = 3,
): Promise<ProductSuggestion[]> {
  if (seen.cart.length === 0 && seen.viewed.length === 0) return [];
  const catalog = await db
    .select({
      id: kbProducts.id,
      name: kbProducts.name,
      price: kbProducts.price,
      category: kbProducts.category,
      attributes: kbProducts.attributes,
    })
    .from(kbProducts)
    .where(eq(kbProducts.appId, appId))
    .limit(CATALOG_READ);
  const byId = new Map(catalog.map((p) => [p.id, p]));
  const inCart = new Set(seen.cart);
  const chosen = new Map<string, ProductSuggestion>();
  const offer = (id: string, reason: ProductSuggestion['reason'], because: string) => {
    const product = byId.get(id);
    if (!product || chosen.size >= limit || chosen.has(id) || inCart.has(id) || id === because) return;
    if (!isInStock(product)) return;
    chosen.set(id, { productId: id, name: product.name, price: product.price ?? null, reason, because });
  };
  const seeds = [
    ...seen.cart.map((id) => ({ id, from: 'cart' as const })),
    ...seen.viewed.filter((id) => !inCart.has(id)).map((id) => ({ id, from: 'viewed' as const })),
  ];
  for (const seed of seeds) {
    const product = byId.get(seed.id);
    if (!product) continue;
    const goesWith = idsOf(product.attributes.goesWith);
    const alternatives = idsOf(product.attributes.alternativeTo);
    // What they cannot buy, or only looked at, is better answered with what replaces it.
    if (!isInStock(product) || seed.from === 'viewed')
      for (const id of alternatives) offer(id, 'alternative_to', seed.id);
    for (const id of goesWith) offer(id, 'goes_with', seed.id);
    if (goesWith.length === 0 && alternatives.length === 0 && product.category)
      for (const other of catalog)
        if (other.category === product.category) offer(other.id, 'same_category', seed.id);
    if (chosen.size >= limit) break;
  }
  return [...chosen.values()];
}
