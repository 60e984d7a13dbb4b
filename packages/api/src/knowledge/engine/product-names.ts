import type { KnowledgeProduct } from './knowledge-base';

/**
 * Product names in the conversation's language. A catalogue is written in the shop's language
 * (the demo store's in Chinese); a merchant who serves shoppers in another gives each product its
 * name there in the reserved attribute `names` (`{ "en": "Hydrating Cream" }`). A reply in that
 * language then names the product so, and its chips carry that name, which the bot recognises
 * when the shopper taps it. Without one the catalogue's own name stands: it is the product's real
 * name, as a shop shows an untranslated title — never a machine guess.
 */
export function localName(product: KnowledgeProduct, language: string): string | undefined {
  const names = product.attributes.names;
  if (!names || typeof names !== 'object' || Array.isArray(names)) return undefined;
  const name = (names as Record<string, unknown>)[language];
  return typeof name === 'string' && name.trim() ? name.trim() : undefined;
}

/** Every name the product has in other languages (the matcher reads them as it reads aliases). */
export function localNames(product: KnowledgeProduct): string[] {
  const names = product.attributes.names;
  if (!names || typeof names !== 'object' || Array.isArray(names)) return [];
  return Object.values(names as Record<string, unknown>).filter(
    (name): name is string => typeof name === 'string' && name.trim().length > 0,
  );
}

interface Localisable {
  text: string;
  quickReplies: string[];
  language: string;
}

const HAN = /\p{Script=Han}/u;

/**
 * Puts a reply's product names into the reply's language: a chip that is a product's label (a
 * tapped chip sends it back; `labelled` finds the product) or quotes one ("口红 price"), and the
 * catalogue names the text quotes, become the product's name in that language where the catalogue
 * has one. Only text with Han characters is scanned; Chinese replies are left as they are.
 */
export function createNameLocaliser(
  products: readonly KnowledgeProduct[],
  labelled: (chip: string) => KnowledgeProduct | undefined,
) {
  const named = products.filter((p) => localNames(p).length > 0);
  // Labels a chip may quote, longest first: "澜悦丝绒雾面口红" before "口红".
  const labels = named
    .flatMap((product) => [product.name, ...product.aliases].map((label) => ({ label, product })))
    .filter((l) => l.label.length >= 2)
    .sort((a, b) => b.label.length - a.label.length);

  const chipIn = (chip: string, language: string): string => {
    if (!HAN.test(chip)) return chip;
    const whole = labelled(chip);
    const wholeName = whole && localName(whole, language);
    if (wholeName) return wholeName;
    for (const { label, product } of labels) {
      if (!chip.includes(label)) continue;
      const name = localName(product, language);
      return name ? chip.split(label).join(name) : chip;
    }
    return chip;
  };

  return {
    /** Whether any product has a name in another language (else there is nothing to do). */
    active: named.length > 0,
    localise<T extends Localisable>(result: T): T {
      const language = result.language;
      if (named.length === 0 || language === 'zh' || language === 'zh-Hant') return result;
      const quickReplies = result.quickReplies.map((chip) => chipIn(chip, language));
      let text = result.text;
      if (text && HAN.test(text)) {
        for (const product of named) {
          if (!text.includes(product.name)) continue;
          const name = localName(product, language);
          if (name) text = text.split(product.name).join(name);
        }
      }
      const same = text === result.text && quickReplies.every((chip, i) => chip === result.quickReplies[i]);
      return same ? result : { ...result, text, quickReplies };
    },
  };
}
