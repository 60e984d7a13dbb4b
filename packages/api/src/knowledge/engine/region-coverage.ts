import type { KnowledgeArticle } from './knowledge-base';
import type { ReplyLanguage } from './reply-language';

/**
 * "do you ship to Hong Kong", "能寄到台湾吗": delivery to a place outside the mainland. When none
 * of the shop's delivery articles names that place, the nearest one (domestic fees, domestic
 * delivery times) would be a confident wrong answer: say what the delivery notes do cover, that
 * they don't say this, and offer a person. When an article does name the place, the engine's
 * ranking answers as before.
 */

/** Places a shopper may ask delivery to that a mainland shop's notes often don't cover. */
const PLACES: { zh: string[]; en: string[]; name: { zh: string; en: string } }[] = [
  { zh: ['香港'], en: ['hong kong', 'hk'], name: { zh: '香港', en: 'Hong Kong' } },
  { zh: ['澳门'], en: ['macau', 'macao'], name: { zh: '澳门', en: 'Macau' } },
  { zh: ['台湾'], en: ['taiwan'], name: { zh: '台湾', en: 'Taiwan' } },
  {
    zh: ['国外', '海外', '境外', '外国'],
    en: ['abroad', 'overseas', 'internationally', 'international', 'other countries', 'outside china'],
    name: { zh: '海外', en: 'addresses outside mainland China' },
  },
  { zh: ['新加坡'], en: ['singapore'], name: { zh: '新加坡', en: 'Singapore' } },
  { zh: ['马来西亚'], en: ['malaysia'], name: { zh: '马来西亚', en: 'Malaysia' } },
  { zh: ['美国'], en: ['usa', 'america', 'united states', 'the states'], name: { zh: '美国', en: 'the US' } },
  { zh: ['英国'], en: ['uk', 'britain', 'england', 'united kingdom'], name: { zh: '英国', en: 'the UK' } },
  { zh: ['加拿大'], en: ['canada'], name: { zh: '加拿大', en: 'Canada' } },
  { zh: ['日本'], en: ['japan'], name: { zh: '日本', en: 'Japan' } },
  { zh: ['韩国'], en: ['korea', 'south korea'], name: { zh: '韩国', en: 'Korea' } },
  { zh: ['澳大利亚', '澳洲'], en: ['australia'], name: { zh: '澳大利亚', en: 'Australia' } },
  { zh: ['新西兰'], en: ['new zealand'], name: { zh: '新西兰', en: 'New Zealand' } },
  { zh: ['德国'], en: ['germany'], name: { zh: '德国', en: 'Germany' } },
  { zh: ['法国'], en: ['france'], name: { zh: '法国', en: 'France' } },
  { zh: ['泰国'], en: ['thailand'], name: { zh: '泰国', en: 'Thailand' } },
  { zh: ['越南'], en: ['vietnam'], name: { zh: '越南', en: 'Vietnam' } },
];

// Sending goods somewhere: "寄到", "发往", "送去", "ship to", "deliver to", "shipping to".
const SEND_ZH = /(?:寄|发|送|邮|运|配送|发货|快递|包邮)(?:到|去|往|至)?$/;
const SEND_EN =
  /\b(?:ship|ships|shipped|shipping|shipment|deliver|delivers|delivered|delivering|delivery|send|sends|sent|post|posted|mail|mailed|courier)\b(?:\s+\w+){0,3}\s+(?:to|in|into)(?:\s+the)?\s*$|\b(?:deliver|ship)\b.{0,20}$/;
// After a place: "香港能寄吗", "台湾包邮吗", "发货吗".
const SEND_AFTER_ZH =
  /^(?:地区|那边|的话)?(?:能|可以|可不可以|能不能|支持|也)?(?:寄|发|送|邮|配送|发货|包邮|收到|到)/;
// The place goods come from, not go to: "从海外发货吗", "does it ship from abroad" (where goods are
// sent from is the goods' route, the cross-border articles' matter).
const SENT_FROM_ZH = /(?:从|由|自)$/;
// "是海外发货吗", "也是国外寄的吗", "海外寄过来的吗": goods said to BE sent from the place (是 before it, or
// sent towards the shopper after it) — their origin, not a destination ("海外能发货吗" stays one).
const IS_SENT_FROM_ZH = /是$/;
const SENT_HERE_ZH = /^(?:直接)?(?:发货|发的|发出|寄出|寄的|直邮)(?![到往去至])/;
const SENT_TOWARDS_ZH = /^(?:直接)?(?:寄|发|邮|运)(?:过)?来/;
// "海外发货能退吗", "国外发的要交税吗": goods named by the place they are sent from, at the head of a
// question of returning, tax or an invoice — those goods, not a delivery to the place.
const TOPIC_HEAD_ZH = /^(?:请问|那|那么|那些|这些)?$/;
const GOODS_SENT_FROM_ZH =
  /^(?:直接)?(?:发货|发的|寄的|直发|直邮)的?(?:商品|东西|货|宝贝)?(?:能|可以|可不可以|能不能|支持|要|需要|也)?(?:退|换|交税|缴税|开票|开发票|发票|税)/;
const SENT_FROM_EN = /\bfrom\s*$/;
// Words of delivery in an article: the ones that say where goods are sent.
const DELIVERY_WORDS = /发货|配送|送达|包邮|运费|快递|寄|物流|清关/;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Each place's English words as whole-word patterns, compiled once: this runs on every message. */
const ENGLISH_PATTERNS = new Map<(typeof PLACES)[number], RegExp[]>();
function englishPatterns(place: (typeof PLACES)[number]): RegExp[] {
  let patterns = ENGLISH_PATTERNS.get(place);
  if (!patterns) {
    patterns = place.en.map((word) => new RegExp(`(?<![a-z])${escapeRegExp(word)}(?![a-z])`));
    ENGLISH_PATTERNS.set(place, patterns);
  }
  return patterns;
}

/** The place a message asks delivery to, or null. */
export function askedPlace(plain: string): (typeof PLACES)[number] | null {
  for (const place of PLACES) {
    for (const word of place.zh) {
      let at = plain.indexOf(word);
      while (at !== -1) {
        const before = plain.slice(Math.max(0, at - 6), at);
        const after = plain.slice(at + word.length, at + word.length + 8);
        const sentFrom =
          SENT_FROM_ZH.test(before) ||
          (IS_SENT_FROM_ZH.test(before) && SENT_HERE_ZH.test(after)) ||
          SENT_TOWARDS_ZH.test(after) ||
          (TOPIC_HEAD_ZH.test(plain.slice(0, at)) && GOODS_SENT_FROM_ZH.test(after));
        if (!sentFrom && (SEND_ZH.test(before) || SEND_AFTER_ZH.test(after))) return place;
        at = plain.indexOf(word, at + 1);
      }
    }
    for (const pattern of englishPatterns(place)) {
      const match = pattern.exec(plain);
      const before = match ? plain.slice(0, match.index) : '';
      if (match && SEND_EN.test(before) && !SENT_FROM_EN.test(before)) return place;
    }
  }
  return null;
}

export interface RegionAnswer {
  action: 'clarify';
  text: string;
  intent: string | null;
  articleId: null;
  productId: null;
  confidence: number;
  lowConfidence: true;
  outOfScope: false;
  quickReplies: string[];
}

/**
 * The honest reply to delivery asked to a place no delivery article names, or null (not such a
 * question, or an article does name the place).
 */
export function regionAnswer(
  plain: string,
  language: ReplyLanguage,
  articles: Iterable<KnowledgeArticle>,
  personChip: string,
): RegionAnswer | null {
  const place = askedPlace(plain);
  if (!place) return null;
  const delivery: KnowledgeArticle[] = [];
  for (const article of articles) {
    const written = [article.title, ...article.questions, article.answer].join(' ');
    if (!DELIVERY_WORDS.test(`${article.title} ${article.questions.join(' ')}`)) continue;
    const lower = written.toLowerCase();
    if (
      place.zh.some((w) => written.includes(w)) ||
      englishPatterns(place).some((pattern) => pattern.test(lower))
    )
      return null;
    delivery.push(article);
  }
  const en = language === 'en';
  const titles = delivery.slice(0, 3).map((a) => a.title);
  return {
    action: 'clarify',
    text: en
      ? `Our delivery notes (dispatch times, couriers and fees) don't mention ${place.name.en}, so I won't guess whether we deliver there or what it costs. I can pass you to a person to check.`
      : `我们的配送说明${titles.length > 0 ? `（${titles.join('、')}）` : ''}里没有写到${place.name.zh}，能不能寄、运费多少我不乱说哦。需要的话可以转人工帮您确认～`,
    intent: delivery[0]?.intent ?? null,
    articleId: null,
    productId: null,
    confidence: 0.1,
    lowConfidence: true,
    outOfScope: false,
    quickReplies: [personChip],
  };
}
