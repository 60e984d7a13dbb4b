import { normalizeText } from './text-normalizer';

// Regular expressions with Unicode property escapes are module constants: the bundler turns such a
// literal into `new RegExp(…)` where it stands, which would build a RegExp object on every call.
const HAN_CHARS = /\p{Script=Han}/gu;
const ALL_HAN = /^\p{Script=Han}+$/u;

/** Cues read straight off shopper text, before and beside the classifier. */

// Explicit requests for a person. Matched on normalised (and glossed) text.
const HUMAN_REQUEST =
  /转人工|人工客服|人工服务|接人工|找人工|要人工|人工$|^人工|真人|活人|客服本人|不想(?:跟|和)机器人|\bhuman\b|\breal person\b|\b(?:talk|speak) to (?:an? )?(?:agent|person|someone|human|staff)\b|\blive agent\b/;
// Who a shopper may ask for, what asking sounds like, and what turning the bot down sounds like.
const PERSON =
  /人工|客服|有人(?=回|在|值班|上班|接|理)|有没有人|真人|活人|正常人|客服人员|客服专员|工作人员|员工|店员|售后人员|售后专员|售后|店长|老板|经理|主管|负责人|专员|同事|能做主的|管事的|小二|接线员|坐席|\bstaff\b|\bsomeone\b|\bperson\b|\bhuman\b|\bmanager\b|\bteam\b|\banyone\b|\banybody\b|\bagents?\b|\brepresentatives?\b|\bsupport\b|\bcustomer service\b/;
const ASKING =
  /找|叫|换|转|接|让|请|联系|要|想|跟.{0,6}(?:说|聊|谈|沟通)|和.{0,6}(?:说|聊|谈|沟通)|来|回个?电话|打电话|\btalk\b|\bspeak\b|\bconnect\b|\bput me\b|\bget me\b|\bcall me\b|\bcontact\b/;
const REJECTS_BOT =
  /不要(?:跟|和)?(?:机器|机器人|ai|自动回复|模板)|别(?:让)?(?:机器|机器人|ai)|(?:机器人|机器|ai|自动回复)(?:根本)?(?:听不懂|没用|不行|答非所问)|别(?:再)?发模板|不要自动回复|(?:一直是|一直|总是|老是|都是|全是)(?:自动回复|机器人?|ai|模板|复制粘贴)|你(?:根本)?(?:处理|解决|回答|搞|做)不了|你(?:根本)?(?:不懂|听不懂|搞不懂)|(?:跟|和)你说不(?:清|明白|通)|说了你也不懂|\bnot a bot\b|\bno bots?\b|\bstop the bot\b|\b(?:stupid|useless) bot\b|\bautomated (?:reply|replies|answers?)\b/;
// The same, in Chinese, right before whom it asks for: "让你们的工作人员", "换个真正的客服", "安排一位同事".
const ASKING_NEAR =
  /(?:找|叫|喊|换|转|接|让|(?<!申)请|要|想|联系|安排|跟|和|与)(?:个|一个|一位|位|一下|下)?(?:你们|你家|你们家|贵店|店里|店铺)?的?(?:真正的|真的|正经的|靠谱的|专业的|售后|售前|值班的?)?\s*$/;
// Every person a text names (`matchAll` works on a copy, so one global constant serves every call).
const PERSON_ALL = new RegExp(PERSON.source, 'g');
// Asking *about* the service ("人工客服几点下班") is a question, not a request to be passed on.
const ABOUT_SERVICE =
  /几点|什么时候|什么时间|时间|上班|下班|在线吗|电话是多少|\bwhat time\b|\bhours\b|\bhow late\b|\bat night\b|\bon (?:the )?weekends?\b|\b24\/7\b|周末|节假日|工作日|\bwhat days\b|\bon (?:sundays?|saturdays?|holidays?|public holidays)\b|\b(?:bank|public) holidays?\b|\btonight\b|\bopening times?\b|春节|过年|国庆|元旦|中秋|\bon (?:christmas|new year|national day|chinese new year)|\bat \d{1,2}(?::\d\d)? ?(?:am|pm)\b|\bwhen (?:are|do|does|is|will)\b.{0,30}\b(?:work|open|online|available|around|start|finish|close|staffed|on duty)\b/;
const FIRST_HAN = /\p{Script=Han}/u;

/**
 * True when the shopper asks for a person — in so many words ("转人工", "human"), by naming who
 * they want and asking for them ("叫你们店长来", "can I talk to someone from your team"), or by
 * turning the bot down ("别发模板了", "机器人听不懂") — and not when asking about the service.
 */
export function asksForHuman(normalized: string): boolean {
  if (REJECTS_BOT.test(normalized)) return true;
  // Chinese asks right next to whom it wants ("让你们主管联系我"); English words are further apart,
  // and English glosses are appended at the end, so an English match reads the whole text.
  // An English message carries its Chinese glosses after its words ("what time do agents work
  // 人工客服"): a match in them is read against the whole text, as an English match is.
  const firstHan = normalized.search(FIRST_HAN);
  const english = firstHan > 0 && /[a-z]{2,}/.test(normalized.slice(0, firstHan));
  const latin = (match: RegExpExecArray) => english || /^[a-z]/.test(match[0]);
  // "人工客服几点下班" asks about the service, with the question words next to whom it is about
  // ("…天天背着去上班…让主管联系我" mentions work elsewhere and still asks for a person).
  const aboutService = (match: RegExpExecArray) =>
    ABOUT_SERVICE.test(
      latin(match)
        ? normalized
        : normalized.slice(Math.max(0, match.index - 8), match.index + match[0].length + 12),
    );
  const explicit = HUMAN_REQUEST.exec(normalized);
  if (explicit) return !aboutService(explicit);
  // Every person the text names ("同事都问…" is not a request; "让你们主管联系我" is).
  for (const person of normalized.matchAll(PERSON_ALL)) {
    if (aboutService(person)) continue;
    const at = person.index;
    const after = normalized.slice(at + person[0].length, at + person[0].length + 10).trim();
    if (
      /^(?:来|出来|过来|处理|回|跟我|和我|联系|接|给我回|给我打|回个?电话|(?:让|叫)(?:他|她)(?:来|回|联系|跟))/.test(
        after,
      )
    )
      return true;
    const asking = latin(person)
      ? ASKING.test(normalized.slice(Math.max(0, at - 20), at))
      : ASKING_NEAR.test(normalized.slice(Math.max(0, at - 12), at));
    if (asking) return true;
  }
  return false;
}

/**
 * True when the shopper asks *about* the people of the service — when they work, whether they are
 * online ("what time do agents work", "人工客服周末上班吗") — rather than for one of them.
 */
export function asksAboutService(normalized: string): boolean {
  if (!ABOUT_SERVICE.test(normalized)) return false;
  return (PERSON.test(normalized) || shopAsOpen(normalized)) && !asksForHuman(normalized);
}

// The shop itself as the one at work ("are you open on sundays", "你们周末上班吗", "what time do
// you close"): its hours are the service's hours, though no person is named.
const SHOP_AS_SUBJECT = /你们|你家|店里|\byou\b|\byour\b/;
const AT_WORK =
  /上班|下班|营业|开门|关门|在线|值班|在吗|在不在|回复|回消息|\bopening (?:times?|hours)\b|\bopen\b|\bclosed?\b|\bclosing\b|\baround\b|\bonline\b|\bavailable\b|\bworking\b|\bwork\b|\bstaffed\b|\bon duty\b/;
// …unless the text names another thing as what opens, closes, works or is available: goods back in
// a size, the warehouse or an order's cut-off, coupons, a sale, the app ("your coupon work on
// weekends", "你们仓库周末上班吗", "your app is not working tonight") — those ask about that thing.
const OTHER_SUBJECT =
  /仓库|发货|快递|物流|优惠券|红包|退款|退货|库存|补货|到货|直播|预售|秒杀|\bapp\b|\bwebsite\b|\bsite\b|\bwarehouse\b|\borders?\b|\bship(?:s|ping|ped)?\b|\bdispatch|\bdeliver|\bcoupons?\b|\bvouchers?\b|\bcodes?\b|\breturns?\b|\brefunds?\b|\b(?:flash |pre)?sales?\b|\bpresale\b|\bstream\b|\blive\b|\bstock\b|\brestock|\bin my size\b|\bavailable again\b/;
const shopAsOpen = (normalized: string) =>
  SHOP_AS_SUBJECT.test(normalized) && AT_WORK.test(normalized) && !OTHER_SUBJECT.test(normalized);

/**
 * `asksAboutService` asked as whether someone is at work then ("when are your support people
 * around", "are you open on sundays"): only the service's hours answer that — not a reading that
 * merely shares a time word ("周末" with "周末发货吗").
 */
export function asksWhenServiceOpen(normalized: string): boolean {
  return (
    AT_WORK.test(normalized) &&
    SERVICE_WHEN.test(normalized) &&
    ASKED.test(normalized) &&
    asksAboutService(normalized)
  );
}
// A time asked about, beyond the words of being at work ("同事…天天背着去上班" names work and asks
// nothing), and a question's form.
const SERVICE_WHEN =
  /几点|什么时候|什么时间|周末|节假日|工作日|春节|过年|国庆|元旦|中秋|晚上|\bwhat time\b|\bhours\b|\bhow late\b|\bat night\b|\bweekends?\b|\bsundays?\b|\bsaturdays?\b|\bholidays?\b|\btonight\b|\bopening (?:times?|hours)\b|\bchristmas\b|\bnew year\b|\bat \d{1,2}(?::\d\d)? ?(?:am|pm)\b|\bwhen\b|\bwhat days\b|24\/7/;
const ASKED = /吗|么|[?？]|几点|什么|\b(?:when|what|are|is|do|does|will|can)\b/;

const NEGATIVE =
  /投诉|告你们|消协|12315|曝光|举报|差评|生气|气死|太差|很差|最差|差劲|垃圾|恶劣|恶心|不满意|很不满|非常不满|好意思卖|这质量|什么质量|怪味|失望|骗子|骗人|骗钱|坑人|坑钱|黑店|太黑|破店|什么破|假货|离谱|无语|受够|不负责|敷衍|什么态度|认真点|说话不算数|太烂|很烂|烂透|真烂|不讲理|欺负|烂脸|太过分|过分了|什么玩意|什么鬼|什么东西啊|你们(?:这是)?什么意思|什么意思啊?你们|脸.{0,2}烂|(?:说好|答应好?|承诺)的?.{0,12}(?:结果|现在|到现在|至今|还是|还没|都没)|再也不(?:买|来|会买)|你们怎么(?:包装|发货|做事|办事|搞|弄|检查|打包|回事)的|\bfed up\b|\brip ?off\b|\bpathetic\b|\buseless\b|\bnever again\b|\bnot happy\b|\bterrible\b|\bangry\b|\bcomplain|\bworst\b|\bridiculous\b|\bunacceptable\b|\bscam\b|\bdisgusting\b|\bawful\b/g;
const MILD_NEGATIVE =
  /太慢了|等了?好久|一直没人|没人理|没人管|没有人管|还没解决|说法|到底|三遍|第三次|好几次|说好的?|一分钱(?:都|也)?没|怒|\bnobody\b|\bstill\b/g;

/** How upset the text sounds: strong negative cues count 1, milder ones ½ (0 = neutral). */
export function negativeSentiment(normalized: string): number {
  const strong = normalized.match(NEGATIVE)?.length ?? 0;
  const mild = normalized.match(MILD_NEGATIVE)?.length ?? 0;
  return strong + (strong > 0 || mild > 1 ? mild / 2 : 0);
}

// "LY20240601123"-style order numbers, or long digit runs shoppers paste from the order page.
const ORDER_ID = /\b([a-z]{1,4}\d{8,20}|\d{10,20})\b/gi;
// Digit runs that name a person, not an order. Order ids travel in the clear (conversation memory,
// handoff summaries, tickets), so these must never be taken for one: a mainland mobile, with or
// without its country code (86 / 0086), and a number with its trunk 0 and area code.
const PHONE = /^(?:0{0,2}86)?1[3-9]\d{9}$|^0[1-9]\d{8,10}$/;
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/** A mainland resident ID number (18 digits, a birth date inside, ISO 7064 MOD 11-2 check digit). */
function isResidentId(digits: string): boolean {
  if (!/^[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{4}$/.test(digits))
    return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(digits[i]) * ID_WEIGHTS[i]!;
  return '10X98765432'[sum % 11] === digits[17];
}

/** A digit run that identifies a person (a phone in any written form, a resident ID number). */
const namesAPerson = (digits: string) => PHONE.test(digits) || isResidentId(digits);

/**
 * An order number in the raw text, upper-cased, or null. Numbers that identify a person — phones
 * in any written form (a leading `+` says so too) and resident ID numbers — are never taken for one.
 */
export function extractOrderId(text: string): string | null {
  const normalized = text.normalize('NFKC');
  for (const match of normalized.matchAll(ORDER_ID)) {
    const candidate = match[1]!;
    const international = normalized[match.index - 1] === '+';
    if (international || namesAPerson(candidate)) continue;
    return candidate.toUpperCase();
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

/**
 * A gift or sample that came with the order said not to have come ("赠品没收到", "少了一个小样",
 * "the free gift wasn't in my parcel", "my order came without the gift"): an item missing from the
 * order, whatever the parcel did. (Gifts offered, or sent back with a return, are other matters.)
 */
// Missing means the order came and the gift was not in it. Asking whether a gift is offered is
// not: none left or sold out (没有了, 送完了没 — "V了没" asks whether), sold separately (单独卖),
// not offered on the page or for an item (available, product page, listing), gift wrap (礼品包装).
// The order said to have come, then "没有赠品" ("收到货了但是没有赠品", "拆开没看到小样") is missing
// too; "还没收到…没有赠品" is not (the order has not come). So is the gift asked after once the order
// came ("收到了 赠品呢", "东西到了，说好的小样呢", "received the parcel, no free sample inside"; the
// normaliser drops 呢, so a gift named last after a pause stands for it — "收到了赠品" is no such).
export const GIFT_MISSING =
  /^(?![\s\S]*(?:单独|卖完|送完|发完|领完|详情页|页面|商品页|\b(?:available|product page|listing|for this item|offered|offering|in stock)\b))[\s\S]*?(?:(?:赠品|小样|试用装|礼品(?!包装|卡)|赠送的|送的(?:东西|礼物))(?:(?!完)[^，,。？?！!]){0,6}(?<!了)(?:没(?!有?了)|未|不见)(?:有|收到|看到|见到|寄|发|给|到|放|在)?|(?:没|未)(?:有)?(?:收到|看到|见到|给我?|寄|发)(?:我)?(?:的)?(?:赠品|小样|试用装|礼品)|(?<!(?:没|没有|未)收?)(?:收到|到货|签收|拆开|打开|拆了)[^？?！!]{0,12}?(?:没有|没|不见|缺)(?:看到|见到|找到)?(?:赠品|小样|试用装|礼品(?!包装|卡))|(?:赠品|小样|试用装|礼品(?!包装|卡))也?(?:少|漏|缺)(?:了|发|寄|给)|(?:少|漏|缺)(?:了|发了?|寄了?|给了?)?(?:一个|一份|一支|一片|个|份|支|片)?(?:赠品|小样|试用装|礼品)|\b(?:free )?(?:gifts?|freebies?|samples?)\b.{0,20}\b(?:wasn t|was not|weren t|were not|isn t|is not|never|missing|didn t (?:come|arrive))\b|\b(?:didn t|did not|never|haven t|have not|not) (?:get|got|receive|received|see|find|found)\b.{0,12}\b(?:gifts?|freebies?|samples?)\b|\b(?:came|arrived|delivered|come|arrive)\b.{0,16}\bwithout (?:the |my |a |any )?(?:free )?(?:gifts?|freebies?|samples?)\b|\bmissing (?:the |my |a )?(?:free )?(?:gifts?|freebies?|samples?)\b|(?<!(?:没|没有|未)收?)(?:收到|到货|签收|拆开|打开|拆了|(?:东西|货|快递|包裹)(?:已经)?到了)(?:[^？?！!]{0,12}?(?:说好的|送的|我的)?(?:赠品|小样|试用装|礼品(?!包装|卡))(?:呢|在哪)|了?[^？?！!\s，,。]{0,6}[\s，,。~～]+(?:说好的|送的|我的)?(?:赠品|小样|试用装|礼品(?!包装|卡))$)|\b(?:received|got|arrived|came|opened|delivered)\b.{0,30}\bno (?:free )?(?:gifts?|freebies?|samples?)\b)/;

const REASONS: [RegExp, string][] = [
  [/太小|太紧|小了|紧了|偏小|买小/, 'too_small'],
  [/太大|太松|大了|松了|偏大|买大/, 'too_large'],
  [/不合适|不合身|尺码不对/, 'wrong_size'],
  [/发错|错发|少发|漏发|少寄|漏寄|寄错|少了一/, 'wrong_or_missing_item'],
  [GIFT_MISSING, 'wrong_or_missing_item'],
  [/破损|坏了|漏了|碎了|破了|湿了|压坏|\bbroken\b|\bdamaged\b/, 'damaged'],
  [/过敏|起疹|红疹|刺痛/, 'reaction'],
  [/质量|掉色|起球|开线|脱线/, 'quality'],
  [
    /不喜欢|不想要|不要了|拍错|不一样|不符|不满意|不好看|不适合我|买多了|\bchanged? my mind\b|\bdon'?t (?:like|want)\b/,
    'changed_mind',
  ],
];

/**
 * A trouble word said not to have happened: "包裹没有破损", "东西倒是没坏", "nothing is broken",
 * "it wasn't damaged" — the words just before it negate it.
 */
const NEGATED_BEFORE =
  /(?:没有?|并没有?|不|未|无|毫无)(?:任何|什么|一点)?$|\b(?:not|nothing|no|never|(?:is|was|are|were|has|have|had|does|did)n[' ]?t)(?: (?:been|even|at all|is|was|got|get|really))?\s*$/;
/** English words of goods in trouble; the normaliser appends their Chinese gloss after the text. */
const ENGLISH_TROUBLE = /\b(?:broken|damaged|cracked|crushed|smashed|leak(?:ed|ing|s)?|missing|torn)\b/g;
// The global copy of each pattern `affirmed` walks, made once (they are module constants).
const everyMatch = new Map<RegExp, RegExp>();
const affirmed = (pattern: RegExp, normalized: string): boolean => {
  let global = everyMatch.get(pattern);
  if (!global) {
    global = new RegExp(pattern.source, 'g');
    everyMatch.set(pattern, global);
  }
  global.lastIndex = 0;
  for (let m = global.exec(normalized); m; m = global.exec(normalized)) {
    const before = normalized.slice(0, m.index);
    // A Chinese word after English only is the gloss of an English word: negated when every
    // trouble word of the English is ("the box wasn't damaged, it just hasn't arrived").
    if (FIRST_HAN.test(m[0]) && !FIRST_HAN.test(before)) {
      if (!englishTroubleNegated(before)) return true;
    } else if (!NEGATED_BEFORE.test(before.slice(-16))) return true;
  }
  return false;
};
const englishTroubleNegated = (english: string): boolean => {
  let seen = false;
  for (const m of english.matchAll(ENGLISH_TROUBLE)) {
    seen = true;
    if (!NEGATED_BEFORE.test(english.slice(Math.max(0, m.index - 16), m.index))) return false;
  }
  return seen;
};

/** Why the shopper wants a return or exchange, as a short code, or null. */
export function extractReason(normalized: string): string | null {
  for (const [pattern, reason] of REASONS) {
    if (!pattern.test(normalized)) continue;
    // Only the goods' own trouble can be said not to have happened ("没有破损，就是还没到").
    if ((reason === 'damaged' || reason === 'wrong_or_missing_item') && !affirmed(pattern, normalized))
      continue;
    return reason;
  }
  return null;
}

const ACTION_REQUEST =
  /想换|要换|换(?:大|小|个|一)|我要退|想退|要退|退掉|退了|帮我退|申请退|不合适|不合身|太(?:大|小|紧|松|短|长)|破损|破了|坏了|发错|少发|漏发|少寄|寄错|\b(?:return|exchange) (?:it|this|my)\b/;
const QUESTION =
  /怎么|如何|在哪|哪里|哪个|哪儿|谁|多久|多少|什么时候|什么|吗|能.+?(?:吧|呢)$|是\s*$|\bhow\b|\bwhere\b|\bwhen\b|\bwho\b|\bcan i\b/;

/**
 * True for "do something for me" messages ("尺码不合适想换大一码") as opposed to questions about
 * the rules ("换码运费谁出"): the first open a ticket, the second get the article.
 */
export function isActionRequest(normalized: string, raw: string): boolean {
  // "包裹没有破损": a trouble said not to have happened asks for nothing.
  return (
    ACTION_REQUEST.test(normalized) && affirmed(ACTION_REQUEST, normalized) && !isQuestion(normalized, raw)
  );
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
  /(?:主播|老板|客服|店家|掌柜|小姐姐|小哥哥)们?好|你好|您好|在线吗|有人在线吗|哈喽|哈罗|嗨|\bhello\b|\bhi\b|\bhey\b|在吗|在不在|有人吗|有人在吗|早上好|早安|中午好|下午好|晚上好|\banyone (?:there|around|here|online)\b|\bgood (?:morning|afternoon|evening)\b/g;
// Around a greeting: whom it is for, and the announcement of a question still to come ("想问点事").
const GREETING_FILLER =
  /主播|客服|小姐姐|小哥哥|老板|掌柜|店家|亲|们|好|请问|一下|(?:我)?想(?:问|咨询)(?:点事|个事|个问题|一下|下)?|(?:问|咨询)(?:点事|个事|个问题)|(?:我)?有(?:个|点)(?:事|问题)|\bis\b|\bthere\b|\bi have a question\b|\bquick question\b|\s/g;

/** True for a bare greeting ("哈喽哈喽 主播好", "在吗") with no question in it. */
export function isGreeting(normalized: string): boolean {
  if (!GREETING.test(normalized)) return false;
  GREETING.lastIndex = 0;
  return normalized.replace(GREETING, '').replace(GREETING_FILLER, '').length === 0;
}

/**
 * The intent bare greetings belong to: the one with the most greeting examples, at least two; null
 * when none has. The engine answers "hi" with it, and insights never count it as a matter raised.
 * `normalized` reads an example as the engine would (the engine passes its own reader).
 */
export function greetingIntentOf<T extends { examples: readonly string[] }>(
  intents: readonly T[],
  normalized: (text: string) => string,
): T | null {
  return (
    intents
      .map((i) => ({ i, n: i.examples.filter((e) => isGreeting(normalized(e))).length }))
      .sort((a, b) => b.n - a.n)
      .find((x) => x.n >= 2)?.i ?? null
  );
}

// Topics no shop answers: weather, markets, lottery, news, sport, homework, fortune telling.
const OFF_DOMAIN =
  /主播.{0,6}(?:多大|几岁|哪里人|哪的人|唱|跳舞|结婚|男朋友|女朋友|好美|漂亮|好帅|身高|体重)|天气|下雨|下雪|气温|台风|预报|股票|股市|炒股|基金|大盘|比特币|彩票|新闻|比分|球赛|世界杯|作业|数学题|作文|写诗|一首诗|写.{0,8}诗|算命|星座|运势|高铁|火车|航班|机票|地铁|首都|总统|首相|朝代|人生|编程|代码|python|java|菜谱|做菜|吃什么|爬山|旅游|电影|\bcapital of\b|\bpresident\b|\bpoem\b|\bmeaning of life\b|\bweather\b|\bstocks?\b|\bbitcoin\b|\bhomework\b|\bjoke\b/;

/** True when the text is about a topic outside any shop's business. */
export const mentionsOffDomainTopic = (normalized: string) => OFF_DOMAIN.test(normalized);

const MENTION_ONLY = /买了|拍了|下单了|入手了|收到了|刚到|咨询|想问|问问|看中|看上|感兴趣|这款|那款|那个/;

/** "我买了你们家的小白瓶": a statement that only brings a product up, no question or problem in it. */
export function isProductMention(normalized: string, raw: string): boolean {
  return MENTION_ONLY.test(normalized) && !isQuestion(normalized, raw) && !ACTION_REQUEST.test(normalized);
}

// An order number or a long digit string with at most a few filler words around it.
const ORDER_FILLER =
  /订单号?|单号|编号|号码|是|发你|给你|这个|我的|呢|\border\b|\bnumber\b|\bis\b|\bmy\b|\s/g;

/** True when the message is only an order/product number ("20251130884213", "单号LY2025…"). */
export function isBareNumber(raw: string): boolean {
  const text = raw.normalize('NFKC').toLowerCase();
  // A phone number alone is not an order or product number (and is not echoed back).
  const digits = /\b\d{8,20}\b/.exec(text)?.[0];
  const id = extractOrderId(text) ?? (digits && !namesAPerson(digits) ? digits : undefined);
  if (!id) return false;
  return (
    text
      .replace(id.toLowerCase(), ' ')
      .replace(/[\p{P}\p{S}]/gu, ' ')
      .replace(ORDER_FILLER, '').length === 0
  );
}

// "那面膜呢", "物理的那款呢", "what about the mask": the question of the turn before, about something else.
const ELLIPSIS =
  /^(?:那|那么|那这个|那个|还有|and|what about|how about)?.{0,10}(?:呢|的呢|那款呢|那个呢|那件呢|的那款|呐)[?？。!！\s]*$|^(?:what|how) about\b/i;

/** True for a short follow-up that leaves its question to the turn before. */
export const isEllipticalFollowUp = (raw: string) => raw.trim().length <= 14 && ELLIPSIS.test(raw.trim());

// A greeting in front of the real question ("你好 请问裙子有S码吗", "亲 这个还有货吗").
const GREETING_PREFIX =
  /^(?:(?:你好|您好|哈喽|哈罗|嗨|hello|hi|hey|在吗|在不在|有人吗|有人在吗|亲爱的|亲+)[\s,，.。!！~～、]*)+(?:请问|问一下|问下|咨询一下)?[\s,，]*/i;

/** The message without a greeting in front of its question; the message itself when that is all there is. */
export function withoutGreeting(raw: string): string {
  const rest = raw.trim().replace(GREETING_PREFIX, '').trim();
  const han = rest.match(HAN_CHARS)?.length ?? 0;
  const words = rest.match(/[a-z]+/gi)?.length ?? 0;
  if (han < 2 && words < 3) return raw;
  const restRead = normalizeText(rest);
  // "在不 想问点事": the rest only announces a question — the whole is a greeting.
  return isGreeting(restRead) || restRead.replace(GREETING_FILLER, '').length === 0 ? raw : rest;
}

// "有卖男士剃须刀吗", "卖不卖X", "你家有香水吗", "护手霜有吗", "do you sell phone cases": the thing
// asked for, read off the sentence's shape (normalised text: 有没有 → 有, 嘛 → 吗).
const ASKED_FOR_SALE = [
  // "你们家卖毛衣吗", "店里卖围巾不": the shop as the subject of 卖 too.
  /(?:^|有|在|还|家|们|店|里|边)卖(?!家|的吗)(.{1,12}?)(?:吗|不|没)?$/,
  /卖不卖(.{1,12})$/,
  /^(?:你们|你家|你们家|店里|这里|这边|贵店|咱家|家里)?(?:有|还有)(.{1,12}?)(?:卖|的|可以买)?吗$/,
  /^(.{1,12}?)(?:有|有卖|有的|卖)吗$/,
  // "有没有防晒的", "有没有保湿的呀" (read folds 有没有 to 有): the A-not-A question needs no 吗.
  /^(?:你们|你家|你们家|店里|这里|这边|贵店|咱家|家里)?(?:有没有|有)(.{1,12}?)(?:卖的|的)(?:呢|呀|啊)?$/,
  // "控油的产品有哪些": goods asked for by a list.
  /^(.{1,12}?(?:产品|东西|商品|款))有哪些(?:呢|呀|啊)?$/,
  // "防晒有没有不含酒精的": goods of a kind asked with a quality (read folds 有没有 to 有).
  /^(.{1,8}?)有(?:没有)?(?:不含|无|没有|不加|适合|给)[^的]{1,8}的(?:吗|呢|呀|啊)?$/,
  // "美白的有哪些", "有啥补水的": goods asked for by a use, listed.
  /^(.{1,8}?)的(?:有哪些|有啥|有什么)(?:呢|呀|啊)?$/,
  /^(?:有啥|有什么|有哪些)(.{1,8}?)的(?:吗|呢|呀|啊)?$/,
  // "有什么舒缓的面膜", "有啥温和的洗面奶": goods of a kind asked by a quality, listed.
  /^(?:你们|店里|这里|这边)?(?:有啥|有什么|有哪些)(.{1,4}?的.{1,8}?)(?:吗|呢|呀|啊)?$/,
];
/** "婴儿能用什么", "宝宝可以用啥", "what can my baby use": the goods someone may use — who, not goods. */
const WHO_USES_WHAT =
  /^(.{1,6}?)(?:能|可以|可)(?:用|吃|喝)(?:什么|啥|哪些|哪个|哪款)(?:东西|产品)?(?:呢|呀|啊|吗)?$/;
const WHO_USES_WHAT_EN = /^what (?:can|could|should) (?:my |a |the |our )?(.{2,20}?) (?:use|eat|drink)\b/;
/** "anything for babies", "do you have anything for kids": goods asked by who uses them. */
const FOR_A_CHILD_EN =
  /^(?:(?:do|does) (?:you|the shop|your shop|your store) (?:sell|carry|stock|have) )?(?:any|anything|something|stuff|products?|things?)(?: \w+)? for (?:my |a |the |our )?(bab(?:y|ies)|kids?|child(?:ren)?|toddlers?|infants?|newborns?)\b/;
const ASKED_FOR_SALE_EN =
  /\b(?:do|does) (?:you|the shop|your shop|your store) (sell|carry|stock|have) (?:any )?(.{2,40})$|^(?:you|u) (?:guys )?(sell|carry|stock|have) (?:any )?(?!(?:my|our|his|her|their|to|been|got|not|no|sent|already|it|that|this|them)\b)(.{2,40})$/;
// What is asked about the shop's service, not its goods: never "we don't carry that".
// An effect or function asked ("有防晒效果吗") is a property of goods, not goods.
const NOT_GOODS =
  /效果|功效|作用|功能|人工|客服|真人|人在|货|库存|优惠|活动|赠品|小样|运费|包邮|发票|积分|会员|门店|折扣|券|码|号|颜色|色|尺|款|推荐|什么|哪|别的|其他|链接|价保|保价|保修|运费险|说明|证书|质检|报告|发货|寄|退货|退款|换货|价|钱|便宜|新品|正品|\d/;
// The last character of a Chinese product noun: 霜, 刀, 壳, 鞋… A word ending otherwise ("中文说明书")
// is not taken for goods by the bare "有X吗" shape.
const GOODS_HEAD =
  /[霜水乳液膏油露粉笔刀剪器机仪鞋靴帽袜衣衫裤裙包袋表链环镜瓶罐杯壶锅碗盘巾被枕毯垫套壳膜线灯扇伞酒茶糖奶饼肉干果菜米面琴球拍具玩偶车椅桌床柜箱盒梳刷针香皂宝棒夹贴架仪罩圈绳卡纸胶片]$/;

/** What a "do you sell X?" question names: the words, and whether they read as goods. */
export interface AskedForSale {
  /** As the shopper wrote it (normalised, at most 12 characters / 40 letters). */
  item: string;
  /** False when it asks about the service ("有优惠吗", "do you have price protection") or is no noun. */
  goods: boolean;
}

/**
 * The thing a "do you sell X?" question asks about, or null when the message has another shape.
 * `glossesToService` tells whether an English phrase maps to a service term of the lexicon.
 */
export function askedForSale(
  normalized: string,
  glossesToService: (english: string) => boolean,
): AskedForSale | null {
  const child = FOR_A_CHILD_EN.exec(normalized);
  if (child) return { item: child[1]!, goods: false };
  const asked = ASKED_FOR_SALE_EN.exec(normalized);
  // "you have sunscreen?": the question without its "do", the verb and goods in the later groups.
  const en = asked && (asked[1] ? asked : [asked[0], asked[3], asked[4]]);
  if (en) {
    const item = en[2]!.replace(/\b(?:here|in store|at all|now|too|please|pls)\b/g, '').trim();
    const service =
      !item ||
      glossesToService(item) ||
      (en[1] === 'have' && /\b(?:time|a moment|stock|size|sizes|discount|offer|sale)\b/.test(item));
    return { item, goods: !service };
  }
  const text = normalized.replace(/\s+/g, '');
  const who = WHO_USES_WHAT_EN.exec(normalized) ?? WHO_USES_WHAT.exec(text);
  if (who) return { item: who[1]!, goods: false };
  for (const pattern of ASKED_FOR_SALE) {
    const match = pattern.exec(text);
    if (!match) continue;
    // "有什么补水的" is asked by a use: 什么 is the asking, not the goods.
    const item = match[1]!.replace(/^(?:什么|啥|哪些|那种|这种|一些|些|点|的)|的$/g, '');
    // Goods end in a product noun's head ("剃须刀", "护手霜"): "卖得好吗", "有中文说明书吗" ask other things.
    const goods = item.length >= 2 && !NOT_GOODS.test(item) && ALL_HAN.test(item) && GOODS_HEAD.test(item);
    return { item, goods };
  }
  return null;
}

/**
 * "我买的T恤洗完变小了", "the hoodie I bought from you shrank": goods the shopper already has from
 * the shop. Whatever they are called, the question is about that purchase (a return, an exchange,
 * a defect) — never whether the shop sells such goods.
 */
export const ownPurchase = (plain: string): boolean => OWN_PURCHASE.test(plain) && !SELLING.test(plain);
// "我买了托特包，你们有卖钱包吗": asked in words of selling, it is still whether the shop sells it.
const SELLING = /卖|\b(?:sell|sells|carry|stock)\b/;
const OWN_PURCHASE =
  /我买的|买了(?:一|个|件|条|双|瓶|支|盒|套|的)|买回来|刚买的|上次买的|收到的|到手的|\bi (?:just )?(?:bought|ordered|purchased|received|got)\b|\b(?:bought|ordered|purchased) (?:it |this |them )?from you\b|\bmy order\b/;

/**
 * "is your live stream on tonight", "今晚有直播吗", "when does the presale begin": when an event the
 * shop holds (a live broadcast, a presale, a sale) takes place. Shops' notes say what happens in
 * such events (their prices, coupons, dispatch), rarely when they are held; an article that shares
 * the event word would answer another question. A matter of the shopper's own beside it (dispatch,
 * price, coupon, refund, deposit, an order) keeps its reading.
 */
export function asksEventSchedule(plain: string): boolean {
  return EVENT.test(plain) && EVENT_WHEN.test(plain) && EVENT_HAPPENS.test(plain) && !EVENT_OTHER.test(plain);
}
/** A title about when an event is held ("直播时间"), not about the event's dispatch or prices. */
export const namesEventTimes = (title: string): boolean =>
  EVENT.test(title) && !EVENT_OTHER.test(title) && EVENT_TIMES.test(title);
const EVENT_TIMES = /时间|几点|日期|时间表|\b(?:schedule|times|dates|hours)\b/;
const EVENT =
  /直播|开播|预售|大促|秒杀|\blive ?streams?\b|\blivestreams?\b|\blive (?:shows?|broadcasts?|sales?)\b|\bpre-?sales?\b|\bflash sales?\b/;
const EVENT_WHEN =
  /什么时候|什么时间|几点|哪天|几号|今晚|今天|明天|\bwhen\b|\bwhat time\b|\btonight\b|\btoday\b|\btomorrow\b|\bschedule\b|\bwhat days?\b/;
const EVENT_HAPPENS =
  /开始|开播|开抢|开启|开放|有|\b(?:start|starts|begin|begins|open|opens|on|live|happen|happens|happening|launch|launches|kick off|kicks off)\b/;
const EVENT_OTHER =
  /发货|发出|到货|有货|现货|补货|\bin stock\b|收到|退|换|价|券|钱|付|尾款|定金|订金|买的|下单|订单|快递|\b(?:ship|ships|shipped|shipping|dispatch|dispatched|deliver|delivered|delivery|arrive|refund|return|price|prices|paid|pay|coupons?|vouchers?|deposit|order|ordered|bought|cheaper|cost|discount)\b/;

/**
 * "老师有优惠吗", "is there a student discount", "do seniors get money off": a discount asked for a
 * group of people. The group named (null when none) is what the notes must mention for an article
 * on coupons or member prices to answer it.
 */
export function discountGroup(plain: string): string | null {
  if (!GROUP_DISCOUNT.test(plain)) return null;
  // "老师，优惠券和满减能一起用吗": in Chinese chat 老师 (like 亲) also addresses the person one
  // talks to; followed by a pause or a greeting it is that address, not a group asking.
  return GROUP.exec(plain.replace(ADDRESSED, ''))?.[0] ?? null;
}
/**
 * "买两件能便宜吗", "多买几件能打折吗", "is there a discount if I buy two": a lower price for buying
 * several — the shop's promotions (spend thresholds, coupons) answer it. Delivery fees ("买两件包邮吗")
 * and coupons named ("买两件能用两张券吗") are their own matters.
 */
export function asksMultiBuyDiscount(plain: string): boolean {
  return MULTI_BUY.test(plain) && MULTI_BUY_OFF.test(plain) && !MULTI_BUY_OTHER.test(plain);
}
const MULTI_BUY =
  /第(?:二|三|2|3)(?:件|个|支|瓶|盒|套|条|包|罐|份|单)|(?:买|拍|下单|入|要|订)了?(?:两|二|三|四|五|六|七|八|九|十|几|多|\d+)(?:件|个|支|瓶|盒|套|条|包|袋|罐|份|样|单)|多买|买多|多件|多拍|(?:两|几|\d+)(?:件|个|支|瓶|盒|套|样)(?:一起|同时)|(?:一起|一块儿?|一并|同时|搭配着?|凑单)(?:买|拍|下单|购买|入)|批量|囤货|\b(?:buy|buying|order|ordering|get|getting|purchase|purchasing)\s+(?:two|2|three|3|four|4|five|5|several|multiple|more|a few|in bulk|more than one|two or more)\b|\bmulti[- ]?buys?\b|\bbulk\b|\bbuying more\b/;
const MULTI_BUY_OFF =
  /便宜|优惠|折扣|打折|打个折|打几折|几折|半价|[一二两三\d]折|买.送.|\bget (?:one|1|another|a third|the third) free\b|\bhalf price\b|减|划算|实惠|让利|少点|少一点|\b(?:discounts?|deals?|cheaper|money off|offers?|% off|reductions?|price break|promotions?)\b/;
// Other matters beside buying several: fees and coupons named; the price since dropped (补差价,
// 现在便宜了: price protection); an offer that did not apply (优惠没用上: why not); cross-border tax;
// sending or returning them together; what goes with a product ("牛肉干和什么一起买划算": pairings).
const MULTI_BUY_OTHER =
  /(?:和|跟|配|搭)什么|运费|邮费|包邮|券|差价|价保|保价|降价|(?:现在|又|突然)(?:便宜|降)|没(?:有)?(?:用上|减|生效|抵扣|优惠到)|用不了|不能用|税|一起(?:发|寄|退|换)|合并(?:发|寄)|\b(?:shipping|postage|delivery|coupons?|vouchers?|tax|taxes|duty|duties|price protection|difference|did ?n[o' ]?t apply|not applied|ship together|return)\b/;
const ADDRESSED = /^\s*(?:老师|同学)(?:您好|你好|在吗|在不在)?[\s，,、!！~～。.:：]+/;
const GROUP =
  /学生|老师|教师|军人|退伍军人|老人|老年人|长者|医护|护士|医生|残疾人|孕妇|教职工|\b(?:students?|teachers?|military|veterans?|seniors?|elderly|pensioners?|nurses?|doctors?|healthcare workers?|key workers?|first responders?)\b/;
const GROUP_DISCOUNT =
  /优惠|折扣|打折|便宜|减免|特价|\b(?:discounts?|money off|cheaper|deals?|offers?|concessions?|% off)\b/;

/**
 * "半夜还能咨询吗", "I left a message last night, when will someone get back to me": whether the
 * service answers at an hour of the day, or when a message left will be answered — the service's
 * hours say both (who is online when, and when messages left out of hours are answered). Another
 * thing named as what works or is sent (an order, the warehouse, a refund) asks about that thing.
 */
export function asksServiceAtHour(normalized: string): boolean {
  if (OTHER_SUBJECT.test(normalized)) return false;
  // "我下单时留言要发顺丰": a note left with an order is an instruction for that order (its carrier,
  // its wrapping), not a message to the service waiting for a reply.
  // A note that asked something and waits for the answer ("下单时留言问的问题多久回复") is a message left.
  if (ORDER_NOTE.test(normalized) && !REPLY_WHEN.test(normalized)) return false;
  if (MESSAGE_LEFT.test(normalized)) return REPLY_WHEN.test(normalized);
  return SERVICE_ACT.test(normalized) && HOUR.test(normalized) && ASKED.test(normalized);
}
const SERVICE_ACT =
  /咨询|人工|客服|真人|回复|回消息|\b(?:someone|anyone|agents?|a person|humans?|support|reply|respond|get back|hear back)\b/;
const HOUR =
  /半夜|凌晨|深夜|夜里|大晚上|晚上[0-9一二两三四五六七八九十]+点|[0-9一二两三四五六七八九十]+点(?:以后|之后|后|多)?还|\bmidnight\b|\blate at night\b|\bovernight\b|\bin the middle of the night\b|\bat \d{1,2}(?::\d\d)? ?(?:am|pm)\b/;
/** "订单备注里写了要顺丰", "a note on my order": a note left with an order. */
export const mentionsOrderNote = (normalized: string): boolean => ORDER_NOTE.test(normalized);
/**
 * A message whose question is what its order note asks for ("订单备注里写了要顺丰，要加钱吗", "多久能处理").
 * Not when it asks when the goods ship or arrive or a reply comes ("备注了顺丰，什么时候发货", "多久到",
 * "多久回复"): the note is then only context for a question of dispatch, delivery or reply times.
 */
export const asksOfOrderNote = (normalized: string): boolean =>
  ORDER_NOTE.test(normalized) && !ASKS_WHEN.test(normalized);
const ASKS_WHEN =
  /(?:什么时候|多久|多长时间|几天|哪天|几号).{0,6}(?:发|到|送达|回复|回我)|(?:今天|明天|今晚|马上|尽快)(?:能|可以|会)?(?:发|到)|(?:发货|到货|送达|回复)(?:要)?(?:什么时候|多久|几天)|\b(?:when|how long|how soon|how many days)\b.{0,40}\b(?:ship|dispatch|send|arrive|deliver|get here|reply|respond|hear back)|\b(?:ship|dispatch|send|arrive) (?:it )?(?:today|tomorrow)\b/;
const ORDER_NOTE =
  /(?:下单|拍下|付款|订单)(?:时|的时候|里|上|中)?的?(?:留言|备注)|备注|\bnotes? (?:on|in|with|to) (?:my|the|your|an|this) order\b|\border notes?\b|\b(?:when|while) (?:ordering|i ordered|placing)\b.{0,30}\b(?:note|message)\b/;
const MESSAGE_LEFT =
  /留言|留了言|发了?消息|\bleft (?:you )?(?:a )?message\b|\bsent (?:you )?(?:a )?message\b|\bmessaged you\b/;
const REPLY_WHEN =
  /(?:多久|什么时候|几点|多长时间).{0,6}(?:回复|回我|回消息|答复|处理)|(?:回复|回我|答复).{0,4}(?:多久|什么时候|几点)|\b(?:when|how long|how soon)\b.{0,40}\b(?:reply|respond|get back|hear back|answer)/;
