import type { KnowledgeProduct } from './knowledge-base';
import { localNames } from './product-names';
import { KIND_NOUNS, PRODUCT_NOUNS } from './retail-lexicon';
import { stableSort } from './stable-sort';
import { normalizeText } from './text-normalizer';

// Regular expressions with Unicode property escapes are module constants: the bundler turns such a
// literal into `new RegExp(…)` where it stands, which would build a RegExp object on every call.
// `matchAll` works on a copy, so one global constant serves every caller.
const HAN_WORD_RUN = /\p{Script=Han}{2,}/gu;
// Name tails that say how goods are packed or sold, not what they are.
const PACKING_TAIL = /^(?:礼盒|礼包|套装|组合|合装|装|片装|袋装|瓶装|盒装|罐装|混合装|二合一)$/u;
// A month of the calendar ("这个月", "上个月", "半个月"): not the age span of a name ("12-36个月"), so
// "这个月能一起开发票吗" names no formula. (An age asked, "八个月宝宝能喝吗", still reaches it.)
const CALENDAR_MONTH = /(?:这|上|下|本|每|半|整|前|后|近)个月/gu;

/** A kind noun in the text ("裙子") and the catalogue products of that kind. */
export interface KindMention {
  word: string;
  productIds: string[];
}

export interface ProductMention {
  productId: string;
  /** Higher is surer: a full alias or name beats a shared fragment of one. */
  score: number;
}

/**
 * Recognises products in shopper text: full names and aliases first, then the tail of a name
 * that belongs to one product only ("面霜" when a single product's names end in it). Fragments shared
 * by several products count for each in proportion, so "防晒" alone stays ambiguous.
 */
export function createProductMatcher(products: KnowledgeProduct[]) {
  const phrases: { text: string; productId: string }[] = [];
  const fragmentOwners = new Map<string, Set<string>>();
  // Whole labels (names, aliases, names in other languages) → their product: a tapped chip.
  const labelOwner = new Map<string, KnowledgeProduct>();
  // Each product's labels, normalised: cut out of a message to see the shopper's own words.
  const labelsById = new Map<string, string[]>();
  for (const product of products) {
    labelsById.set(
      product.id,
      [product.name, ...product.aliases, ...localNames(product)]
        .map((label) => normalizeText(label))
        .filter((label) => label.length >= 2)
        .sort((a, b) => b.length - a.length),
    );
    // A name in another language ("Hydrating Cream") is recognised as a whole, like an alias.
    for (const label of localNames(product)) {
      const text = normalizeText(label);
      if (text && !labelOwner.has(text)) labelOwner.set(text, product);
      if (text.length >= 2) phrases.push({ text, productId: product.id });
    }
    for (const label of [product.name, ...product.aliases]) {
      const text = normalizeText(label);
      if (text && !labelOwner.has(text)) labelOwner.set(text, product);
      if (text.length >= 2) phrases.push({ text, productId: product.id });
      // Chinese noun phrases end in their head noun (…面霜, …奶粉), so a name's tail says what it
      // is; its head ("跨境…", "澜悦…") only qualifies it.
      for (const [run] of text.matchAll(HAN_WORD_RUN)) {
        for (const size of [2, 3]) {
          if (run.length < size) continue;
          const tail = run.slice(-size);
          // How it is packed ("坚果礼盒", "…10片装") is no kind of product: "有礼盒包装吗" asks
          // about gift boxes, not about the nuts.
          // Nor is the end of such a tail ("合一" of "二合一": "适合一岁宝宝吗" names no body wash).
          if (PACKING_TAIL.test(tail) || (size === 2 && PACKING_TAIL.test(run.slice(-3)))) continue;
          const owners = fragmentOwners.get(tail) ?? new Set<string>();
          owners.add(product.id);
          fragmentOwners.set(tail, owners);
        }
      }
    }
  }
  // Longest phrases first, so "碎花连衣裙" is taken before "连衣裙" could be.
  phrases.sort((a, b) => b.text.length - a.text.length);
  // Fragments on most of the catalogue (the brand name) say nothing about which product.
  const maxOwners = Math.max(2, Math.ceil(products.length / 4));
  // Which phrases a text can contain, found without trying every phrase: by their first two code
  // units (built once per catalogue). Masking only ever puts spaces in, so a phrase without a space
  // that is in the masked text was already in the text itself; phrases with one are always tried.
  const byHead = new Map<string, number[]>();
  const spaced: number[] = [];
  phrases.forEach((phrase, i) => {
    if (phrase.text.includes(' ')) spaced.push(i);
    else {
      const head = phrase.text.slice(0, 2);
      const list = byHead.get(head);
      if (list) list.push(i);
      else byHead.set(head, [i]);
    }
  });
  const picked = new Uint8Array(phrases.length);
  /** Indexes of the phrases that may occur in `normalized` (a superset), in the phrases' order. */
  const phrasesIn = (normalized: string): number[] => {
    const out = spaced.slice();
    for (let j = 0; j + 2 <= normalized.length; j++) {
      const list = byHead.get(normalized.slice(j, j + 2));
      if (!list) continue;
      for (const i of list) {
        if (picked[i] || !normalized.startsWith(phrases[i]!.text, j)) continue;
        picked[i] = 1;
        out.push(i);
      }
    }
    for (const i of out) picked[i] = 0;
    return stableSort(out, (a, b) => a - b);
  };

  const labelsOf = new Map(
    products.map((p) => [p.id, [p.name, ...p.aliases].map((label) => normalizeText(label)).join(' ')]),
  );
  const kinds = KIND_NOUNS.map((kind) => {
    const ofKind = products.filter((p) => kind.heads.some((head) => labelsOf.get(p.id)!.includes(head)));
    const hinted = ofKind.filter((p) => kind.categories?.includes((p.category ?? '').toLowerCase()));
    return {
      patterns: kind.words.map((w) => new RegExp(w, 'u')),
      productIds: (hinted.length ? hinted : ofKind).map((p) => p.id),
    };
  });
  const productNouns = [...PRODUCT_NOUNS].sort((a, b) => b.length - a.length);

  return {
    /** The product whose name or alias the whole normalised text is (a tapped product chip). */
    labelled(normalized: string): KnowledgeProduct | undefined {
      return labelOwner.get(normalized);
    },
    /** The normalised text without the names and aliases of these products: the shopper's own words. */
    withoutNames(normalized: string, productIds: string[]): string {
      let out = normalized;
      for (const id of productIds)
        for (const label of labelsById.get(id) ?? [])
          if (out.includes(label)) out = out.split(label).join(' ');
      return out.replace(/\s+/g, ' ').trim();
    },
    /** Kind nouns in the text ("裙子", "面霜"), each with the catalogue's products of that kind. */
    kinds(normalized: string): KindMention[] {
      const out: KindMention[] = [];
      for (const kind of kinds) {
        for (const pattern of kind.patterns) {
          const match = pattern.exec(normalized);
          if (match) {
            out.push({ word: match[0], productIds: kind.productIds });
            break;
          }
        }
      }
      return out;
    },
    /** A product noun the text names that no catalogue product is ("电动牙刷"), or null. */
    uncarried(normalized: string): string | null {
      for (const noun of productNouns) {
        if (!normalized.includes(noun)) continue;
        const carried = products.some((p) => labelsOf.get(p.id)!.includes(noun));
        return carried ? null : noun;
      }
      return null;
    },
    /**
     * Products whose name or alias contains a 2+-character fragment of the text ("物理的那款" →
     * 物理防晒): only for short follow-ups, where the fragment can only mean a product.
     */
    fragments(normalized: string): string[] {
      const found = new Set<string>();
      for (const [run] of normalized.matchAll(HAN_WORD_RUN)) {
        for (let i = 0; i + 2 <= run.length; i++) {
          const gram = run.slice(i, i + 2);
          const owners = products.filter((p) => labelsOf.get(p.id)!.includes(gram));
          if (owners.length === 1) found.add(owners[0]!.id);
        }
      }
      return [...found];
    },
    /**
     * Products the normalised text names, best first, and the text with each unambiguous
     * mention cut out — so the intent classifier sees "how do I use …" and product words do
     * not drag a question towards that product's articles of another intent.
     */
    find(normalized: string): { mentions: ProductMention[]; masked: string } {
      const scores = new Map<string, number>();
      let masked = normalized;
      for (const i of phrasesIn(normalized)) {
        const phrase = phrases[i]!;
        if (!masked.includes(phrase.text)) continue;
        scores.set(phrase.productId, (scores.get(phrase.productId) ?? 0) + 2 + phrase.text.length / 2);
        masked = masked.split(phrase.text).join(' ');
      }
      if (scores.size === 0) {
        const seen = new Set<string>();
        const unique: string[] = [];
        for (const [run] of masked.replace(CALENDAR_MONTH, ' ').matchAll(HAN_WORD_RUN)) {
          for (let i = 0; i + 2 <= run.length; i++) {
            for (const size of [3, 2]) {
              const gram = run.slice(i, i + size);
              if (gram.length < size || seen.has(gram)) continue;
              seen.add(gram);
              const owners = fragmentOwners.get(gram);
              if (!owners || owners.size > maxOwners) continue;
              for (const id of owners) scores.set(id, (scores.get(id) ?? 0) + 1 / owners.size);
              if (owners.size === 1) unique.push(gram);
            }
          }
        }
        for (const gram of stableSort(unique, (a, b) => b.length - a.length)) {
          masked = masked.split(gram).join(' ');
        }
      }
      return {
        mentions: stableSort(
          [...scores].map(([productId, score]) => ({ productId, score })),
          (a, b) => b.score - a.score,
        ),
        masked: masked.replace(/\s+/g, ' ').trim(),
      };
    },
  };
}

export type ProductMatcher = ReturnType<typeof createProductMatcher>;
