import { type CountryCode, findPhoneNumbersInText } from 'libphonenumber-js/max';
import { extractOrderId } from '../knowledge';
import { maskCardNumbers } from '../platform/card-numbers';

const FULL_WIDTH = /[０-９Ａ-Ｚａ-ｚ＋＠．－＿]/g;
// Invisible characters a shopper (or a script dodging filters) puts inside a number or an address:
// zero-width spaces and joiners, word joiners, bidi marks and overrides, the byte-order mark, and
// the variation selector and keycap after a digit (1️⃣). A zero-width joiner stays between two
// pictographs, where it builds one emoji (👨‍👩‍👧, 🏳️‍🌈, 👩🏽‍💻); other emoji keep their selector (❤️).
const INVISIBLE =
  /(?!(?<=(?:\p{Extended_Pictographic}|\p{Emoji_Modifier})\ufe0f?)\u200d(?=\p{Extended_Pictographic}))\p{Cf}|(?<=[0-9])(?:\ufe0e|\ufe0f)?\u20e3|(?<=[0-9])(?:\ufe0e|\ufe0f)/gu;
// Digits of other scripts and styles: 𝟏 (mathematical), ① (circled), ¹ (superscript), ٣ (Arabic-Indic),
// ३ (Devanagari)… Folded to ASCII only to be found: every run of them that is a number is masked.
const OTHER_DIGIT = /(?![0-9])\p{Nd}|\p{No}/gu;
// Chinese numerals as shoppers spell out phone numbers to get them past filters: 一三九…, 壹叁玖…,
// 幺 (one) and 洞 (zero) as read aloud. Only a run of 7 or more (with separators) is a number:
// ordinary text never strings that many numerals together.
const CN_DIGITS: Record<string, string> = {
  〇: '0',
  零: '0',
  洞: '0',
  一: '1',
  幺: '1',
  壹: '1',
  二: '2',
  两: '2',
  贰: '2',
  三: '3',
  叁: '3',
  四: '4',
  肆: '4',
  五: '5',
  伍: '5',
  六: '6',
  陆: '6',
  七: '7',
  柒: '7',
  八: '8',
  捌: '8',
  九: '9',
  玖: '9',
};
const SEPARATOR = String.raw`[\s\-_.·/\\()（）—–]{0,3}`;
const NUMERAL = `[0-9${Object.keys(CN_DIGITS).join('')}]`;
const SPELLED_NUMBER = new RegExp(`${NUMERAL}(?:${SEPARATOR}${NUMERAL}){6,}`, 'gu');
// Every part bounded (a local part is at most 64 characters, a label 63): an unbounded local part
// made each start scan the rest of a sentence of letters and back, 20 ms for 500 characters of
// Chinese (every Han character is a letter), which a script sending long distinct texts turned
// into seconds on the event loop.
const EMAIL =
  /(?:[A-Za-z0-9._%+-]{1,64}|[\p{L}\p{N}._%+-]{1,16})(?:@|\s*[[(（]\s*(?:at|AT)\s*[\])）]\s*)[\p{L}\p{N}-]{1,63}(?:(?:\.|。|\s*[[(（]\s*(?:dot|DOT)\s*[\])）]\s*)[A-Za-z0-9-]{1,63}|\.[\p{L}\p{N}-]{1,63}){1,8}/gu;
// "amy#qq.com": # for @ is how addresses are written to get past filters.
const HASH_EMAIL = /[A-Za-z0-9._%+-]{1,64}#[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,7}\.[A-Za-z]{2,24}/g;
// Where a phone number can be: digits with the separators phones are written with. Only runs of
// at most PHONE_RUN_MAX characters go to libphonenumber (the longest written phone number fits):
// searching a 500-character run of digits took it 20 ms, and longer runs are masked as numbers.
const PHONE_RUN = /\+?[(（]?\d[\d\s\-./()（）]*\d[)）]?/g;
const PHONE_RUN_MAX = 40;
const URL = /\b(?:https?:\/\/|www\.)[^\s<>"'，。！？、]+/giu;
// A link without its scheme: a host name ending in a common top-level domain (evil-shop.cn/x).
const BARE_LINK =
  /(?<![\w@.[-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:com|cn|net|org|info|io|co|shop|store|top|xyz|vip|cc|me|app|site|online|hk|tw|jp|kr|uk|us|de|ru|biz|club|link|live|ltd|tv|xin|ink|fun|asia|sg|my)(?![\w-])(?:\/[^\s<>"'，。！？、]*)?/giu;
const CARD = /\*{4} \*{4} \*{4} \d{4}/g;
// Messenger handles after the word that introduces them: 微信 zhangsan_88, vx: amy-li, QQ 123456,
// wxid_… on its own. The handle must follow a marker (号, ID, :, 是) or hold a digit, _ or -, so
// "wechat payment" stays as written.
// Short names that are also ordinary words (line, ins, tg) only count with a marker.
const HANDLE_APP = `(?<![A-Za-z])(?:微信|威信|薇信|v信|V信|vx|VX|Vx|wx|WX|weixin|wechat|WeChat|Wechat|QQ|qq|扣扣|企鹅|telegram|Telegram|whatsapp|WhatsApp|instagram|Instagram)`;
const HANDLE_APP_MARKED = `(?:${HANDLE_APP}|(?<![A-Za-z])(?:line|LINE|Line|tg|TG|ins|INS))`;
const HANDLE_MARKED = new RegExp(
  `(${HANDLE_APP_MARKED}\\s*(?:号码|号|账号|id|ID|Id)?\\s*(?:[:：=]|是|为)\\s*|${HANDLE_APP_MARKED}\\s*(?:号码|号|账号|id|ID|Id)\\s*)[A-Za-z0-9][A-Za-z0-9_\\-]{3,29}`,
  'gu',
);
const HANDLE_SHAPED = new RegExp(
  `(${HANDLE_APP}\\s*)(?=[A-Za-z0-9_\\-]*[0-9_\\-])[A-Za-z0-9][A-Za-z0-9_\\-]{3,29}(?![A-Za-z0-9_\\-])`,
  'gu',
);
const WXID = /\bwxid_[A-Za-z0-9_-]+/g;
// A name after the words that introduce one (我叫…, 收件人…, my name is …). Names elsewhere are
// not detected: there is no dictionary of names here.
const NAME_CN =
  /(我叫|我的名字是|名字叫|名字是|姓名|收件人|收货人|联系人|寄件人)(\s*[:：是为]?\s*)\p{Script=Han}{2,4}/gu;
const NAME_EN = /\b([Mm]y name is|[Mm]y name's|[Nn]ame:)(\s+)[A-Za-z][a-z'-]*(?:\s+[A-Z][a-z'-]*){0,2}/gu;
// An address after 地址:/地址是 (up to the end of its clause; 地址是哪 is a question, not an address),
// and house numbers after a street
// anywhere (张江路88号3栋1202室 → 张江路[address]).
const ADDRESS_AFTER =
  /((?:收货|送货|家庭|详细|寄件|收件)?(?:地址|住址)\s*(?:[:：]|是|为)\s*)(?!哪|什么|多少|怎|啥|几|在哪)[^\s，。！？,!?;；\n]{2,60}/gu;
const HOUSE_NUMBER =
  /(?<=(?:路|街|道|巷|弄|胡同|大道|里|村|镇|小区|花园|公寓)\s*)\d+\s*(?:号|弄)(?:\s*[\dA-Za-z]+\s*(?:号楼|栋|幢|座|单元|层|楼|室|号|户))*/gu;
const STREET_EN =
  /\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way)\b\.?/g;
// 15- or 18-character mainland resident ID numbers (the last may be X): masked by shape, checked
// or not, since a mistyped ID is still a person's.
const RESIDENT_ID = /(?<![\dA-Za-z])(?:\d{17}[\dXx]|\d{15})(?![\dA-Za-z])/g;
// Any run of 7 or more digits (separators inside) that none of the above claimed: a phone in a
// shape the metadata does not know, a membership number, a tracking number. Shopper text in an
// insight is read for its wording, never for its numbers.
const LONG_NUMBER = new RegExp(`(?<!\\d)\\d(?:${SEPARATOR}\\d){6,}(?!\\d)`, 'g');

/** One character as an ASCII digit, if it is a digit of another script or style. */
function asciiDigit(c: string): string | null {
  const folded = c.normalize('NFKC');
  if (/^[0-9]$/.test(folded)) return folded;
  if (!/\p{Nd}/u.test(c)) return null;
  // Decimal digits of a script are encoded 0 to 9 in a row: count back to the run's start.
  const cp = c.codePointAt(0)!;
  let back = 0;
  while (back < 60 && /\p{Nd}/u.test(String.fromCodePoint(cp - back - 1))) back++;
  return String(back % 10);
}

/**
 * Shopper text with every way of writing digits brought to ASCII, so the masks below see them:
 * full-width, other scripts and styles, keycaps, invisible characters inside, and Chinese
 * numerals spelled out in a run of seven or more.
 */
function foldForMatching(text: string): string {
  return text
    .replace(FULL_WIDTH, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(INVISIBLE, '')
    .replace(OTHER_DIGIT, (c) => asciiDigit(c) ?? c)
    .replace(SPELLED_NUMBER, (run) => run.replace(/./gu, (c) => CN_DIGITS[c] ?? c));
}

/**
 * Shopper text as an insight may show it to merchants, supervisors, their BI and (through an
 * article drafted from it) other shoppers: what identifies a person or their order is replaced by
 * a placeholder — e-mail addresses (also `amy(at)…`, `amy#qq.com`), links (also without a scheme),
 * card numbers (`maskCardNumbers`, Luhn), messenger handles after their app's name (微信, vx, QQ…),
 * phone numbers in any written form (libphonenumber-js, numbers without a country code read in
 * `region`), resident ID numbers, order numbers (the engine's `extractOrderId` shapes, e.g.
 * `LY20240601123`), addresses after 地址 and house numbers after a street, names after the words
 * that introduce them, and any other run of 7 or more digits. Digits are found however they are
 * written (`foldForMatching`: full-width, 𝟏, ①, ١, 1️⃣, zero-width characters between them, 一三九…).
 * Names elsewhere are not detected (no dictionary of names here). Full-width Chinese punctuation
 * stays as the shopper wrote it.
 */
export function redactShopperText(text: string, region: string = 'CN'): string {
  let out = foldForMatching(text)
    .replace(EMAIL, '[email]')
    .replace(HASH_EMAIL, '[email]')
    .replace(URL, '[link]')
    .replace(BARE_LINK, '[link]');
  out = maskCardNumbers(out).replace(CARD, '[card]');
  out = out
    .replace(WXID, '[handle]')
    .replace(HANDLE_MARKED, '$1[handle]')
    .replace(HANDLE_SHAPED, '$1[handle]');
  out = out.replace(PHONE_RUN, (run) => {
    if (run.length > PHONE_RUN_MAX) return run;
    let masked = run;
    const phones = findPhoneNumbersInText(run, { defaultCountry: region as CountryCode });
    for (const found of phones.reverse())
      masked = `${masked.slice(0, found.startsAt)}[phone]${masked.slice(found.endsAt)}`;
    return masked;
  });
  out = out.replace(RESIDENT_ID, '[ID number]');
  // extractOrderId answers the first order number; each is replaced in turn (bounded: each pass
  // removes one, and a 500-character question holds few).
  for (let pass = 0; pass < 50; pass++) {
    const orderId = extractOrderId(out);
    if (!orderId) break;
    // Letters and digits only (ORDER_ID's shape), so safe as a pattern.
    const next = out.replace(new RegExp(orderId, 'i'), '[order number]');
    if (next === out) break;
    out = next;
  }
  return out
    .replace(ADDRESS_AFTER, '$1[address]')
    .replace(HOUSE_NUMBER, '[address]')
    .replace(STREET_EN, '[address]')
    .replace(NAME_CN, '$1$2[name]')
    .replace(NAME_EN, '$1$2[name]')
    .replace(LONG_NUMBER, '[number]');
}

/** Lets the event loop serve other requests between chunks of a long loop. */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Loop chunk between yields: about 50 ms of redaction or tokenising on a loaded core. */
export const CHUNK = 200;

/**
 * `redactShopperText` over many texts: each distinct text once (shoppers repeat themselves, and
 * phone matching is the costly part), yielding to the event loop every CHUNK distinct texts so a
 * large read never holds up other requests for long.
 */
export async function redactAll(texts: readonly string[]): Promise<string[]> {
  const done = new Map<string, string>();
  const out: string[] = [];
  for (const text of texts) {
    let redacted = done.get(text);
    if (redacted === undefined) {
      if (done.size % CHUNK === CHUNK - 1) await yieldToLoop();
      redacted = redactShopperText(text);
      done.set(text, redacted);
    }
    out.push(redacted);
  }
  return out;
}
export { yieldToLoop };
