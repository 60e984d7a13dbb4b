/** Cues read straight off shopper text, before and beside the classifier. */

// Explicit requests for a person. Matched on normalised text.
const HUMAN_REQUEST =
  /转人工|人工客服|人工服务|接人工|找人工|要人工|人工$|^人工|真人|活人|客服本人|不想(?:跟|和)机器人|\bhuman\b|\breal person\b|\b(?:talk|speak) to (?:an? )?(?:agent|person|someone)\b|\blive agent\b/;

/** True when the shopper asks for a human in so many words. */
export const asksForHuman = (normalized: string) => HUMAN_REQUEST.test(normalized);

const NEGATIVE =
  /投诉|生气|气死|太差|很差|最差|差劲|垃圾|恶劣|不满|失望|骗子|骗人|坑人|假货|12315|曝光|举报|什么破|离谱|无语|受够|太慢了|\bterrible\b|\bangry\b|\bcomplain/g;

/** How upset the text sounds: the number of strong negative cues (0 = neutral). */
export function negativeSentiment(normalized: string): number {
  return normalized.match(NEGATIVE)?.length ?? 0;
}

// "LY20240601123"-style order numbers, or long digit runs shoppers paste from the order page.
const ORDER_ID = /\b([a-z]{1,4}\d{8,20}|\d{10,20})\b/gi;
// A mainland mobile number is a phone, not an order: it must not travel as an order id (that
// would copy it, in the clear, into the conversation's memory and handoff summary).
const MOBILE = /^1[3-9]\d{9}$/;

/** An order number in the raw text, upper-cased, or null. Phone numbers are never taken for one. */
export function extractOrderId(text: string): string | null {
  for (const match of text.normalize('NFKC').matchAll(ORDER_ID)) {
    if (!MOBILE.test(match[1]!)) return match[1]!.toUpperCase();
  }
  return null;
}

const WANTED_SIZE =
  /换(?:成|到|个|一个)?\s*(xxl|xxxl|xl|xs|[sml]|\d{2,3})(?:码|号)?|(大一码|小一码|大一号|小一号|大一个码|小一个码|大码|小码)/i;

/** The size a shopper wants to exchange to ("换28", "换L", "大一码"), or null. */
export function extractWantedSize(normalized: string): string | null {
  const match = WANTED_SIZE.exec(normalized);
  if (!match) return null;
  const size = match[1] ?? match[2]!;
  return /^[a-z]+$/i.test(size) ? size.toUpperCase() : size;
}

const REASONS: [RegExp, string][] = [
  [/太小|太紧|小了|紧了|偏小|买小/, 'too_small'],
  [/太大|太松|大了|松了|偏大|买大/, 'too_large'],
  [/不合适|不合身|尺码不对/, 'wrong_size'],
  [/破损|坏了|漏了/, 'damaged'],
  [/发错|错发|少发|漏发/, 'wrong_or_missing_item'],
  [/过敏|起疹|红疹|刺痛/, 'reaction'],
  [/质量|掉色|起球|开线|脱线/, 'quality'],
  [/不喜欢|不想要|不要了|拍错/, 'changed_mind'],
];

/** Why the shopper wants a return or exchange, as a short code, or null. */
export function extractReason(normalized: string): string | null {
  for (const [pattern, reason] of REASONS) if (pattern.test(normalized)) return reason;
  return null;
}

const ACTION_REQUEST =
  /想换|要换|换(?:大|小|个|一)|我要退|想退|要退|退掉|帮我退|申请退|不合适|不合身|太(?:大|小|紧|松|短|长)|破损|坏了|发错|少发|漏发|\b(?:return|exchange) (?:it|this|my)\b/;
const QUESTION =
  /怎么|如何|在哪|哪里|哪个|哪儿|谁|多久|什么时候|什么|吗|能.+?(?:吧|呢)$|是\s*$|\bhow\b|\bwhere\b|\bwhen\b|\bwho\b|\bcan i\b/;

/**
 * True for "do something for me" messages ("尺码不合适想换大一码") as opposed to questions about
 * the rules ("换码运费谁出"): the first open a ticket, the second get the article.
 */
export function isActionRequest(normalized: string, raw: string): boolean {
  return ACTION_REQUEST.test(normalized) && !isQuestion(normalized, raw);
}

/** True when the text asks something (question words, 吗, a question mark). */
export function isQuestion(normalized: string, raw: string): boolean {
  return QUESTION.test(normalized) || /[?？]/.test(raw);
}

const SKIN_TYPES: [RegExp, string][] = [
  [/敏感|容易(?:泛)?红|过敏肤质|sensitive/, '敏感肌'],
  [/混油|混合|combination/, '混合性'],
  [/油皮|油性|出油|大油田|oily/, '油性'],
  [/干皮|干性|发干|很干|紧绷|起皮|dry/, '干性'],
  [/中性|normal skin/, '中性'],
];

/** The skin type a text or profile value names, in the catalogue's words (干性, 油性…), or null. */
export function skinTypeOf(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const text = value.toLowerCase();
  for (const [pattern, type] of SKIN_TYPES) if (pattern.test(text)) return type;
  return null;
}

const GREETING =
  /你好|您好|哈喽|哈罗|嗨|\bhello\b|\bhi\b|\bhey\b|在吗|在不在|有人吗|有人在吗|早上好|早安|中午好|下午好|晚上好/g;
const GREETING_FILLER = /主播|客服|小姐姐|小哥哥|老板|掌柜|店家|亲|们|好|请问|一下|\s/g;

/** True for a bare greeting ("哈喽哈喽 主播好", "在吗") with no question in it. */
export function isGreeting(normalized: string): boolean {
  if (!GREETING.test(normalized)) return false;
  GREETING.lastIndex = 0;
  return normalized.replace(GREETING, '').replace(GREETING_FILLER, '').length === 0;
}

// Topics no shop answers: weather, markets, lottery, news, sport, homework, fortune telling.
const OFF_DOMAIN =
  /天气|下雨|下雪|气温|台风|预报|股票|股市|炒股|基金|大盘|比特币|彩票|新闻|比分|球赛|世界杯|作业|数学题|作文|算命|星座|运势|\bweather\b|\bstocks?\b|\bbitcoin\b|\bhomework\b|\bjoke\b/;

/** True when the text is about a topic outside any shop's business. */
export const mentionsOffDomainTopic = (normalized: string) => OFF_DOMAIN.test(normalized);

const MENTION_ONLY = /买了|拍了|下单了|入手了|收到了|刚到|咨询|想问|问问|看中|看上|感兴趣|这款|那款|那个/;

/** "我买了你们家的小白瓶": a statement that only brings a product up, no question or problem in it. */
export function isProductMention(normalized: string, raw: string): boolean {
  return MENTION_ONLY.test(normalized) && !isQuestion(normalized, raw) && !ACTION_REQUEST.test(normalized);
}
