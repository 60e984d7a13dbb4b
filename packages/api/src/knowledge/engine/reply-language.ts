import { Converter } from 'opencc-js/cn2t';
import { hasTraditional } from './text-normalizer';

/** The language a reply is written in: the shopper's own. */
export type ReplyLanguage = 'zh' | 'zh-Hant' | 'en';

const HAN = /\p{Script=Han}/u;
const LATIN_WORDS = /[a-z]{2,}/gi;

/**
 * The language to answer a message in: Traditional Chinese when the shopper writes it, English
 * when the message is English words with no Chinese, else Simplified Chinese. Pinyin-only
 * messages ("tuihuo zenme tui") are Chinese written without an input method: they get Chinese.
 */
export function replyLanguageOf(raw: string, pinyinOnly: boolean): ReplyLanguage {
  const text = raw.normalize('NFKC');
  if (HAN.test(text)) return hasTraditional(text) ? 'zh-Hant' : 'zh';
  if (pinyinOnly) return 'zh';
  return (text.match(LATIN_WORDS)?.length ?? 0) >= 1 ? 'en' : 'zh';
}

let toTraditional: ((text: string) => string) | undefined;

/** Writes a Simplified-Chinese reply in the shopper's script (Traditional for Traditional questions). */
export function inScript(text: string, language: ReplyLanguage): string {
  if (language !== 'zh-Hant' || !text) return text;
  toTraditional ??= Converter({ from: 'cn', to: 'tw' });
  return toTraditional(text);
}

/** The bot's own sentences (not the merchant's articles), in each language it answers in. */
export const SYSTEM_TEXTS = {
  escalate: {
    zh: '好的，正在为您转接人工客服，请稍等～',
    en: 'Sure, I am passing you to a member of our team. One moment, please.',
  },
  escalateUpset: {
    zh: '非常抱歉给您带来不好的体验，已为您转接人工客服，马上为您处理。',
    en: "I'm very sorry about this. I've passed you to a member of our team, who will sort it out right away.",
  },
  escalateUnclear: {
    zh: '抱歉，我还是没能理解您的问题，已为您转接人工客服，请稍等～',
    en: "Sorry, I still haven't understood. I've passed you to a member of our team; one moment, please.",
  },
  escalateOutOfScope: {
    zh: '这个问题我帮不上忙，已为您转接人工客服～',
    en: "I can't help with that one, so I've passed you to a member of our team.",
  },
  decline: {
    zh: '抱歉，这个问题超出了我能帮忙的范围～商品、订单、物流、售后的问题都可以问我，需要人工时说「转人工」。',
    en: 'Sorry, I can only help with this shop: products, orders, delivery and returns. Say "human" to talk to our team.',
  },
  declineLive: {
    zh: '哈哈这个小澜就不知道啦～商品、优惠、发货、售后的问题尽管问！',
    en: 'Ha, that one is beyond me! Ask me anything about the products, deals, delivery or returns.',
  },
  clarifyOptions: {
    zh: '我不太确定您想问的是哪一个，是下面这些吗？',
    en: "I'm not sure which of these you mean. Is it one of them?",
  },
  clarifyOptionsHuman: {
    zh: '还是没太明白您的意思，是下面这些吗？也可以直接转人工。',
    en: "I'm still not sure what you mean. Is it one of these? You can also talk to a person.",
  },
  // A question whose topic the notes never mention ("is there a student discount"): say so and
  // offer a person — never the neighbouring article the one familiar word leads to.
  notCovered: {
    zh: '这个问题我们的说明里没有写到，我不乱说哦～需要的话可以转人工帮您确认。',
    en: "Our notes don't cover that, so I won't guess. I can pass you to a person to check.",
  },
  clarifyGeneric: {
    zh: '能再具体说说吗？比如商品名称或订单号，我好帮您查。',
    en: 'Could you tell me a bit more, for example the product name or your order number?',
  },
  // Text in a script the engine does not read (Cyrillic, Korean, Arabic, Japanese kana…): said in
  // both languages, since the shopper's is neither.
  unreadScript: {
    zh: 'Sorry, I can only read Chinese and English. 抱歉，我目前只能看懂中文和英文，可以点「转人工」找同事帮您。',
    en: 'Sorry, I can only read Chinese and English. 抱歉，我目前只能看懂中文和英文。Tap "Talk to a person" for help.',
  },
  // Only emoji, none that stands for words (😭😭, 🤔): ask, don't say "OK" to tears.
  emojiOnly: {
    zh: '怎么啦？遇到什么问题可以直接告诉我～',
    en: 'Is something wrong? Tell me what happened and I will help.',
  },
  clarifyProduct: {
    zh: '好的，您说的是「{product}」～想了解它的哪方面呢？',
    en: 'About "{product}": what would you like to know?',
  },
  whichProduct: {
    zh: '请问您问的是哪款商品呢？告诉我商品名就能帮您查{topic}。',
    en: 'Which product do you mean? Tell me its name and I will look up the {topic}.',
  },
  bareNumber: {
    zh: '收到编号 {number}～这是订单号吗？您想查物流、申请售后，还是别的？',
    en: 'Got {number}. Is that an order number? Would you like to track it or start a return?',
  },
  orderFilled: {
    zh: '好的，已把订单号 {orderId} 补充到您的{kind}申请，售后同事会尽快跟进。',
    en: 'Thanks, I have added order {orderId} to your {kind} request. Our after-sales team will follow up soon.',
  },
  thanks: {
    zh: '不客气～还有其他问题随时问我。',
    en: "You're welcome! If anything else comes up, just ask.",
  },
  goodbye: { zh: '好的，祝您购物愉快，再见～', en: 'Bye for now, and happy shopping!' },
  ack: { zh: '好的～还有其他问题随时找我。', en: 'Great. If anything else comes up, just ask.' },
  praise: {
    zh: '谢谢您的认可，很高兴您喜欢～有需要随时找我们！',
    en: "Thank you, we're glad you like it! If you need anything, just ask.",
  },
  greetingAgain: { zh: '在的～请问有什么可以帮您？', en: 'Hi! How can I help?' },
  notCarried: {
    zh: '抱歉，我们店暂时没有{item}哦～店里目前有：{catalog}。',
    en: "Sorry, we don't carry {item}. Here is what we have: {catalog}.",
  },
  carried: { zh: '有的～{products}。', en: 'Yes, we have {products}.' },
  // Goods asked for within a price none of them meets: no "有的～", the prices there are.
  noneWithinPrice: {
    zh: '抱歉，没有¥{limit}以内的哦～目前有：{products}。',
    en: 'Sorry, nothing at ¥{limit} or less. What we have: {products}.',
  },
  // A detail of a product the catalogue does not list: say so and what is listed, offer a person —
  // never a neighbouring article or a "which aspect?" to a clear question.
  detailNotListed: {
    zh: '「{product}」的{detail}商品资料里没有写明，我不乱说哦。目前写明的有：{known}。需要的话可以转人工帮您确认～',
    en: "The details of {product} don't list its {detail}, so I won't guess. What is listed: {known}. I can pass you to a person to check.",
  },
  questionNotListed: {
    zh: '关于「{product}」的这个问题，商品资料里没有写明，我不乱说哦。目前写明的有：{known}。需要的话可以转人工帮您确认～',
    en: "The details of {product} don't cover that, so I won't guess. What is listed: {known}. I can pass you to a person to check.",
  },
  deliveryPreference: {
    zh: '放驿站、快递柜还是送货上门，店铺的资料里没有写明，我这边不能替快递承诺。需要的话可以转人工帮您确认～',
    en: "Our shop's notes don't say whether a parcel can be left at a locker, pickup point or your door, so I can't promise it. I can pass you to a person to check.",
  },
  // A service matter the shop's articles do not cover (gifts, a warranty): say so — never a
  // neighbouring article (ingredients for "有赠品吗", price protection for "质保多久") — and offer a person.
  childNotListed: {
    zh: '{products}的商品资料里都没有写明儿童能不能用，我不乱说哦。需要的话可以转人工帮您确认～',
    en: "The details of {products} don't list whether children can use them, so I won't guess. I can pass you to a person to check.",
  },
  senseNotListed: {
    zh: '关于{topic}，店铺资料里没有写明，我不乱说哦。需要的话可以转人工帮您确认～',
    en: "Our shop's notes don't cover {topic}, so I won't guess. I can pass you to a person to check.",
  },
  // No article of its own, but the articles say something on the matter underneath (quality issues).
  senseQuoted: {
    zh: '店铺资料里没有单独写{topic}的说明，我不乱说哦。关于{about}，资料里写明的是：{quotes}。需要的话可以转人工帮您确认～',
    en: "Our shop's notes have nothing on {topic} as such, so I won't guess. On {about} they say (in Chinese): {quotes}. I can pass you to a person to check.",
  },
  // A defect after use (shrunk, pilling) asked about as a return: the quality rules, and a person to judge it.
  senseDefect: {
    zh: '{topic}是不是质量问题，需要售后同事看实物照片确认，我不能替您下结论。关于{about}，店铺资料里写明的是：{quotes}。可以转人工帮您处理～',
    en: 'Whether {topic} counts as a quality problem needs our after-sales team to see photos, so I cannot decide it here. On {about} our notes say (in Chinese): {quotes}. I can pass you to a person to sort it out.',
  },
  // A part that failed in use, reported: an after-sales matter — the quality rules, and a person.
  senseBroken: {
    zh: '很抱歉给您添麻烦了！东西在正常使用中坏了，需要售后同事看实物照片来处理。关于质量问题，店铺资料里写明的是：{quotes}。可以转人工帮您处理～',
    en: "I'm sorry it broke. A part that fails in normal use is for our after-sales team, who will need photos. On quality problems our notes say (in Chinese): {quotes}. I can pass you to a person to sort it out.",
  },
  // English question, article written in Chinese only and no LLM to translate: one English line first.
  answerInChinese: {
    zh: '',
    en: 'Our help article on this is in Chinese (ask for a person if you need it in English):',
  },
  price: { zh: '{product}售价 ¥{price}。', en: '{product} costs ¥{price}.' },
  attribute: { zh: '{product}的{label}：{value}。', en: '{product}, {label}: {value}.' },
  orderStatus: {
    zh: '您的订单 {orderId}：{status}{shipment}。',
    en: 'Your order {orderId}: {status}{shipment}.',
  },
  optionHuman: { zh: '转人工', en: 'Talk to a person' },
  optionTrack: { zh: '查订单 {number} 的物流', en: 'Track order {number}' },
  optionAfterSales: { zh: '订单 {number} 要申请售后', en: 'Return or exchange order {number}' },
  ticketCreated: {
    zh: '已为您登记{kind}申请{facts}，售后同事会尽快跟进。',
    en: 'I have logged your {kind} request{facts}; our after-sales team will follow up soon.',
  },
  ticketOpen: {
    zh: '您的{kind}申请已在处理中，不用重复提交哦。',
    en: 'Your {kind} request is already being handled; no need to submit it again.',
  },
  askOrderId: {
    zh: '方便的话请告诉我订单号，处理会更快。',
    en: 'If you can, send me the order number so we can handle it faster.',
  },
} as const;

export type SystemTextKey = keyof typeof SYSTEM_TEXTS;

/**
 * Order status codes merchants commonly push (the examples `POST /v1/orders` documents) in the
 * shopper's words: "您的订单…：shipped" is half English on a screen and wrong read aloud. Any other
 * status is the merchant's own word (often already Chinese) and is kept as given.
 */
const ORDER_STATUS_WORDS: Record<string, { zh: string; en: string }> = {
  pending: { zh: '待付款', en: 'awaiting payment' },
  unpaid: { zh: '待付款', en: 'awaiting payment' },
  paid: { zh: '已付款，待发货', en: 'paid, not yet shipped' },
  processing: { zh: '备货中', en: 'being prepared' },
  shipped: { zh: '已发货', en: 'shipped' },
  in_transit: { zh: '运输中', en: 'in transit' },
  out_for_delivery: { zh: '派送中', en: 'out for delivery' },
  delivered: { zh: '已签收', en: 'delivered' },
  completed: { zh: '已完成', en: 'completed' },
  cancelled: { zh: '已取消', en: 'cancelled' },
  canceled: { zh: '已取消', en: 'cancelled' },
  refunding: { zh: '退款中', en: 'refund in progress' },
  refunded: { zh: '已退款', en: 'refunded' },
  returned: { zh: '已退货', en: 'returned' },
};

/** An order's status in the reply language (known codes translated, the merchant's words kept). */
export function orderStatusText(status: string, language: ReplyLanguage): string {
  const key = status
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  const words = Object.hasOwn(ORDER_STATUS_WORDS, key) ? ORDER_STATUS_WORDS[key]! : undefined;
  if (!words) return status;
  return inScript(language === 'en' ? words.en : words.zh, language);
}

/** A system sentence in the reply language, with `{name}` slots filled. */
export function systemText(
  key: SystemTextKey,
  language: ReplyLanguage,
  slots: Record<string, string | number> = {},
): string {
  const entry = SYSTEM_TEXTS[key];
  const template: string = language === 'en' ? entry.en : entry.zh;
  const filled = template.replace(/\{(\w+)\}/g, (_, name: string) => String(slots[name] ?? ''));
  return inScript(filled, language);
}
