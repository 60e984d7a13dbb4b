/**
 * Work shared by the readers of one message, for the length of one `answer()` call only.
 *
 * Answering one message normalises the same text up to nine times (the question splitter, the
 * focus, the signals, the index's read, each sub-question) and runs the word segmenter over the
 * same Han runs three times (gloss, tokens, features). Inside `withinMessage` the results are
 * kept and reused; when the call returns they are dropped, so the next message — even with the
 * same text — does all of its work again. Nothing is remembered across messages, and outside a
 * message (index builds, imports) nothing is kept at all. The engine is synchronous, so one scope
 * at a time is enough; a nested call joins the scope already open.
 */
let normalized: Map<string, string> | null = null;
let segmented: Map<string, Intl.SegmentData[]> | null = null;
let owned: Map<object, Map<string, unknown>> | null = null;

export function withinMessage<T>(run: () => T): T {
  if (normalized) return run();
  normalized = new Map();
  segmented = new Map();
  owned = new Map();
  try {
    return run();
  } finally {
    normalized = null;
    segmented = null;
    owned = null;
  }
}

/**
 * `compute()` once per message for the same owner and text: a pure function of both (the owner is
 * one knowledge index, whose reading of a text never changes). Outside a message, computed anew.
 */
export function onceInMessage<T>(owner: object, text: string, compute: () => T): T {
  if (!owned) return compute();
  let table = owned.get(owner);
  if (!table) {
    table = new Map();
    owned.set(owner, table);
  }
  let out = table.get(text) as T | undefined;
  if (out === undefined) {
    out = compute();
    table.set(text, out);
  }
  return out;
}

/** `compute(text)` once per message for the same text (a pure function of the text). */
export function normalizedInMessage(text: string, compute: (text: string) => string): string {
  if (!normalized) return compute(text);
  let out = normalized.get(text);
  if (out === undefined) {
    out = compute(text);
    normalized.set(text, out);
  }
  return out;
}

const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

/**
 * The segmenter's segments of a Han run (word granularity, Chinese): one segmenter for the whole
 * engine, each run segmented once per message. Callers only read the array.
 */
export function wordSegments(run: string): readonly Intl.SegmentData[] {
  let out = segmented?.get(run);
  if (out === undefined) {
    out = [...segmenter.segment(run)];
    segmented?.set(run, out);
  }
  return out;
}
