// bot-f's held-out questions: written before any tuning and never tuned on (the tuned cases are in
// ai-fresh-bot-f.test.ts). Each expects what the demo store's knowledge says answers it — an
// article, an intent, a product, or "no guess" — never a reply text. The kinds are the ones
// review-e left (service hours without a person word, an order stuck before dispatch, domestic
// places, skin questions by symptom, a budget with no recommending word, coupon trouble, product
// facts asked in English, a warranty, after-sales on an item bought, a gift question about a
// product, follow-ups on the product in context) plus neighbours that already worked.
import type { EngineResult } from '../src/knowledge/engine/answer-engine';

export interface HeldOutCase {
  /** One message, or a conversation's messages split by " || " (the last answer is judged). */
  q: string;
  /** Any of these articles. */
  article?: string[];
  intent?: string[];
  product?: string;
  action?: EngineResult['action'];
  /** The reply names this (a budget quoted back) — a fact the question gave, not an answer text. */
  mentions?: string;
  /**
   * Or the catalogue's own recommendation for that skin type (intent skin_recommendation, no
   * article, the skin type named): how the engine answers an English skin question by design.
   */
  orRecommends?: string;
  /** The reply must not come from these articles. */
  notArticle?: string[];
}

const HOURS = ['kb-service-hours'];
const UNSHIPPED = ['kb-shipping-time'];
const PLACE = ['kb-delivery-eta', 'kb-shipping-carrier-fee'];

export const HELD_OUT: HeldOutCase[] = [
  // service hours without a person word
  { q: 'what hours is your help desk staffed', article: HOURS },
  { q: 'are you around on bank holidays', article: HOURS },
  { q: 'what time do you close tonight', article: HOURS },
  { q: '你们周末上班吗', article: HOURS },
  // an order stuck before dispatch
  { q: 'my order has been pending for a week', article: UNSHIPPED },
  { q: "it's been five days and it still says preparing", article: UNSHIPPED },
  { q: 'why has my order not left the warehouse yet', article: UNSHIPPED },
  { q: '下单五天了还显示待发货', article: UNSHIPPED },
  { q: '钱付了好几天了怎么还没发货', article: UNSHIPPED },
  // domestic places
  { q: 'do you ship to Chengdu', article: PLACE },
  { q: 'can I get it delivered to Lhasa', article: PLACE },
  { q: '寄到新疆吗', article: PLACE },
  { q: '能发到北京吗', article: PLACE },
  // skin questions by symptom, no skin-type word
  { q: 'what do you have for acne prone skin', article: ['kb-routine-oily-skin'], orRecommends: 'oily skin' },
  {
    q: 'my cheeks get red and itchy with most creams, what can I use',
    article: ['kb-routine-sensitive-skin'],
    orRecommends: 'sensitive skin',
  },
  { q: 'anything for flaky patches', article: ['kb-routine-dry-skin'], orRecommends: 'dry skin' },
  { q: 'what would help with large pores', article: ['kb-routine-oily-skin'], orRecommends: 'oily skin' },
  // a budget with no recommending word
  {
    q: 'birthday present for my wife, she has oily skin, under 250',
    intent: ['skin_recommendation'],
    mentions: '250',
  },
  { q: '送闺蜜 敏感肌 200以内', intent: ['skin_recommendation'], mentions: '200' },
  // coupon trouble
  { q: "the discount code doesn't work", article: ['kb-coupon-not-working'] },
  { q: "my voucher won't apply at checkout", article: ['kb-coupon-not-working'] },
  { q: '优惠码输进去说无效', article: ['kb-coupon-not-working'] },
  // product facts asked in English
  {
    q: 'what skin types is the face cream for',
    product: 'p-hyaluronic-cream',
    action: 'answer',
    article: [],
  },
  { q: 'is the cushion ok for dry skin', product: 'p-cushion-foundation', action: 'answer', article: [] },
  { q: 'does the light sunscreen come off when swimming', article: ['kb-sunscreen-light-usage'] },
  // a warranty on a carried product
  {
    q: 'does the tote come with a guarantee',
    product: 'p-leather-tote',
    intent: ['return_request'],
    article: [],
  },
  // after-sales on an item bought that the catalogue does not list
  { q: '我买的衬衫洗了一次就缩水了 能退吗', intent: ['return_request', 'exchange_size'] },
  {
    q: 'the hoodie I bought from you shrank, can I exchange it',
    intent: ['return_request', 'exchange_size'],
  },
  // a gift question about a product
  { q: '这条牛仔裤适合送给我女朋友吗', product: 'p-straight-jeans', action: 'answer' },
  { q: 'would the cardigan make a good gift for my dad', product: 'p-wool-cardigan', action: 'answer' },
  // a follow-up on the product in context
  { q: '奶粉多少钱 || 两岁宝宝可以吃吗', product: 'p-au-formula', action: 'answer' },
  {
    q: '纸尿裤怎么选尺码 || 新生儿能用吗',
    product: 'p-diapers',
    notArticle: ['kb-allergy-first-aid', 'kb-baby-rash'],
  },
  // neighbours that already worked
  { q: '客服几点上班', article: HOURS },
  { q: '转人工', action: 'escalate' },
  { q: 'can you ship to Japan', action: 'clarify', article: [] },
  { q: 'dry skin, what moisturiser do you recommend', intent: ['skin_recommendation'] },
  { q: 'how do I get coupons', article: ['kb-coupon-find'] },
  { q: 'can I use two coupons together', article: ['kb-coupon-stacking'] },
  { q: '我的快递到哪了', article: ['kb-track-order'] },
  { q: '怎么取消订单', article: ['kb-order-cancel'] },
  { q: 'what is the leather bag made of', product: 'p-leather-tote', action: 'answer' },
  { q: '有T恤吗', intent: ['product_info'], action: 'answer', article: [] },
  { q: '付款失败了', article: ['kb-payment-failed'] },
  { q: "the parcel hasn't updated in days", article: ['kb-logistics-stalled'] },
];

/** Whether one answer meets its case (an empty `article` list means "no article"). */
export function meets(c: HeldOutCase, r: EngineResult): boolean {
  if (
    c.orRecommends &&
    r.intent === 'skin_recommendation' &&
    r.articleId === null &&
    r.text.includes(`For ${c.orRecommends}`)
  )
    return true;
  if (c.article && !(c.article.length ? c.article.includes(r.articleId ?? '') : r.articleId === null))
    return false;
  if (c.intent && !c.intent.includes(r.intent ?? '')) return false;
  if (c.product && r.productId !== c.product) return false;
  if (c.action && r.action !== c.action) return false;
  if (c.action === undefined && (r.action === 'decline' || r.outOfScope)) return false;
  if (c.mentions && !r.text.includes(c.mentions)) return false;
  if (c.notArticle?.includes(r.articleId ?? '')) return false;
  return true;
}
