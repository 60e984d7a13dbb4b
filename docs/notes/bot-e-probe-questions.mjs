// bot-e's own probe questions (none is a lead example). set: tune (used while fixing) / held (not looked at
// while fixing; scored only before and after). `ok` is the judgement of a right answer.
const HAN = /\p{Script=Han}/u;
const _noArticle = (r, id) => r.articleId !== id;
const mentions = (r, ...ids) =>
  ids.every((id) => r.text.includes(NAME[id]) || r.quickReplies.join().includes(NAME[id]));
// Named as over the budget is not recommended: only the part before that line counts.
const omits = (r, ...ids) =>
  ids.every((id) => !r.text.split(/Over your budget|超出预算/)[0].includes(NAME[id]));
const NAME = {
  cream: '玻尿酸水润保湿面霜',
  serum: '烟酰胺亮肤精华液',
  cleanser: '氨基酸温和洁面乳',
  light: '清透控油防晒乳',
  physical: '敏感肌修护物理防晒霜',
  mask: '积雪草舒缓修护面膜',
  cushion: '轻透持妆气垫粉底',
  wash: '婴儿洗发沐浴露',
};
// An English answer whose text outside product names has no Chinese.
const englishValues = (r) =>
  !HAN.test(
    Object.values(NAME)
      .reduce((t, n) => t.split(n).join(''), r.text)
      .replace(/澜悦|SPF\S*|PA\+*|（[^）]*）|【[^】]*】[^ ,.]*/g, ''),
  );
const notCarried = (r) => /don't carry|暂时没有|not carr/i.test(r.text) && r.intent !== 'exchange_size';
const regionHonest = (r) =>
  r.articleId !== 'kb-shipping-carrier-fee' &&
  r.articleId !== 'kb-delivery-eta' &&
  /person|人工|转人工/i.test(r.text + r.quickReplies.join());
const hours = (r) => r.action === 'answer' && r.articleId === 'kb-service-hours';
const unshipped = (r) =>
  ['kb-shipping-time', 'kb-logistics-stalled', 'kb-track-order'].includes(r.articleId) ||
  r.intent === 'shipping_time' ||
  r.intent === 'logistics_query';
const couponHowTo = (r) =>
  (r.articleId !== 'kb-coupon-not-working' && r.intent === 'coupon_usage') ||
  (r.action === 'clarify' &&
    r.articleId !== 'kb-coupon-not-working' &&
    /优惠券|coupon/i.test(r.text + r.quickReplies.join()));
export const QUESTIONS = [
  // A. recommendation by skin type / concern / budget (English, a few Chinese budgets)
  {
    set: 'tune',
    q: 'what would you recommend for sensitive skin',
    ok: (r) =>
      r.action === 'answer' &&
      (mentions(r, 'physical') || r.articleId === 'kb-routine-sensitive-skin') &&
      omits(r, 'light'),
  },
  {
    set: 'held',
    q: 'any moisturiser for dry skin?',
    ok: (r) => r.action === 'answer' && mentions(r, 'cream'),
  },
  {
    set: 'tune',
    q: 'which products work for oily skin',
    ok: (r) =>
      r.action === 'answer' &&
      (mentions(r, 'light') || r.articleId === 'kb-routine-oily-skin') &&
      omits(r, 'cream'),
  },
  {
    set: 'held',
    q: 'I have combination skin, what should I buy',
    ok: (r) => r.action === 'answer' && mentions(r, 'serum') && omits(r, 'physical'),
  },
  {
    set: 'tune',
    q: 'something for oily skin under 100 yuan please',
    ok: (r) => r.action === 'answer' && mentions(r, 'cleanser') && omits(r, 'serum', 'light', 'cushion'),
  },
  {
    set: 'held',
    q: 'best sunscreen for oily skin under 150',
    ok: (r) => r.action === 'answer' && mentions(r, 'light') && omits(r, 'physical', 'serum'),
  },
  {
    set: 'tune',
    q: 'which serum is good for brightening',
    ok: (r) => r.action === 'answer' && mentions(r, 'serum') && /bright|亮/i.test(r.text),
  },
  {
    set: 'held',
    q: 'anything to calm redness?',
    ok: (r) =>
      r.action === 'answer' &&
      (mentions(r, 'mask') || r.articleId === 'kb-routine-sensitive-skin') &&
      omits(r, 'serum'),
  },
  { set: 'tune', q: "what's good for hydration", ok: (r) => r.action === 'answer' && mentions(r, 'cream') },
  {
    set: 'held',
    q: 'recommend a face cream for dry skin under 200',
    ok: (r) => r.action === 'answer' && mentions(r, 'cream') && omits(r, 'serum', 'light'),
  },
  {
    set: 'tune',
    q: 'do you have anything for sensitive skin under 100 yuan',
    ok: (r) => r.action === 'answer' && mentions(r, 'cleanser') && omits(r, 'physical', 'light', 'serum'),
  },
  {
    set: 'held',
    q: 'skincare for dry skin below 80 yuan',
    ok: (r) => r.action === 'answer' && mentions(r, 'cleanser') && omits(r, 'cream', 'mask'),
  },
  {
    set: 'held',
    q: '100元以内适合油皮的有什么',
    ok: (r) => r.action === 'answer' && mentions(r, 'cleanser') && omits(r, 'serum', 'light', 'cushion'),
  },
  {
    set: 'tune',
    q: '敏感肌推荐什么 预算150以内',
    ok: (r) => r.action === 'answer' && mentions(r, 'cleanser') && omits(r, 'physical', 'light'),
  },
  {
    set: 'held',
    q: 'what helps with uneven skin tone',
    ok: (r) => r.action === 'answer' && mentions(r, 'serum'),
  },
  // B. attribute values in the answer's language
  {
    set: 'tune',
    q: 'is the niacinamide serum ok for dry skin',
    ok: (r) => r.productId === 'p-niacinamide-serum' && /oily/i.test(r.text) && englishValues(r),
  },
  {
    set: 'held',
    q: 'can sensitive skin use the light sunscreen',
    ok: (r) => r.productId === 'p-sunscreen-light' && /not/i.test(r.text) && englishValues(r),
  },
  {
    set: 'tune',
    q: 'is the cushion foundation good for dry skin',
    ok: (r) => r.productId === 'p-cushion-foundation' && englishValues(r) && /oily/i.test(r.text),
  },
  {
    set: 'held',
    q: 'is the baby wash suitable for sensitive skin',
    ok: (r) => r.productId === 'p-baby-wash' && /sensitive/i.test(r.text) && englishValues(r),
  },
  {
    set: 'held',
    q: 'is the cleanser ok for men',
    ok: (r) => r.productId === 'p-amino-cleanser' && /dry/i.test(r.text) && englishValues(r),
  },
  {
    set: 'tune',
    q: 'does the cica mask suit oily skin',
    ok: (r) => r.productId === 'p-cica-mask' && englishValues(r) && /oily/i.test(r.text),
  },
  // C. intent routing
  { set: 'tune', q: 'when are your customer service hours', ok: hours },
  { set: 'held', q: 'are your agents online at night', ok: hours },
  { set: 'held', q: '人工客服周末上班吗', ok: hours },
  { set: 'tune', q: 'what hours is live chat staffed', ok: hours },
  { set: 'tune', q: '我的订单三天了还是待发货', ok: (r) => unshipped(r) && r.intent !== 'payment_issue' },
  { set: 'held', q: '付款成功了但是一直不发货', ok: (r) => unshipped(r) && r.intent !== 'payment_issue' },
  {
    set: 'held',
    q: "why hasn't my order shipped yet",
    ok: (r) => unshipped(r) && r.intent !== 'payment_issue',
  },
  { set: 'tune', q: 'do you deliver to Macau', ok: regionHonest },
  { set: 'held', q: 'can you ship to Singapore', ok: regionHonest },
  { set: 'held', q: '能寄到台湾吗', ok: regionHonest },
  { set: 'tune', q: '可以发货到国外吗', ok: regionHonest },
  { set: 'tune', q: 'how do I redeem a coupon', ok: couponHowTo },
  { set: 'held', q: '优惠券在结算页怎么使用', ok: couponHowTo },
  { set: 'held', q: 'how to apply a discount code when paying', ok: couponHowTo },
  { set: 'tune', q: "what's the warranty on the headphones", ok: notCarried },
  { set: 'held', q: '你们的吹风机保修多久', ok: notCarried },
  { set: 'held', q: 'is there a guarantee on the smartwatch', ok: notCarried },
  // D. facts in the product's title, yes/no from ingredients, usage of a named product
  {
    set: 'tune',
    q: '奶粉适合几个月的宝宝',
    ok: (r) =>
      r.productId === 'p-au-formula' && /12-36个月|3段/.test(r.text) && r.intent !== 'allergy_reaction',
  },
  {
    set: 'held',
    q: '这个奶粉两岁的孩子能喝吗',
    ok: (r) => r.productId === 'p-au-formula' && /12-36个月/.test(r.text) && r.intent !== 'allergy_reaction',
  },
  {
    set: 'held',
    q: 'is the formula suitable for a 6 month old',
    ok: (r) => r.productId === 'p-au-formula' && /12-36/.test(r.text) && /not|isn't|no\b/i.test(r.text),
  },
  {
    set: 'tune',
    q: '牛肉干甜不甜',
    ok: (r) => r.productId === 'p-beef-jerky' && /白砂糖/.test(r.text) && /有|含/.test(r.text),
  },
  {
    set: 'held',
    q: 'is the beef jerky spicy',
    ok: (r) => r.productId === 'p-beef-jerky' && /chil|辣椒/i.test(r.text),
  },
  {
    set: 'held',
    q: '每日坚果咸不咸',
    ok: (r) => r.productId === 'p-daily-nuts' && /盐|咸/.test(r.text) && !/含有盐|有咸味/.test(r.text),
  },
  {
    set: 'tune',
    q: '宝宝沐浴露能当洗发水用吗',
    ok: (r) => r.productId === 'p-baby-wash' && r.action === 'answer' && /洗发/.test(r.text),
  },
  {
    set: 'held',
    q: 'can the baby wash be used on hair',
    ok: (r) => r.productId === 'p-baby-wash' && r.action === 'answer' && /hair|洗发/i.test(r.text),
  },
  {
    set: 'held',
    q: '洗面奶能卸妆吗',
    ok: (r) =>
      r.productId === 'p-amino-cleanser' &&
      !(r.action === 'answer' && r.articleId && r.articleId !== 'kb-sunscreen-sensitive-usage') &&
      /没有写明|not listed|卸妆/.test(r.text),
  },
];
