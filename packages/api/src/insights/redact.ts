import { type CountryCode, findPhoneNumbersInText } from 'libphonenumber-js/max';
import { extractOrderId } from '../knowledge';
import { maskCardNumbers } from '../platform/card-numbers';

const FULL_WIDTH = /[０-９Ａ-Ｚａ-ｚ＋＠．－]/g;
const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
const URL = /\b(?:https?:\/\/|www\.)[^\s<>"'，。！？、]+/giu;
const CARD = /\*{4} \*{4} \*{4} \d{4}/g;
// 15- or 18-character mainland resident ID numbers (the last may be X): masked by shape, checked
// or not, since a mistyped ID is still a person's.
const RESIDENT_ID = /(?<![\dA-Za-z])(?:\d{17}[\dXx]|\d{15})(?![\dA-Za-z])/g;
// Any run of 7 or more digits (spaces or dashes inside) that none of the above claimed: a phone
// in a shape the metadata does not know, a membership number, a tracking number. Shopper text in
// an insight is read for its wording, never for its numbers.
const LONG_NUMBER = /(?<!\d)\d(?:[ -]?\d){6,}(?!\d)/g;

/**
 * Shopper text as an insight may show it to merchants, supervisors, their BI and (through an
 * article drafted from it) other shoppers: what identifies a person or their order is replaced by
 * a placeholder — e-mail addresses, links, card numbers (`maskCardNumbers`, Luhn), phone numbers
 * in any written form (libphonenumber-js, numbers without a country code read in `region`),
 * resident ID numbers, order numbers (the engine's `extractOrderId` shapes, e.g. `LY20240601123`),
 * and any other run of 7 or more digits. Names are not detected (no dictionary of names here).
 * Full-width digits, letters and `+@.-` are folded to ASCII first, so `１３９…` is caught too
 * (only those: full-width Chinese punctuation stays as the shopper wrote it).
 */
export function redactShopperText(text: string, region: string = 'CN'): string {
  let out = text
    .replace(FULL_WIDTH, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(EMAIL, '[email]')
    .replace(URL, '[link]');
  out = maskCardNumbers(out).replace(CARD, '[card]');
  const phones = findPhoneNumbersInText(out, { defaultCountry: region as CountryCode });
  for (const found of phones.reverse())
    out = `${out.slice(0, found.startsAt)}[phone]${out.slice(found.endsAt)}`;
  out = out.replace(RESIDENT_ID, '[ID number]');
  // extractOrderId answers the first order number; each is replaced in turn (bounded: each pass
  // removes one, and a 500-character question holds few).
  for (let pass = 0; pass < 50; pass++) {
    const orderId = extractOrderId(out);
    if (!orderId) break;
    // Letters and digits only (ORDER_ID's shape), so safe as a pattern.
    const next = out.replace(new RegExp(orderId, 'i'), '[order number]');
    if (next === out) break;
    out = next;
  }
  return out.replace(LONG_NUMBER, '[number]');
}

/** Lets the event loop serve other requests between chunks of a long loop. */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Loop chunk between yields: about 50 ms of redaction or tokenising on a loaded core. */
export const CHUNK = 200;

/**
 * `redactShopperText` over many texts: each distinct text once (shoppers repeat themselves, and
 * phone matching is the costly part), yielding to the event loop every CHUNK distinct texts so a
 * large read never holds up other requests for long.
 */
export async function redactAll(texts: readonly string[]): Promise<string[]> {
  const done = new Map<string, string>();
  const out: string[] = [];
  for (const text of texts) {
    let redacted = done.get(text);
    if (redacted === undefined) {
      if (done.size % CHUNK === CHUNK - 1) await yieldToLoop();
      redacted = redactShopperText(text);
      done.set(text, redacted);
    }
    out.push(redacted);
  }
  return out;
}
export { yieldToLoop };
