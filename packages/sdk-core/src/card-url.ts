/**
 * Whether a card's link or image may be opened or shown: an absolute https URL with a host and
 * no credentials. Anything else (`javascript:`, `data:`, `http:`, relative paths) is refused, by
 * the API when a card is stored and again by every client before it renders one. Hand-written
 * (not zod) because the widget and the mini-program bundle it.
 */
export function isSafeCardUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 2048) return false;
  // No white space or control characters anywhere: browsers strip some of them before the scheme.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (/[\s\u0000-\u001f\u007f]/.test(value)) return false;
  if (!/^https:\/\/[^/?#]/i.test(value)) return false;
  const authority = /^https:\/\/([^/?#]*)/i.exec(value)![1]!;
  return !authority.includes('@') && !authority.includes('\\');
}
