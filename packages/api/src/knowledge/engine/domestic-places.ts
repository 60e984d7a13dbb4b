import type { KnowledgeArticle } from './knowledge-base';

/**
 * "send to Shanghai", "deliver to Tibet", "能寄到拉萨吗": delivery to a place inside the mainland.
 * The shop delivers there; the question is how long and at what fee — the delivery article that
 * names the place (or its province), or the one taught with "寄到<place>…" questions. Before, the
 * place name was an unknown word: "send to Shanghai" was declined, "deliver to Tibet" read as a
 * return. General geography, not one shop's: provinces and their large cities, in Chinese, in
 * pinyin and in English.
 */

/** Provinces and regions, then large cities with the province they lie in (`in`). */
const PLACES: { zh: string; en: string[]; in?: string }[] = [
  { zh: '北京', en: ['beijing', 'peking'] },
  { zh: '上海', en: ['shanghai'] },
  { zh: '天津', en: ['tianjin'] },
  { zh: '重庆', en: ['chongqing'] },
  { zh: '河北', en: ['hebei'] },
  { zh: '山西', en: ['shanxi'] },
  { zh: '辽宁', en: ['liaoning'] },
  { zh: '吉林', en: ['jilin'] },
  { zh: '黑龙江', en: ['heilongjiang'] },
  { zh: '江苏', en: ['jiangsu'] },
  { zh: '浙江', en: ['zhejiang'] },
  { zh: '安徽', en: ['anhui'] },
  { zh: '福建', en: ['fujian'] },
  { zh: '江西', en: ['jiangxi'] },
  { zh: '山东', en: ['shandong'] },
  { zh: '河南', en: ['henan'] },
  { zh: '湖北', en: ['hubei'] },
  { zh: '湖南', en: ['hunan'] },
  { zh: '广东', en: ['guangdong'] },
  { zh: '海南', en: ['hainan'] },
  { zh: '四川', en: ['sichuan'] },
  { zh: '贵州', en: ['guizhou'] },
  { zh: '云南', en: ['yunnan'] },
  { zh: '陕西', en: ['shaanxi'] },
  { zh: '甘肃', en: ['gansu'] },
  { zh: '青海', en: ['qinghai'] },
  { zh: '内蒙古', en: ['inner mongolia', 'neimenggu'] },
  { zh: '广西', en: ['guangxi'] },
  { zh: '西藏', en: ['tibet', 'xizang'] },
  { zh: '宁夏', en: ['ningxia'] },
  { zh: '新疆', en: ['xinjiang'] },
  { zh: '广州', en: ['guangzhou', 'canton'], in: '广东' },
  { zh: '深圳', en: ['shenzhen'], in: '广东' },
  { zh: '东莞', en: ['dongguan'], in: '广东' },
  { zh: '佛山', en: ['foshan'], in: '广东' },
  { zh: '杭州', en: ['hangzhou'], in: '浙江' },
  { zh: '宁波', en: ['ningbo'], in: '浙江' },
  { zh: '温州', en: ['wenzhou'], in: '浙江' },
  { zh: '南京', en: ['nanjing'], in: '江苏' },
  { zh: '苏州', en: ['suzhou'], in: '江苏' },
  { zh: '无锡', en: ['wuxi'], in: '江苏' },
  { zh: '合肥', en: ['hefei'], in: '安徽' },
  { zh: '福州', en: ['fuzhou'], in: '福建' },
  { zh: '厦门', en: ['xiamen'], in: '福建' },
  { zh: '南昌', en: ['nanchang'], in: '江西' },
  { zh: '济南', en: ['jinan'], in: '山东' },
  { zh: '青岛', en: ['qingdao'], in: '山东' },
  { zh: '郑州', en: ['zhengzhou'], in: '河南' },
  { zh: '武汉', en: ['wuhan'], in: '湖北' },
  { zh: '长沙', en: ['changsha'], in: '湖南' },
  { zh: '海口', en: ['haikou'], in: '海南' },
  { zh: '三亚', en: ['sanya'], in: '海南' },
  { zh: '成都', en: ['chengdu'], in: '四川' },
  { zh: '贵阳', en: ['guiyang'], in: '贵州' },
  { zh: '昆明', en: ['kunming'], in: '云南' },
  { zh: '西安', en: ["xi'an", 'xian'], in: '陕西' },
  { zh: '兰州', en: ['lanzhou'], in: '甘肃' },
  { zh: '西宁', en: ['xining'], in: '青海' },
  { zh: '银川', en: ['yinchuan'], in: '宁夏' },
  { zh: '呼和浩特', en: ['hohhot'], in: '内蒙古' },
  { zh: '南宁', en: ['nanning'], in: '广西' },
  { zh: '拉萨', en: ['lhasa'], in: '西藏' },
  { zh: '乌鲁木齐', en: ['urumqi'], in: '新疆' },
  { zh: '沈阳', en: ['shenyang'], in: '辽宁' },
  { zh: '大连', en: ['dalian'], in: '辽宁' },
  { zh: '长春', en: ['changchun'], in: '吉林' },
  { zh: '哈尔滨', en: ['harbin'], in: '黑龙江' },
  { zh: '石家庄', en: ['shijiazhuang'], in: '河北' },
  { zh: '太原', en: ['taiyuan'], in: '山西' },
];

type Place = (typeof PLACES)[number];
// Names indexed by their first character (Chinese) or first word (English), built once: a message
// naming no place costs one map lookup per character, no pattern of ~200 names.
const HAN_BY_FIRST = new Map<string, Place[]>();
const LATIN_BY_FIRST = new Map<string, { words: string[]; place: Place }[]>();
for (const place of PLACES) {
  HAN_BY_FIRST.set(place.zh[0]!, [...(HAN_BY_FIRST.get(place.zh[0]!) ?? []), place]);
  for (const name of place.en) {
    // Normalised text has no apostrophes ("xi'an" reads "xi an").
    const words = name.split(/[^a-z]+/).filter(Boolean);
    LATIN_BY_FIRST.set(words[0]!, [...(LATIN_BY_FIRST.get(words[0]!) ?? []), { words, place }]);
  }
}
const HAN_FIRST_CODES = new Set([...HAN_BY_FIRST.keys()].map((ch) => ch.charCodeAt(0)));
const LATIN_WORD = /[a-z]+/g;
// The first words of the English names as one pattern: one test, and the words are read only when
// it holds.
const LATIN_GATE = new RegExp(`\\b(?:${[...LATIN_BY_FIRST.keys()].join('|')})\\b`);

/** Where the text names a place: its offset, the length of the name, the place. */
function placesIn(plain: string): { at: number; length: number; place: Place }[] {
  const found: { at: number; length: number; place: Place }[] = [];
  for (let i = 0; i < plain.length; i++) {
    const code = plain.charCodeAt(i);
    if (!HAN_FIRST_CODES.has(code)) continue;
    for (const place of HAN_BY_FIRST.get(plain[i]!)!)
      if (plain.startsWith(place.zh, i)) found.push({ at: i, length: place.zh.length, place });
  }
  if (LATIN_GATE.test(plain)) {
    LATIN_WORD.lastIndex = 0;
    for (let word = LATIN_WORD.exec(plain); word; word = LATIN_WORD.exec(plain)) {
      const list = LATIN_BY_FIRST.get(word[0]);
      if (!list) continue;
      // The words from this one on, read only when a name starts here.
      const rest = plain.slice(word.index).split(/[^a-z]+/);
      for (const { words: name, place } of list) {
        if (!name.every((w, k) => rest[k] === w)) continue;
        const length =
          plain.slice(word.index).indexOf(name[name.length - 1]!) + name[name.length - 1]!.length;
        found.push({ at: word.index, length, place });
      }
    }
  }
  return found;
}

// Sending goods somewhere, before the place ("寄到", "发往", "ship to", "delivered to") or after it
// ("拉萨能寄吗", "新疆包邮吗", "Tibet delivery").
const SEND_ZH = /(?:寄|发|送|邮|运|配送|发货|快递|包邮)(?:到|去|往|至)?$/;
const SEND_AFTER_ZH =
  /^(?:地区|那边|的话|市|省)?(?:能|可以|可不可以|能不能|支持|也)?(?:寄|发|送|邮|配送|发货|包邮|收到|到货|多久到|几天到)/;
const SEND_EN =
  /\b(?:ship|ships|shipped|shipping|shipment|deliver|delivers|delivered|delivering|delivery|send|sends|sent|post|posted|mail|mailed|courier|get it)\b(?:\s+\w+){0,3}\s+(?:to|in|into)\s*$/;
const SEND_AFTER_EN = /^\s*(?:delivery|shipping|postage)\b/;
// Where an article's own questions ask delivery to a place ("寄到广州要多久", "偏远地区多久能收到").
const ASKS_TO_REGION = /(?:寄|发|送)(?:到|往|去)|地区|偏远/;
const DELIVERY_WORDS = /发货|配送|送达|包邮|运费|快递|物流|到货|收到/;
const RETURN_WORDS = /退|换货|售后/;

export interface DomesticPlace {
  zh: string;
  /** The province the place lies in (a city), else undefined. */
  province?: string;
}

/** The mainland place a message asks delivery to, or null. */
export function askedDomesticPlace(plain: string): DomesticPlace | null {
  for (const { at, length, place } of placesIn(plain)) {
    const before = plain.slice(Math.max(0, at - 8), at);
    const after = plain.slice(at + length, at + length + 10);
    // "想送上海的朋友一份礼物": a bare 送 before a person there is giving, not sending.
    if (
      /送$/.test(before) &&
      /礼物|送给|送人|^的?(?:朋友|同事|家人|闺蜜|妈|爸|老公|老婆)/.test(plain.slice(at + length))
    )
      continue;
    if (
      SEND_ZH.test(before) ||
      SEND_AFTER_ZH.test(after) ||
      SEND_EN.test(plain.slice(0, at)) ||
      SEND_AFTER_EN.test(after)
    )
      return { zh: place.zh, province: place.in };
  }
  return null;
}

/**
 * The delivery article that answers delivery to a mainland place: the one naming the place or its
 * province, and taught with questions of delivery to somewhere; null when no article is either.
 */
export function domesticDeliveryArticle(
  place: DomesticPlace,
  articles: Iterable<KnowledgeArticle>,
): KnowledgeArticle | null {
  let best: KnowledgeArticle | null = null;
  let bestScore = 0;
  for (const article of articles) {
    const score = domesticFit(place, article);
    if (score > bestScore) {
      best = article;
      bestScore = score;
    }
  }
  return best;
}

/** How well an article answers delivery to the place: 0 = not a delivery article for it at all. */
export function domesticFit(place: DomesticPlace, article: KnowledgeArticle): number {
  const asked = `${article.title} ${article.questions.join(' ')}`;
  if (!DELIVERY_WORDS.test(asked) || RETURN_WORDS.test(article.title)) return 0;
  const written = `${asked} ${article.answer}`;
  let score = 0;
  if (written.includes(place.zh) || (place.province && written.includes(place.province))) score += 2;
  if (article.questions.some((q) => ASKS_TO_REGION.test(q) && !RETURN_WORDS.test(q))) score += 2;
  return score;
}

/** Whether an English word is (the first word of) a mainland place's name: no topic left unread. */
export const isPlaceWord = (word: string): boolean => LATIN_BY_FIRST.has(word);
