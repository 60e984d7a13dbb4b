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

/** A link card as clients render it: its texts, and links that passed `isSafeCardUrl`. */
export interface RenderableCard {
  title: string;
  description?: string;
  imageUrl?: string;
  targetUrl: string;
  /** The target's host (`shop.example`), shown on the card so the shopper sees where it leads. */
  host: string;
}

/**
 * A safe card URL's host as the shopper should read it: the browser's own reading where `URL`
 * exists (an internationalised look-alike shows as xn--…), else (mini-program runtimes without
 * `URL`) the authority without its port, lower case.
 */
export function cardHostOf(url: string): string {
  // sdk-core is typed without the DOM (it also runs in mini-programs), so `URL` is looked up.
  const Url = (globalThis as { URL?: new (input: string) => { hostname: string } }).URL;
  try {
    if (typeof Url === 'function') return new Url(url).hostname;
  } catch {
    // fall through to the plain reading
  }
  return (/^https:\/\/([^/?#]*)/i.exec(url)?.[1] ?? '').replace(/:\d*$/, '').toLowerCase();
}

const shortText = (value: unknown, max: number) =>
  typeof value === 'string' && value.trim() ? value.slice(0, max) : undefined;

/**
 * A message's `meta.card` as a client may render it, or null: a title and a safe target are
 * required; an unsafe image is dropped rather than the card. Texts are returned as they are, to
 * be set as text (never as HTML).
 */
export function readLinkCard(value: unknown): RenderableCard | null {
  if (typeof value !== 'object' || value === null) return null;
  const card = value as Record<string, unknown>;
  const title = shortText(card.title, 120);
  if (!title || !isSafeCardUrl(card.targetUrl)) return null;
  const description = shortText(card.description, 300);
  return {
    title,
    targetUrl: card.targetUrl,
    host: cardHostOf(card.targetUrl),
    ...(description ? { description } : {}),
    ...(isSafeCardUrl(card.imageUrl) ? { imageUrl: card.imageUrl } : {}),
  };
}
