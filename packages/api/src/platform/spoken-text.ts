/**
 * Chinese text as it is read aloud: what a phone bot says and what the speech endpoint synthesises.
 * Speech engines read "¥189.5", "SPF50+", "2026-12-01" or "13800138000" inconsistently (a phone
 * number as one huge number, a date as a subtraction), so numbers are written out the way a
 * service agent says them: prices and quantities as numbers (一百八十九元), phone, order and code
 * numbers digit by digit with 幺 for 1 (幺三八…), years digit by digit, sizes with their units.
 * Long sentences are cut at semicolons so the caller hears short ones.
 *
 * Pure functions, no dependencies: this runs on every bot reply on a voice channel.
 */

const DIGITS = '零一二三四五六七八九';
// Not allowed in XML 1.0 (TwiML, SSML): C0 controls except tab/LF/CR, the noncharacters U+FFFE and
// U+FFFF, and UTF-16 surrogates without their partner. (DEL is allowed there, but never read.)
const XML_ILLEGAL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const SPOKEN_DIGITS = '零幺二三四五六七八九';

/** A non-negative integer (as digits) in Chinese: 189 → 一百八十九, 20000 → 两万, 10 → 十. */
export function readInteger(digits: string): string {
  const trimmed = digits.replace(/^0+(?=\d)/, '');
  if (trimmed.length > 12) return readDigits(trimmed, false);
  const n = Number(trimmed);
  if (n === 0) return '零';
  const yi = Math.floor(n / 1e8);
  const wan = Math.floor(n / 1e4) % 1e4;
  const rest = n % 1e4;
  let text = '';
  if (yi) text += `${readBelowTenThousand(yi)}亿`;
  if (wan) text += `${text && wan < 1000 ? '零' : ''}${readBelowTenThousand(wan)}万`;
  if (rest) text += `${text && (rest < 1000 || !wan) ? '零' : ''}${readBelowTenThousand(rest)}`;
  text = text.replace(/零+/g, '零');
  // 一十二 is said 十二 at the start of a number.
  text = text.replace(/^一十/, '十');
  // A leading 2 before 百/千/万/亿 is said 两.
  return text.replace(/^二(?=[百千万亿])/, '两');
}

function readBelowTenThousand(n: number): string {
  const places = ['千', '百', '十', ''];
  const digits = String(n).padStart(4, '0');
  let out = '';
  let zero = false;
  let started = false;
  for (let i = 0; i < 4; i++) {
    const d = Number(digits[i]);
    if (d === 0) {
      if (started) zero = true;
      continue;
    }
    if (zero) out += '零';
    zero = false;
    started = true;
    out += DIGITS[d]! + places[i]!;
  }
  return out;
}

/** A number with an optional decimal part: 3.5 → 三点五, 0.05 → 零点零五. */
export function readNumber(value: string): string {
  const [whole, fraction] = value.split('.');
  const spoken = readInteger(whole || '0');
  return fraction ? `${spoken}点${readDigits(fraction, false)}` : spoken;
}

/**
 * Digit by digit: phone, order and code numbers. `phone` reads 1 as 幺, as Chinese speakers do for
 * numbers where 一 and 七 would be confused.
 */
export function readDigits(digits: string, phone = true): string {
  const table = phone ? SPOKEN_DIGITS : DIGITS;
  return digits.replace(/\d/g, (d) => table[Number(d)]!);
}

/** Letters spelled one by one (order ids, sizes): "XL" → "X L". */
const spell = (letters: string) => letters.split('').join(' ');

/** An id of letters and digits read out: digits one by one, letters spelled, groups paused. */
function readCode(id: string): string {
  return id
    .split(/[-\s]+/)
    .filter(Boolean)
    .map((part) =>
      part
        .replace(/[A-Za-z]+/g, (letters) => ` ${spell(letters.toUpperCase())} `)
        .replace(/\d+/g, (digits) => readDigits(digits))
        .trim()
        .replace(/\s+/g, ' '),
    )
    .join('，');
}

/** A phone number in groups, with pauses: 13800138000 → 幺三八，零零幺三，八零零零. */
function readPhone(raw: string): string {
  const digits = raw.replace(/\D/g, '');
  let national = digits;
  let prefix = '';
  if (raw.trim().startsWith('+86') || (digits.startsWith('86') && digits.length === 13)) {
    national = digits.slice(2);
    prefix = '加八六，';
  }
  let groups: string[];
  if (/^1\d{10}$/.test(national)) groups = [national.slice(0, 3), national.slice(3, 7), national.slice(7)];
  else if (/^[48]00\d{7}$/.test(national))
    groups = [national.slice(0, 3), national.slice(3, 6), national.slice(6)];
  else
    groups = raw
      .split(/[-\s]+/)
      .map((g) => g.replace(/\D/g, ''))
      .filter(Boolean);
  return prefix + groups.map((g) => readDigits(g)).join('，');
}

const UNITS: [RegExp, string][] = [
  [/^(?:ml|mL|ML|毫升)/, '毫升'],
  [/^(?:kg|KG|Kg|公斤)/, '公斤'],
  [/^(?:mg|MG)/, '毫克'],
  [/^(?:g|G|克)(?![a-zA-Z])/, '克'],
  [/^(?:cm|CM|厘米)/, '厘米'],
  [/^(?:mm|MM|毫米)/, '毫米'],
  [/^(?:m|M)(?![a-zA-Z])/, '米'],
  [/^(?:L|l)(?![a-zA-Z])/, '升'],
];

// Counted things after which a 2 is said 两 (两瓶, 两天) and a run of digits is a quantity.
const CLASSIFIERS = '个件瓶支盒次天周位款只条片袋罐双套张岁年月日小时分钟秒元块份台种倍层';

/**
 * The spoken form of a reply: see the module comment. Idempotent on its own output (which has no
 * Arabic digits left), so it may run again over a text that was already converted.
 */
export function toVoiceText(input: string): string {
  let text = input
    // Characters XML 1.0 cannot hold (C0 controls other than tab and line breaks, U+FFFE/U+FFFF,
    // unpaired surrogates) would make TwiML and SSML unbuildable or invalid: a vertical tab from a
    // spreadsheet cell in an imported article is enough. They are never read aloud anyway.
    .replace(XML_ILLEGAL, ' ')
    // Full-width digits and letters (１８９, ＳＰＦ) as ASCII, so the rules below see them.
    .replace(/[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]/g, (c) =>
      String.fromCharCode(c.charCodeAt(0) - 0xfee0),
    )
    .replace(/[\uFF0B]/g, '+')
    // Thousands separators: 2,599 元 is one price (两千五百九十九元), not 二 and 五百九十九.
    // (ASCII commas only: a full-width comma in Chinese text separates list items.)
    .replace(/(?<![\d.,])\d{1,3}(?:,\d{3})+(?!\d|,\d)/g, (grouped) => grouped.replace(/,/g, ''))
    .replace(/[\uFF05]/g, '%')
    // Emoji and symbols are not read.
    .replace(/\p{Extended_Pictographic}|\u{FE0F}|\u{200D}/gu, '')
    // Quotation marks and brackets are for the eye.
    .replace(/[「」『』【】《》"“”]/g, '')
    // An aside in parentheses becomes its own phrase.
    .replace(/[（(]([^）)]{1,40})[）)]/g, '，$1，');

  // Phone numbers: mobile, 400/800 service lines, landlines with area codes, +86.
  text = text.replace(
    /(?<![\dA-Za-z])(\+86[\s-]?)?(1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}|[48]00[\s-]?\d{3}[\s-]?\d{4}|0\d{2,3}-\d{7,8})(?![\dA-Za-z])/g,
    (match) => readPhone(match),
  );
  // Order, waybill and code numbers: named ones (订单号 A2026-1130) and long runs of digits.
  text = text.replace(
    /(订单号?|单号|运单号?|快递单号|编号|尾号|验证码|接续码|短码|代码|码)(\s*(?:是|为|[:：])?\s*)([A-Za-z0-9][A-Za-z0-9-]{2,30}[A-Za-z0-9])/g,
    (_m, label: string, gap: string, id: string) => `${label}${gap.trim() ? gap.trim() : ''}${readCode(id)}`,
  );
  // Dates: 2026-12-01, 2026/12/1, 2026年12月1日; the year digit by digit.
  text = text.replace(
    /(?<!\d)(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?(?!\d)/g,
    (_m, y: string, mo: string, d: string) =>
      `${readDigits(y, false)}年${readInteger(mo)}月${readInteger(d)}日`,
  );
  text = text.replace(/(?<!\d)(\d{4})\s*年/g, (_m, y: string) => `${readDigits(y, false)}年`);
  text = text.replace(
    /(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]/g,
    (_m, mo: string, d: string) => `${readInteger(mo)}月${readInteger(d)}日`,
  );
  // Shopping festivals: 双11, 618.
  text = text.replace(/双\s*(11|12)/g, (_m, d: string) => `双${readInteger(d)}`);
  text = text.replace(/(?<!\d)618(?=大促|活动|购物节|期间)/g, '六一八');
  // Festival dates written with a dot (11.11, 12.12, 6.18) are not decimals, unless a price or a
  // measure follows (11.11元).
  text = text.replace(
    /(?<![\d.])(11\.11|12\.12|6\.18)(?![\d.%]|\s*(?:元|块|[a-zA-Z%]|毫升|公斤|克|厘米|毫米|米|升))/g,
    (date) => ({ '11.11': '双十一', '12.12': '双十二', '6.18': '六一八' })[date]!,
  );
  // Clock times: 10:30 → 十点半, 9:05 → 九点零五分.
  text = text.replace(/(?<!\d)([01]?\d|2[0-3])[:：]([0-5]\d)(?!\d)/g, (_m, h: string, mi: string) => {
    const minutes = Number(mi);
    if (minutes === 0) return `${readInteger(h)}点`;
    if (minutes === 30) return `${readInteger(h)}点半`;
    return `${readInteger(h)}点${minutes < 10 ? '零' : ''}${readInteger(mi)}分`;
  });
  // Prices: ¥189, ￥19.9, 189元, $20.
  text = text.replace(/[¥￥]\s*(\d+(?:\.\d+)?)/g, (_m, v: string) => `${readPrice(v)}元`);
  text = text.replace(/\$\s*(\d+(?:\.\d+)?)/g, (_m, v: string) => `${readPrice(v)}美元`);
  text = text.replace(
    /(\d+(?:\.\d+)?)\s*(元|块)/g,
    (_m, v: string, unit: string) => `${readPrice(v)}${unit}`,
  );
  // Sun protection: SPF50+ → SPF五十加; PA++++ → PA四个加.
  text = text.replace(
    /SPF\s*(\d+)\s*(\+)?/gi,
    (_m, v: string, plus?: string) => `SPF${readInteger(v)}${plus ? '加' : ''}`,
  );
  text = text.replace(
    /PA\s*(\+{1,4})/g,
    (_m, plus: string) => `PA${plus.length === 1 ? '加' : `${readInteger(String(plus.length))}个加`}`,
  );
  // Percentages.
  text = text.replace(/(\d+(?:\.\d+)?)\s*%/g, (_m, v: string) => `百分之${readNumber(v)}`);
  // Sizes and measures: 50ml, 30g, 165cm, 1.5L, and ranges of them (155-160cm → 一百五十五到一百六十厘米).
  text = text.replace(
    /(\d+(?:\.\d+)?)(?:\s*[-~～至到]\s*(\d+(?:\.\d+)?))?\s*(ml|mL|ML|毫升|kg|KG|Kg|公斤|mg|MG|g|G|克|cm|CM|厘米|mm|MM|毫米|m|M|L|l)(?![a-zA-Z])/g,
    (m, v: string, to: string | undefined, unit: string) => {
      const spoken = UNITS.find(([pattern]) => pattern.test(unit));
      // 2 before a unit is said 两 (两毫升, 两公斤), as before a counted thing.
      const amount = (n: string) => (n === '2' ? '两' : readNumber(n));
      return spoken ? `${to ? `${readNumber(v)}到` : ''}${amount(to ?? v)}${spoken[1]}` : m;
    },
  );
  // Ranges before a unit: 1-3个工作日 → 一到三个工作日.
  text = text.replace(
    /(?<![\d.])(\d+(?:\.\d+)?)\s*[-~～至]\s*(\d+(?:\.\d+)?)(?=\s*[^\d\s,，。；;])/g,
    (_m, a: string, b: string) => `${readNumber(a)}到${readNumber(b)}`,
  );
  // Clothing sizes: XL → X L, 2XL → X X L (said letter by letter).
  text = text.replace(
    /(?<![A-Za-z0-9])([2-4])XL(?![A-Za-z])/g,
    (_m, n: string) => `${'X '.repeat(Number(n))}L`,
  );
  text = text.replace(/(?<![A-Za-z])(X{1,3}[SL])(?![A-Za-z])/g, (m) => spell(m));
  // What is left: 2 before a counted thing is 两; long runs are ids; the rest are numbers.
  text = text.replace(new RegExp(`(?<![\\d.])2(?=\\s*[${CLASSIFIERS}])`, 'g'), '两');
  // A bare 2 before 百/千/万/亿 written in characters (2万, 2千) is 两 too.
  text = text.replace(/(?<![\d.])2(?=[百千万亿])/g, '两');
  const counted = new RegExp(`^\\s*[${CLASSIFIERS}]`);
  text = text.replace(/\d+(?:\.\d+)?/g, (value, at: number, whole: string) =>
    // A long run is an id, unless it counts something (1234567件).
    value.length >= 7 && !value.includes('.') && !counted.test(whole.slice(at + value.length))
      ? readDigits(value)
      : readNumber(value),
  );
  // Short sentences: semicolons end one; a stray + or / or & is said.
  text = text
    .replace(/[；;]/g, '。')
    .replace(/[～~]+(?=$|[\s。！？])/g, '。')
    .replace(/[～~]/g, '，')
    .replace(/\s*\+\s*/g, '加')
    .replace(/\s*&\s*/g, '和')
    // A slash lists things (胸围84/腰围66, 微信/支付宝): a pause, not "or", which would change the meaning.
    .replace(/(?<=[\u4e00-\u9fff])\s*\/\s*(?=[\u4e00-\u9fff])/g, '，')
    .replace(/，\s*([。！？])/g, '$1')
    .replace(/([，。！？])\s*，/g, '$1')
    .replace(/^，/, '')
    .replace(/。{2,}/g, '。')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
  return text;
}

/** A price: 189 → 一百八十九, 19.9 → 十九点九, 189.00 → 一百八十九. */
function readPrice(value: string): string {
  const [whole, fraction] = value.split('.');
  const cents = fraction?.replace(/0+$/, '');
  return cents ? `${readInteger(whole || '0')}点${readDigits(cents, false)}` : readInteger(whole || '0');
}

/** Sentences of a spoken text, for SSML and for pacing. */
export function spokenSentences(text: string): string[] {
  return text
    .split(/(?<=[。！？!?])/)
    .map((s) => s.trim())
    .filter(Boolean);
}

const escapeXml = (text: string) =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );

/** SSML 1.1 for engines that take it: one `<s>` per sentence, a short pause between them. */
export function toSsml(spoken: string, language = 'zh-CN'): string {
  const sentences = spokenSentences(spoken).map((s) => `<s>${escapeXml(s)}</s>`);
  return `<speak version="1.1" xml:lang="${language}">${sentences.join('<break time="300ms"/>')}</speak>`;
}
