/**
 * The longest message, in Unicode code points after trimming: what the API's zod schema checks
 * (zod counts code points), so an emoji counts once on every side, not twice as a UTF-16 pair.
 */
export const MESSAGE_MAX_LENGTH = 4000;

/** The length of a message as the API counts it: code points of the trimmed text. */
export function messageLength(text: string): number {
  let count = 0;
  const trimmed = text.trim();
  for (let i = 0; i < trimmed.length; i++) {
    const unit = trimmed.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < trimmed.length) {
      const next = trimmed.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}
