/** What a page's `onLoad(query)` receives: a link's query, or `scene` from a mini-program code. */
export interface HandoffQuery {
  handoff?: string;
  scene?: string;
  [key: string]: string | undefined;
}

const SCENE_KEYS = ['handoff', 'h', 'code'];

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Finds the handoff code in what a page was opened with. A link carries `?handoff=<code>`; a
 * mini-program code (wxacode.getUnlimited) carries a URL-encoded `scene` of at most 32 characters,
 * which holds the 22-character link code, bare or as `h=<code>`. Null when there is none.
 */
export function parseHandoffCode(input: string | HandoffQuery | null | undefined): string | null {
  if (!input) return null;
  if (typeof input === 'object') {
    if (input.handoff) return parseHandoffCode(input.handoff);
    return input.scene ? parseHandoffCode(input.scene) : null;
  }
  const text = decode(decode(input.trim()));
  if (!text.includes('=')) return text || null;
  for (const pair of text.split('&')) {
    const [key = '', value = ''] = pair.split('=');
    if (SCENE_KEYS.indexOf(key) >= 0 && value) return value;
  }
  return null;
}
