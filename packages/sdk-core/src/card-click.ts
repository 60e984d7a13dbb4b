/**
 * Where a tap on a link card goes: its click-through link on the Threadline API (`card.clickUrl`,
 * set by the server on every stored card, so the open is counted), resolved against the API URL
 * the client was given — or null, and the caller opens `targetUrl`. Only a link on that API is
 * taken (a path, or an absolute URL of the same origin): a card cannot send the shopper anywhere
 * else through it, and the redirect itself goes only to the card's stored target.
 */
export function cardClickUrl(card: unknown, apiUrl: string | undefined): string | null {
  const link = (card as { clickUrl?: unknown } | null)?.clickUrl;
  if (!apiUrl || typeof link !== 'string' || link.length > 512) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if (/[\s\u0000-\u001f\u007f\\]/.test(link)) return null;
  const base = apiUrl.replace(/\/+$/, '');
  const origin = /^https?:\/\/[^/?#]+/i.exec(base)?.[0];
  if (!origin) return null;
  // A path is the API's own (under its base path, when it has one).
  if (link.startsWith('/') && !link.startsWith('//')) return `${base}${link}`;
  return link.startsWith(`${origin}/`) ? link : null;
}
