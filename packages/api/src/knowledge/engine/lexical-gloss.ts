import { pinyin } from 'pinyin-pro';
import { wordSegments } from './message-scope';
import { type LexiconTerm, RETAIL_TERMS } from './retail-lexicon';

const HAN_RUN = /\p{Script=Han}+/gu;
// Regular expressions with Unicode property escapes are module constants: the bundler turns such a
// literal into `new RegExp(…)` where it stands, which would build a RegExp object on every call.
const HAN_CHAR = /\p{Script=Han}/u;
// Function characters: "那个" sounds like "哪个", "在吗" like "再吗" — no misspelling worth fixing.
const FUNCTION_CHARS =
  /[的了吗呢吧啊呀哦是就那哪这个我你您他她们在有和也都还说要会能可以想一下什么怎么样些点儿得地着过把被给让对从到为与及或又再很太最更不没]/u;
const LATIN_WORD = /[a-z0-9][a-z0-9'-]*/g;
const MAX_PHRASE_WORDS = 4;
// One or more pinyin syllables, toneless ("tuihuo", "kuaidi", "zhuan"): what a pinyin word looks like.
const PINYIN_WORD =
  /^(?:(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(?:iang|iong|uang|ang|eng|ing|ong|uai|uan|ian|iao|ai|ei|ao|ou|an|en|er|in|un|ui|ue|ve|ia|ie|iu|uo|ua|a|o|e|i|u|v))+$/;

/** Question particles written in pinyin: a syllable alone, heard only in pinyin text. */
const PINYIN_PARTICLES: Record<string, string> = {
  ma: '吗',
  me: '么',
  mo: '么',
  bu: '不',
  ne: '呢',
  ba: '吧',
};

/**
 * Single syllables that stand alone as a word of a shopping question ("you da ma ma" → 有大码吗,
 * "hai you ma" → 还有吗): read only in a spelling, never glossed into the matched text, and only in
 * text that is pinyin — the glossary's words are two syllables or more.
 */
const PINYIN_SINGLES: Record<string, string> = {
  you: '有',
  mei: '没',
  da: '大',
  xiao: '小',
  hai: '还',
  neng: '能',
  yao: '要',
  // The verbs of a shop's questions ("nai fen neng tui ma" → 奶粉能退吗, "duo jiu dao" → 多久到).
  tui: '退',
  huan: '换',
  dao: '到',
  fa: '发',
  yong: '用',
  // "naifen shi haiwai zhiyou ma", "kua jing nai fen cong na li fa huo": where goods come from.
  shi: '是',
  cong: '从',
};

/**
 * Everyday words of shopping questions a shop's own texts may not use ("mianmo you xianhuo ma",
 * "nansheng neng yong ma"): heard in pinyin as well as the knowledge's words.
 */
const PINYIN_WORDS = [
  '现货',
  '男生',
  '男士',
  '男的',
  '女生',
  '孕妇',
  '宝宝',
  '小孩',
  '退货',
  '换货',
  '发货',
  '包邮',
  // Where goods come from and how they stand water: "haiwai zhiyou", "fang shui" (防水, not the
  // 放水 a knowledge text may hold across two of its words).
  '海外',
  '国外',
  '直邮',
  '防水',
  '防汗',
];

// Pinyin readings per character (toneless, every reading of a polyphone): shared by all apps.
const readingsOf = new Map<string, string[]>();
function readings(ch: string): string[] {
  let out = readingsOf.get(ch);
  if (!out) {
    const all = pinyin(ch, { toneType: 'none', type: 'array', multiple: true }) as string[];
    out = [...new Set(all.map((r) => r.replace(/ü/g, 'v').replace(/[^a-z]/g, '')).filter(Boolean))].slice(
      0,
      3,
    );
    if (readingsOf.size < 30_000) readingsOf.set(ch, out);
  }
  return out;
}

/**
 * The toneless pinyin spellings of a short Han word: every polyphone's readings (at most 8
 * spellings) for the knowledge's words, the usual reading only for what a shopper typed — so
 * 花被 (huabei) still meets 花呗 (huabai/huabei), but 说 is not read as "yue".
 */
export function pinyinSpellings(word: string, usualOnly = false): string[] {
  let spellings = [''];
  for (const ch of word) {
    const next: string[] = [];
    const options = usualOnly ? readings(ch).slice(0, 1) : readings(ch);
    for (const prefix of spellings) for (const r of options) next.push(prefix + r);
    spellings = next.slice(0, 8);
  }
  return spellings;
}

/**
 * The usual-reading spelling of a short Han word (`pinyinSpellings(word, true)`, which has one
 * spelling or none): the first reading of each character joined, null when a character has none.
 * No array per character; this runs for every candidate gram of every message.
 */
function usualSpelling(word: string): string | null {
  let spelling = '';
  for (const ch of word) {
    const r = readings(ch);
    if (r.length === 0) return null;
    spelling += r[0]!;
  }
  return spelling;
}

/**
 * Where the segmenter's words of a Han run begin and end (code-unit offsets, `at[offset] === 1`),
 * and the spans of its multi-character words (`start * (length + 1) + end`): a gram that starts
 * and ends on these offsets and is not one word by itself is made of whole words and single
 * characters.
 */
function segmentCuts(run: string): { at: Uint8Array; words: Set<number> } {
  const at = new Uint8Array(run.length + 1);
  const words = new Set<number>();
  const span = run.length + 1;
  at[0] = 1;
  at[run.length] = 1;
  for (const { segment, index } of wordSegments(run)) {
    at[index] = 1;
    at[index + segment.length] = 1;
    if (segment.length > 1) words.add(index * span + index + segment.length);
  }
  return { at, words };
}

/** The segmenter's first word of a short Han gram. */
function firstSegment(gram: string): string {
  for (const { segment } of wordSegments(gram)) return segment;
  return gram;
}

/** A glossed text, and where its glosses came from. */
export interface Gloss {
  text: string;
  /** An English (or other Latin-script lexicon) word was recognised. */
  english: boolean;
  /** A pinyin fragment was recognised. */
  pinyin: boolean;
  /** When pinyin was recognised: its words in Chinese, in the order written, with a final particle. */
  spelled?: string;
  /** Every word of a pinyin text was read (a word, a particle or a single-syllable word). */
  spelledAll?: boolean;
  /**
   * Latin words of three letters or more that no lexicon term or pinyin took ("student", "dryer"):
   * what an English question says that the Chinese reading never sees.
   */
  unread: string[];
  /** How many English phrases a lexicon term took. */
  glossedWords: number;
}

/**
 * An English phrase with its last word in the singular ("cardigans" → "cardigan", "dresses" →
 * "dress", "body lotions" → "body lotion"): shoppers ask for goods in the plural, lexicons list
 * them in the singular. Unchanged when the last word does not look plural.
 */
function singular(phrase: string): string {
  if (/[a-z]{3}ies$/.test(phrase)) return `${phrase.slice(0, -3)}y`;
  if (/[a-z]{2}(?:ss|x|z|ch|sh)es$/.test(phrase)) return phrase.slice(0, -2);
  if (/[a-z]{3}[^su]s$/.test(phrase)) return phrase.slice(0, -1);
  return phrase;
}

const INFLECTED = /^([a-z]{3,}?)([a-z])?\2?(?:ed|ing)$/;
/**
 * The term of a verb in the past or -ing form the lexicon lists only plain ("cancelled" → cancel,
 * "swapped" → swap, "changing" → change): the stem, the stem with "e", the stem with a doubled
 * last letter undone. Asked only of a single word no term took.
 */
function stemTerm(word: string, terms: Map<string, string>): string | undefined {
  const m = INFLECTED.exec(word);
  if (!m) return undefined;
  const stem = word.replace(/(?:ed|ing)$/, '');
  return (
    terms.get(stem) ??
    terms.get(`${stem}e`) ??
    (stem.length > 3 && stem.at(-1) === stem.at(-2) ? terms.get(stem.slice(0, -1)) : undefined)
  );
}

/**
 * Builds the glosser of one app: English and romanised words, pinyin fragments and
 * same-sounding misspellings are recognised and the shop's own term is written beside them, so
 * "refund多久", "tuihuo zenme tui" and "物留信息" reach 退款, 退货 and 物流. Pinyin and
 * misspellings resolve only to words the knowledge itself uses (its questions, titles, intent
 * examples, product names), learnt from `vocabulary`; the merchant's own terms come first.
 */
export function createGlosser(
  vocabularyTexts: string[],
  merchantTerms: LexiconTerm[] = [],
  { inflections = true }: { inflections?: boolean } = {},
) {
  const latinTerms = new Map<string, string>();
  const hanTerms: [string, string][] = [];
  for (const [term, means] of [...merchantTerms.map((t) => [t.term, t.means] as const), ...RETAIL_TERMS]) {
    // Keys read like the text they meet: "isn't" is "isn t" once punctuation is gone.
    const key = term
      .normalize('NFKC')
      .toLowerCase()
      .replace(/[\p{P}\p{S}]+/gu, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    if (!key || !means) continue;
    if (/\p{Script=Han}/u.test(key)) hanTerms.push([key, means]);
    else if (!latinTerms.has(key)) latinTerms.set(key, means);
  }
  hanTerms.sort((a, b) => b[0].length - a[0].length);

  // The knowledge's words (2–3-character grams) by their pinyin spellings.
  const known = new Set<string>();
  const bySound = new Map<string, string[]>();
  const learn = (word: string) => {
    if (known.has(word)) return;
    known.add(word);
    const usual = usualSpelling(word);
    for (const spelling of pinyinSpellings(word)) {
      const words = bySound.get(spelling) ?? [];
      // Words read as their characters' usual readings come first, in the order learnt: "naifen"
      // is 奶粉, not 能分 by a rare reading of 能; the list keeps three.
      if (spelling === usual) {
        const rare = words.findIndex((w) => usualSpelling(w) !== spelling);
        words.splice(rare === -1 ? words.length : rare, 0, word);
        if (words.length > 3) words.pop();
      } else if (words.length < 3) words.push(word);
      bySound.set(spelling, words);
    }
  };
  // A shopper's everyday words are heard first: a knowledge gram spelt alike (放水 across 存放|水) is
  // rarely what pinyin means.
  for (const word of PINYIN_WORDS) learn(word);
  for (const text of vocabularyTexts) {
    for (const [run] of text.matchAll(HAN_RUN)) {
      // A four-character text of its own is a name ("跨境奶粉", an alias): heard whole.
      if (run.length === 4 && run === text.trim()) learn(run);
      for (let i = 0; i + 2 <= run.length; i++) {
        learn(run.slice(i, i + 2));
        if (i + 3 <= run.length) learn(run.slice(i, i + 3));
      }
    }
  }
  for (const [, means] of [...latinTerms, ...hanTerms]) {
    for (const [run] of means.matchAll(HAN_RUN)) if (run.length >= 2 && run.length <= 3) learn(run);
  }
  // Syllables each of which is a particle or a one-syllable word ("you ma", "da ma") are heard as a
  // gram of the knowledge only where it keeps those words: "da ma" may be 大码, but "you ma" is 有吗,
  // not the 由吗 of "…理由吗".
  const agreeing = (syllables: string[], heard: string[] | undefined): string[] | undefined => {
    if (!heard || !syllables.every((w) => PINYIN_PARTICLES[w] ?? PINYIN_SINGLES[w])) return heard;
    const kept = heard.filter((word) =>
      syllables.every((w, k) => !PINYIN_SINGLES[w] || [...word][k] === PINYIN_SINGLES[w]),
    );
    return kept.length > 0 ? kept : undefined;
  };

  return {
    /** The normalised text with the shop's terms appended for what it recognised; unchanged otherwise. */
    gloss(normalized: string): Gloss {
      const added: string[] = [];
      let english = false;
      let pinyinSeen = false;
      const unread: string[] = [];
      let glossedWords = 0;
      // Pinyin as Chinese in the order written, a question's particle kept ("mianshuang baoshi ma"
      // → 面霜保湿吗): the glosses above are a set, and "保湿吗" asks what "保湿" alone only names.
      const spelled: string[] = [];
      let allSpelled = true;
      for (const [term, means] of hanTerms) if (normalized.includes(term)) added.push(means);

      const words = normalized.match(LATIN_WORD) ?? [];
      // In mixed text ("refund一般几天能到", "可以cancel吗") the Chinese around an English word is
      // the question: the shop's term takes the word's place there too, so "退款一般多久" reads as
      // one phrase and not as "多久能到" (delivery) with 退款 somewhere at the end.
      const mixed = HAN_CHAR.test(normalized);
      const inPlace: { from: string; to: string }[] = [];
      // Pinyin is read only in text that is mostly pinyin: "mona lisa" in an English sentence is not 没拿.
      // A number among the syllables ("niuzaiku you 29 ma") is neither pinyin nor English.
      const lettered = words.filter((w) => !/^\d+$/.test(w));
      const pinyinText =
        lettered.length > 0 && lettered.filter((w) => PINYIN_WORD.test(w)).length >= 0.8 * lettered.length;
      for (let i = 0; i < words.length; ) {
        let taken = 0;
        for (let n = Math.min(MAX_PHRASE_WORDS, words.length - i); n >= 1 && !taken; n--) {
          const phrase = words.slice(i, i + n).join(' ');
          const means =
            latinTerms.get(phrase) ??
            (n > 1 ? latinTerms.get(words.slice(i, i + n).join('')) : undefined) ??
            latinTerms.get(singular(phrase)) ??
            (n === 1 && inflections ? stemTerm(phrase, latinTerms) : undefined);
          if (means) {
            added.push(means);
            if (mixed) inPlace.push({ from: phrase, to: means.split(' ')[0]! });
            english = true;
            glossedWords++;
            taken = n;
            continue;
          }
          // Pinyin: "tuihuo", "tui huo", "kuaidi dao na le" — two syllables or more.
          const joined = words.slice(i, i + n).join('');
          // A one-syllable word before a word heard alone ("you fangshai" → 有 防晒) is itself, not
          // the start of a longer gram whose first character stands alone as a word (油|防晒 of
          // 控油防晒); a gram that is a word from its start ("you hui quan" → 优惠券) is heard whole.
          const splits =
            n > 1 &&
            !!PINYIN_SINGLES[words[i]!] &&
            bySound.has(words.slice(i + 1, i + n).join('')) &&
            (bySound.get(joined) ?? []).every((w) => firstSegment(w).length === 1);
          const heard =
            pinyinText && !splits && joined.length >= 4 && /^[a-z]+$/.test(joined)
              ? agreeing(words.slice(i, i + n), bySound.get(joined))
              : undefined;
          if (heard) {
            added.push(heard[0]!);
            spelled.push(heard[0]!);
            pinyinSeen = true;
            taken = n;
          }
        }
        if (!taken && words[i]!.length >= 3 && !/\d/.test(words[i]!)) unread.push(words[i]!);
        if (pinyinText && !taken) {
          // A number in pinyin ("niu zai ku you 27 ma") is written as it is: a size, a count.
          const one =
            PINYIN_PARTICLES[words[i]!] ??
            PINYIN_SINGLES[words[i]!] ??
            (/^\d+$/.test(words[i]!) ? words[i] : undefined);
          if (one) spelled.push(one);
          else allSpelled = false;
        }
        i += taken || 1;
      }

      // Same-sounding misspellings of the knowledge's words ("物留" → 物流, "保只期" → 保质期): a gram
      // the knowledge never uses, sounding like one it does and sharing a character with it — and
      // not a real word. A misspelling breaks the segmenter's words into single characters (物|留);
      // a gram that is a dictionary word (那里, 防水) or cuts through one (衣服|太 → "服太") is
      // what the shopper meant to write, and "correcting" it (那里 → 哪里) changes the question.
      // The checks are pure, so the segmenter (the costly one) is asked last, and only about a run
      // with a gram that sounds like a word of the knowledge.
      for (const [run] of normalized.matchAll(HAN_RUN)) {
        let cuts: ReturnType<typeof segmentCuts> | null = null;
        const span = run.length + 1;
        // Which code units are function characters, read once per run: a gram's count is then a
        // sum (a surrogate half is never one, as a character outside the BMP is none), and a gram
        // with two or more is passed over before it is cut out and looked up.
        const functional = new Uint8Array(run.length);
        for (let i = 0; i < run.length; i++) functional[i] = FUNCTION_CHARS.test(run[i]!) ? 1 : 0;
        for (let i = 0; i + 2 <= run.length; i++) {
          for (let size = 3; size >= 2; size--) {
            if (i + size > run.length) continue;
            if (functional[i]! + functional[i + 1]! + (size === 3 ? functional[i + 2]! : 0) > 1) continue;
            const gram = run.slice(i, i + size);
            if (known.has(gram)) continue;
            const spelling = usualSpelling(gram);
            if (spelling === null) continue;
            // A function character written beside a word of the knowledge is that function word,
            // no slip for the character that sounds like it: "有防晒" (has sun protection) is not
            // "油防晒" (of 控油防晒). A slip inside a word ("尺吗表", "花被") is still one.
            const beside =
              (functional[i] === 1 && known.has(gram.slice(1))) ||
              (functional[i + size - 1] === 1 && known.has(gram.slice(0, -1)));
            const match = bySound
              .get(spelling)
              ?.find(
                (w) =>
                  [...w].some((ch) => gram.includes(ch) && !FUNCTION_CHARS.test(ch)) &&
                  !(beside && [...gram].some((ch, k) => ch !== w[k] && FUNCTION_CHARS.test(ch))),
              );
            if (!match) continue;
            cuts ??= segmentCuts(run);
            if (!cuts.at[i] || !cuts.at[i + size] || cuts.words.has(i * span + i + size)) continue;
            added.push(match);
          }
        }
      }
      let base = normalized;
      for (const { from, to } of inPlace) {
        // Whole words only ("ship" is not replaced inside "shipping"); the English stays at the end.
        base = base.replace(
          new RegExp(`(?<![a-z0-9'-])${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![a-z0-9'-])`),
          to,
        );
      }
      if (base !== normalized) added.push(inPlace.map((w) => w.from).join(' '));
      const text = added.length ? `${base} ${[...new Set(added)].join(' ')}` : normalized;
      return {
        text,
        english,
        pinyin: pinyinSeen,
        unread,
        glossedWords,
        ...(pinyinSeen ? { spelled: spelled.join(''), spelledAll: allSpelled } : {}),
      };
    },
  };
}

export type Glosser = ReturnType<typeof createGlosser>;
