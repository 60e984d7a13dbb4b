/**
 * What the catalog says about stock and relations, read the same way by the bot (a sold-out size),
 * the 360° profile (suggestions) and the import (which coerces the reserved keys, see
 * `normaliseReservedAttributes`). Reserved product attribute keys:
 * - `sizes`: the sizes sold (strings);
 * - `soldOutSizes`: those out of stock now;
 * - `inStock`: `false` when the whole product is out of stock;
 * - `goesWith`: product ids that complete it (a scarf with a coat) — never a replacement;
 * - `alternativeTo`: product ids that can replace it (another dress);
 * - `url`, `imageUrl`: its page and picture (https), for cards.
 */

type Attributes = Record<string, unknown>;

/** A list attribute as strings (a lone string is a list of one; anything else, none). */
export function listAttribute(value: unknown): string[] {
  if (typeof value === 'string') return value.trim() ? [value.trim()] : [];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

const FALSE_WORDS = new Set([
  'false',
  'no',
  'n',
  '0',
  'none',
  'out',
  'sold out',
  'soldout',
  '否',
  '无',
  '无货',
  '缺货',
  '售罄',
]);

/** A stock flag as sent by a CSV or CRM export: false, "false", 0, "0", "缺货" all mean no. */
function saysNo(value: unknown): boolean {
  if (value === false || value === 0) return true;
  return typeof value === 'string' && FALSE_WORDS.has(value.trim().toLowerCase());
}

const sameSize = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * Whether the product can be sold now: not marked out of stock (`inStock` false, `stock` 0,
 * `available` false — read loosely, old rows predate the import's coercion), and, for a `size`,
 * that size is sold and not sold out; without a size, some size is left.
 */
export function isInStock(attributes: Attributes, size?: string | null): boolean {
  if (saysNo(attributes.inStock) || saysNo(attributes.available)) return false;
  if (attributes.stock !== undefined && Number(attributes.stock) === 0) return false;
  const sizes = listAttribute(attributes.sizes);
  const soldOut = listAttribute(attributes.soldOutSizes);
  if (size) {
    if (soldOut.some((s) => sameSize(s, size))) return false;
    return sizes.length === 0 || sizes.some((s) => sameSize(s, size));
  }
  return sizes.length === 0 || sizes.some((s) => !soldOut.some((gone) => sameSize(gone, s)));
}

/**
 * What can replace `product` when it (or its `size`) cannot be bought, best first: its
 * `alternativeTo`, then — only when the merchant set no `alternativeTo` key at all — other products
 * of its category. Never `goesWith` (a cardigan completes a dress; it does not replace one). Each
 * must be in stock, and when a size is asked and the candidate comes in sizes, in that size; a
 * candidate without sizes cannot promise one, so it is left out then.
 */
export function stockAlternatives<P extends { id: string; category?: string | null; attributes: Attributes }>(
  product: P,
  catalog: { get(id: string): P | undefined; inCategory(category: string): Iterable<P> },
  size?: string | null,
): P[] {
  const candidates: P[] = [];
  const named = product.attributes.alternativeTo;
  for (const id of listAttribute(named)) {
    const other = catalog.get(id);
    if (other) candidates.push(other);
  }
  if (named === undefined && product.category)
    for (const other of catalog.inCategory(product.category)) candidates.push(other);
  const seen = new Set<string>([product.id]);
  return candidates.filter((other) => {
    if (seen.has(other.id)) return false;
    seen.add(other.id);
    if (size && listAttribute(other.attributes.sizes).length === 0) return false;
    return isInStock(other.attributes, size);
  });
}
