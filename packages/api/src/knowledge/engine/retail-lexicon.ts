/**
 * The retail customer-service vocabulary the engine brings to every shop: English and pinyin
 * words shoppers mix in, mapped to the Chinese terms a shop's knowledge is written in; the kind
 * nouns ("裙子", "面霜") that name a sort of product; cues for prices and catalogue facts; what
 * a return or exchange reason means for the policy that applies. Nothing here belongs to one
 * store: a merchant adds their own terms (brand nicknames, local slang) through the knowledge
 * import (`lexicon: [{ term, means }]`), and those take precedence.
 */

/** One lexicon entry: a shopper's word (English, pinyin, slang, a common misspelling) → the shop's term. */
export interface LexiconTerm {
  term: string;
  means: string;
}

/**
 * English (and a few pinyin/romanised) retail words → Chinese. Multi-word phrases first; a gloss
 * is appended beside the word, never replacing it, so English knowledge keeps its own words.
 */
export const RETAIL_TERMS: [string, string][] = [
  // people and hand-over
  ['real person', '真人'],
  ['live agent', '人工客服'],
  ['customer service', '客服'],
  ['staff member', '工作人员'],
  ['human', '人工'],
  ['agent', '人工客服'],
  ['someone', '人'],
  ['representative', '人工客服'],
  ['manager', '经理'],
  // when the service is open: asking about hours is not asking for a person
  ['what time', '几点'],
  ['service hours', '服务时间'],
  ['opening hours', '服务时间'],
  ['opening times', '服务时间'],
  ['opening time', '服务时间'],
  ['hours', '几点 时间'],
  ['live chat', '客服'],
  ['staffed', '在线'],
  ['online', '在线'],
  ['at night', '晚上'],
  ['weekends', '周末'],
  ['weekend', '周末'],
  // orders, shipping, logistics
  ['order number', '订单号'],
  ['tracking number', '快递单号'],
  ['tracking', '物流'],
  ['track', '查物流'],
  ['parcel', '快递 包裹'],
  ['package', '快递 包裹'],
  ['delivery', '配送 到货'],
  ['deliver', '送达 到货'],
  ['delivered', '已签收'],
  ['shipping fee', '运费'],
  ['shipping cost', '运费'],
  ['free shipping', '包邮'],
  ['shipping', '发货'],
  ['shipped', '发货'],
  ['ship', '发货 快递'],
  ['dispatch', '发货'],
  ['dispatched', '发货'],
  ['shipment', '发货'],
  ['awaiting shipment', '待发货'],
  ['courier', '快递'],
  ['express', '快递'],
  ['sf express', '顺丰'],
  ['sf', '顺丰'],
  ['shunfeng', '顺丰'],
  ['jd', '京东'],
  ['ems', '邮政'],
  ['post office', '邮政'],
  ['stuck', '卡住 不动'],
  ['never got', '没收到'],
  ['never received', '没收到'],
  ['not received', '没收到'],
  ['address', '地址'],
  ['change', '修改 改'],
  ['modify', '修改'],
  ['edit', '修改'],
  ['update', '进度 更新'],
  ['any update', '进度 到哪了'],
  ['any news', '进度 到哪了'],
  ['status', '状态 进度'],
  ['order', '订单'],
  ['cancel', '取消'],
  ['presale', '预售'],
  ['pre-order', '预售'],
  ['deposit', '定金'],
  // after-sales
  ['refund', '退款'],
  ['money back', '退款'],
  ['return', '退货'],
  ['send back', '退货'],
  ['send it back', '退货'],
  ["don't want", '不想要'],
  ['dont want', '不想要'],
  ['no longer want', '不想要'],
  ['exchange', '换货'],
  // How long after delivery a return is accepted.
  ['return window', '多少天内 可以退'],
  ['return period', '多少天内 可以退'],
  ['swap', '换'],
  // An order placed with the wrong choice is a wrong order (下错单), changed before it ships by
  // cancelling it, not an exchange of goods received.
  ['ordered the wrong', '下错单'],
  ['picked the wrong', '下错单'],
  ['chose the wrong', '下错单'],
  ['selected the wrong', '下错单'],
  ['wrong colour', '拍错 颜色'],
  ['wrong color', '拍错 颜色'],
  ['colour', '颜色'],
  ['color', '颜色'],
  ['damaged', '破损'],
  ['broken', '破损 坏了'],
  // A part that failed in use is a quality problem, whichever word the shopper picks.
  ['broke', '坏了 质量问题'],
  ['breaks', '坏了 质量问题'],
  ['stopped working', '坏了 质量问题'],
  ['leaking', '漏了 质量问题'],
  ['leaks', '漏了 质量问题'],
  ['leaked', '漏了 质量问题'],
  ['snapped', '断了 质量问题'],
  ['torn', '破了 质量问题'],
  ['ripped', '破了 质量问题'],
  ['cracked', '裂了 质量问题'],
  ['defective', '质量问题'],
  ['faulty', '质量问题'],
  ['zipper', '拉链'],
  ['seam', '线缝'],
  ['wrong item', '发错'],
  ['missing', '少发'],
  ['fit', '合适'],
  ['too small', '太小'],
  ['too big', '太大'],
  ['size chart', '尺码表'],
  ['size', '尺码 码'],
  ['sizes', '尺码'],
  // money
  ['coupon', '优惠券'],
  ['coupons', '优惠券'],
  ['voucher', '优惠券'],
  ['promo code', '优惠券'],
  // "can I stack two coupons": stacking is how coupons are used together (叠加).
  ['stack', '叠加'],
  ['stacked', '叠加'],
  ['stacking', '叠加'],
  ['discount', '优惠 折扣'],
  ['price protection', '价保'],
  ['price difference', '差价 补差价'],
  // Selling in a live broadcast: the shop's 直播间 (its prices, coupons, hosts).
  ['livestream', '直播间'],
  ['live stream', '直播间'],
  ['live streams', '直播间'],
  ['livestreams', '直播间'],
  ['live broadcast', '直播间'],
  ['difference', '差价'],
  ['lower', '更低 便宜'],
  // "do you price match": the shop refunding a later, lower price of its own (价保 / 补差价).
  ['price match', '价保 补差价'],
  ['price matching', '价保 补差价'],
  ['match the price', '价保 补差价'],
  ['price guarantee', '价保'],
  ['price adjustment', '价保 补差价'],
  ['price drop', '降价'],
  ['cheaper', '便宜 降价'],
  ['price', '价格 多少钱'],
  ['cost', '多少钱'],
  ['how much', '多少钱'],
  ['pay', '付款 支付'],
  ['checkout', '结算 下单'],
  ['check out', '结算 下单'],
  ['payment', '付款 支付'],
  ['paid', '付款'],
  ['charged twice', '扣了两次'],
  ['credit card', '信用卡'],
  ['debit card', '银行卡'],
  ['card', '卡'],
  ['alipay', '支付宝'],
  ['visa', '信用卡'],
  ['mastercard', '信用卡'],
  ['amex', '信用卡'],
  ['unionpay', '银联 银行卡'],
  ['paypal', '支付方式'],
  ['accept', '支持'],
  ['not working', '不能用'],
  ["isn't working", '不能用'],
  ["doesn't work", '不能用'],
  ["won't work", '不能用'],
  ["can't use", '用不了'],
  ['cannot use', '用不了'],
  ['invalid', '不能用 无效'],
  ['wechat pay', '微信支付'],
  ['installment', '分期'],
  ['instalments', '分期'],
  ['invoice', '发票'],
  ['e-invoice', '电子发票'],
  ['einvoice', '电子发票'],
  ['receipt', '发票 凭证'],
  ['tax', '税费'],
  ['customs', '海关 清关'],
  ['points', '积分'],
  ['member', '会员'],
  ['membership', '会员'],
  ['vip', '会员'],
  // product facts
  ['shelf life', '保质期'],
  // Goods close to expiry: the trade's 临期 (its own return exception and discount zone).
  ['near expiry', '临期'],
  ['near-expiry', '临期'],
  ['nearly expired', '临期'],
  ['close to expiry', '临期'],
  ['about to expire', '临期'],
  ['expiring soon', '临期'],
  ['expiry', '过期 保质期'],
  ['expire', '过期'],
  ['expiration', '保质期'],
  ['keep', '放 保存'],
  // "last" is how long a product keeps only when it is not a point in time ("last week").
  ['last week', '上礼拜'],
  ['last month', '上月'],
  ['last year', '去年'],
  ['last night', '昨晚'],
  ['last time', '上次'],
  ['at last', '终于'],
  // How long makeup stays on is its wear, never its shelf life ("is the lipstick long-lasting").
  ['long lasting', '持久'],
  ['long-lasting', '持久'],
  ['last all day', '持久'],
  ['stay on', '持久'],
  ['last', '放多久'],
  ['after opening', '开封后'],
  ['opened', '开封'],
  ['opening', '开封'],
  ['ingredients', '成分'],
  ['ingredient', '成分'],
  ['contain', '含 成分'],
  ['alcohol', '酒精'],
  ['fragrance', '香精'],
  ['pregnant', '孕妇'],
  // "face mask for pregnant ladies": the person is the pregnant one, said in everyday words.
  ['pregnant ladies', '孕妇'],
  ['pregnant lady', '孕妇'],
  ['pregnant women', '孕妇'],
  ['pregnant woman', '孕妇'],
  ['pregnant mums', '孕妇'],
  ['pregnant moms', '孕妇'],
  ['allergy', '过敏'],
  ['allergic', '过敏'],
  ['rash', '起疹 过敏'],
  // Skin gone red after use: redness (泛红), not the colour red.
  ['went red', '泛红'],
  ['turned red', '泛红'],
  ['gone red', '泛红'],
  ['wash', '洗'],
  ['clean', '清洁 洗'],
  ['cleaning', '清洁 洗'],
  ['stain', '污渍 洗'],
  ['shrink', '缩水'],
  // Water and sweat resistance: how a product holds up is told where it says to reapply or rinse.
  ['waterproof', '防水 游泳 出汗'],
  ['water resistant', '防水 游泳 出汗'],
  ['water-resistant', '防水 游泳 出汗'],
  ['sweatproof', '防汗 出汗'],
  ['sweat proof', '防汗 出汗'],
  // "does it come off in water", "will it wash off when I swim": water resistance asked the other way.
  ['come off in water', '防水 游泳 出汗'],
  ['comes off in water', '防水 游泳 出汗'],
  ['wash off in water', '防水 游泳 出汗'],
  ['washes off in water', '防水 游泳 出汗'],
  ['swim', '游泳'],
  ['swimming', '游泳'],
  ['sweat', '出汗'],
  ['sweating', '出汗'],
  // Reactions in use: what the allergy articles are written with.
  ['stings', '刺痛'],
  ['stinging', '刺痛'],
  ['burning', '刺痛'],
  ['broke out', '起疹 过敏'],
  ['reacts to', '过敏'],
  ['reacted to', '过敏'],
  ['reaction', '过敏'],
  ['fade', '掉色'],
  ['dry skin', '干皮'],
  ['oily skin', '油皮'],
  ['sensitive skin', '敏感肌'],
  ['recommend', '推荐'],
  ['use', '用'],
  ['how to use', '怎么用'],
  ["what's in", '含 成分'],
  ['what is in', '含 成分'],
  ['made of', '材质 成分'],
  // Products called by what their name describes ("the oil control sunscreen", "the moisturizing
  // cream"): the Chinese descriptive name, so a product whose aliases say it is found.
  ['protect from the sun', '防晒'],
  ['protects from the sun', '防晒'],
  ['protect against the sun', '防晒'],
  ['protects against the sun', '防晒'],
  ['oil control sunscreen', '控油防晒'],
  ['oil-control sunscreen', '控油防晒'],
  ['oil control', '控油'],
  ['oil-control', '控油'],
  ['control oil', '控油'],
  ['moisturizing cream', '保湿面霜'],
  ['moisturising cream', '保湿面霜'],
  ['hydrating cream', '补水面霜'],
  ['soothing mask', '舒缓面膜'],
  ['matte lipstick', '雾面口红'],
  ['velvet lipstick', '丝绒口红'],
  ['amino acid cleanser', '氨基酸洗面奶'],
  ['brightening serum', '亮肤精华'],
  // The uses and qualities such names are made of, alone ("hydrating face cream", "a gentle face
  // wash"): the Chinese word a product's name or aliases would state it with.
  ['hydrating', '补水'],
  ['moisturizing', '保湿'],
  ['moisturising', '保湿'],
  ['soothing', '舒缓'],
  ['brightening', '亮肤'],
  ['whitening', '美白'],
  ['repairing', '修护'],
  ['gentle', '温和'],
  // A texture said in English the way Chinese names say it (清透: sheer and light on the skin; 轻薄: thin).
  ['lightweight', '清透 轻薄'],
  ['light-weight', '清透 轻薄'],
  // kinds of product
  ['physical sunscreen', '物理防晒'],
  ['mineral sunscreen', '物理防晒'],
  ['chemical sunscreen', '化学防晒'],
  ['sunscreen', '防晒'],
  ['face cream', '面霜'],
  ['cream', '面霜'],
  ['moisturizer', '面霜 保湿'],
  ['serum', '精华'],
  ['cleanser', '洁面 洗面奶'],
  ['face wash', '洗面奶'],
  ['mask', '面膜'],
  ['lipstick', '口红'],
  ['cushion', '气垫'],
  ['foundation', '粉底'],
  ['dress', '裙子 连衣裙'],
  ['skirt', '裙子'],
  ['jeans', '牛仔裤'],
  ['trousers', '裤子'],
  ['pants', '裤子'],
  ['cardigan', '开衫'],
  ['sweater', '毛衣'],
  ['bag', '包包'],
  ['handbag', '包包'],
  ['tote', '托特包'],
  ['nuts', '坚果'],
  ['snack', '零食'],
  ['snacks', '零食'],
  ['jerky', '牛肉干'],
  ['diaper', '纸尿裤'],
  ['diapers', '纸尿裤'],
  ['nappies', '纸尿裤'],
  ['formula', '奶粉'],
  ['milk powder', '奶粉'],
  ['baby wash', '宝宝沐浴露'],
  ['body wash', '沐浴露'],
  ['shampoo', '洗发水'],
  ['perfume', '香水'],
  ['shoes', '鞋'],
  ['toothbrush', '牙刷'],
  // question words
  ['how long', '多久'],
  ['how many days', '多久'],
  // "when I check out" is a clause, not a question about a time.
  ['when i', '的时候'],
  ['when you', '的时候'],
  ['when it', '的时候'],
  ['when', '什么时候'],
  ['where', '哪里'],
  ['how do i', '怎么'],
  ['how can i', '怎么'],
  ['how', '怎么'],
  ['why', '为什么'],
  ['can i', '能'],
  ['do you sell', '有卖'],
  ['do you have', '有没有'],
  ['together', '一起'],
  ['late', '慢 还没到'],
  ['yet', '还没'],
  // carriers a shop may not name in its knowledge: all of them are 快递
  ['邮政', '快递'],
  ['京东', '快递'],
  ['圆通', '快递'],
  ['申通', '快递'],
  ['极兔', '快递'],
  ['德邦', '快递'],
  ['百世', '快递'],
  ['菜鸟', '快递'],
  // everyday synonyms of the words shop knowledge is written in
  ['褪色', '掉色'],
  ['洗衣机', '机洗'],
  ['缩得', '缩水'],
  ['缩了', '缩水'],
  ['洗小了', '缩水'],
  ['滚筒', '机洗'],
  ['撤回', '取消'],
  ['撤单', '取消订单'],
  ['不要了', '不想要了'],
  ['兑换', '使用'],
  ['上限', '最多'],
  ['寄哪', '寄到哪里'],
  // A courier calling to collect is how a shop's returns go back ("可以上门取件吗").
  ['上门取件', '退货流程'],
  ['上门取货', '退货流程'],
  ['几天内', '多久'],
  // Goods sent or returned together (the normaliser writes 合并发/合并退): a delivery or a return.
  ['合并发', '发货'],
  ['合并寄', '发货'],
  ['合并退', '退货'],
  // common written variants and misspellings of retail words
  ['优惠卷', '优惠券'],
  ['红包', '优惠券'],
  ['淘宝', '平台'],
  ['京东快递', '京东'],
  ['sf快递', '顺丰'],
];

/**
 * Kind nouns: words (regular-expression sources, so "包" is not read inside 包裹 or 包邮) that
 * name a sort of product rather than one product. `categories` hints at
 * the catalogue category a kind belongs to (merchants name categories freely, in English or
 * Chinese), which settles "裤子" between trousers and 纸尿裤.
 */
export const KIND_NOUNS: { words: string[]; heads: string[]; categories?: string[] }[] = [
  { words: ['裙'], heads: ['裙'], categories: APPAREL() },
  { words: ['(?<!纸尿|尿)裤'], heads: ['裤'], categories: APPAREL() },
  { words: ['衣服', '上衣'], heads: ['衣', '衫', '裙', '裤'], categories: APPAREL() },
  { words: ['毛衣', '针织衫', '毛衫'], heads: ['毛衣', '开衫', '针织'], categories: APPAREL() },
  { words: ['外套'], heads: ['外套', '开衫'], categories: APPAREL() },
  {
    words: ['(?<![红面打承])包(?![裹邮装括含容])'],
    heads: ['包'],
    categories: ['bags', 'bag', '箱包', '包袋'],
  },
  { words: ['(?<![防晒眼手])霜'], heads: ['霜'], categories: SKINCARE() },
  { words: ['精华', '精华液'], heads: ['精华'], categories: SKINCARE() },
  { words: ['防晒', '防晒霜', '防晒乳'], heads: ['防晒'], categories: SKINCARE() },
  { words: ['洗面奶', '洁面'], heads: ['洁面', '洗面奶'], categories: SKINCARE() },
  { words: ['面膜'], heads: ['面膜'], categories: SKINCARE() },
  { words: ['口红', '唇膏'], heads: ['口红', '唇膏'], categories: MAKEUP() },
  { words: ['粉底', '气垫'], heads: ['粉底', '气垫'], categories: MAKEUP() },
  {
    words: ['零食', '吃的'],
    heads: ['坚果', '牛肉干', '肉干'],
    categories: ['snacks', 'snack', 'food', '食品', '零食'],
  },
  { words: ['奶粉'], heads: ['奶粉'], categories: ['baby', 'crossborder', '母婴', '奶粉'] },
  { words: ['尿不湿', '纸尿裤', '尿裤'], heads: ['尿裤', '尿不湿', '尿片'], categories: ['baby', '母婴'] },
];

function APPAREL() {
  return ['apparel', 'clothing', 'clothes', 'fashion', '服装', '服饰', '女装', '男装', '衣服'];
}
function SKINCARE() {
  return ['skincare', 'beauty', '护肤', '护肤品', '美妆'];
}
function MAKEUP() {
  return ['makeup', 'cosmetics', 'beauty', '彩妆', '美妆'];
}

/**
 * Products shops are asked about and may not carry: with "你们卖…吗" they are answered from the
 * catalogue (we have it / we don't), never from the nearest article.
 */
export const PRODUCT_NOUNS = [
  '洗发水',
  '洗发露',
  '护发素',
  '香水',
  '牙刷',
  '电动牙刷',
  '牙膏',
  '鞋',
  '鞋子',
  '运动鞋',
  '跑鞋',
  '高跟鞋',
  '帽子',
  '袜子',
  '手机',
  '耳机',
  '电脑',
  '猫粮',
  '狗粮',
  '眼霜',
  '卸妆水',
  '卸妆油',
  '身体乳',
  '护手霜',
  '指甲油',
  '眼影',
  '睫毛膏',
  '眉笔',
  '内衣',
  '泳衣',
  '羽绒服',
  '西装',
  '衬衫',
  'T恤',
  '手表',
  '项链',
  '耳环',
  '零食',
  '饼干',
  '巧克力',
  '茶叶',
  '咖啡',
  '酒',
  '保健品',
  '玩具',
  '奶瓶',
];

/** Catalogue facts shoppers ask for in so many words, with the attribute keys that hold them. */
export const ATTRIBUTE_CUES: {
  attribute: string;
  keys: string[];
  cue: RegExp;
  label: string;
  labelEn: string;
  /**
   * Words of the cue that also describe the product ("真皮包包", "leather tote"): alone with
   * another fact asked ("真皮包包怎么保养"), they name the product rather than ask this fact.
   */
  describes?: RegExp;
}[] = [
  {
    attribute: 'price',
    keys: ['price'],
    cue: /多少钱|什么价|啥价|价格|价钱|卖多少|怎么卖|咋卖|几块|几多钱|贵不贵|贵吗|售价|多少米|\bhow much\b|\bprice\b|\bcost\b/,
    label: '价格',
    labelEn: 'price',
  },
  {
    attribute: 'volume',
    keys: ['volume', 'size', 'netContent'],
    // Also how many a pack holds ("面膜一盒几片", "一袋有多少包", "how many sheets in a box").
    cue: /规格|容量|多少毫升|几毫升|多少克|几克|多大瓶|多少片|净含量|(?:一|每)(?:盒|袋|包|箱|瓶|罐|套|组)(?:是|有|装)?(?:几|多少)(?:片|支|瓶|袋|包|颗|粒|条|个|张|块)|(?:几|多少)(?:片|支|瓶|袋|包|颗|粒)装|\bhow big\b|\bhow many (?:sheets|pieces|masks|bags|packs|sachets|bottles|tablets|capsules)\b.{0,24}\b(?:in|per)\b/,
    label: '规格',
    labelEn: 'size',
  },
  {
    attribute: 'origin',
    keys: ['origin'],
    // Also a place asked as yes/no ("是韩国的吗", "日本产的吗", "is it korean"): the origin answers it.
    // "where's my formula order from Australia" asks where the order is, not where goods are from.
    cue: /产地|哪里产|哪产的|哪里生产|哪儿产|哪个国家|哪国|国家产|产自|原产|哪里出产|国产吗|进口的吗|是进口|(?:是|在)(?:不是)?(?:韩国|日本|法国|意大利|美国|英国|德国|瑞士|西班牙|泰国|新西兰|澳洲|澳大利亚|加拿大|荷兰|欧洲|国外|外国|海外|原装)(?:产|生产|制造|进口|原装|的|货)|(?:韩国|日本|法国|意大利|美国|英国|德国|瑞士|泰国|新西兰|澳洲|澳大利亚|欧洲|国外|海外)(?:产|生产|制造|进口)的|\bmade in\b|\bwhere.+made\b|\bwhere\b(?!.{0,30}\bmy (?:[a-z]+ ){0,3}(?:order|parcel|package|delivery|shipment)s?\b).{0,30}\b(?:from|produced|manufactured)\b|\bcountry of origin\b|\b(?:which|what) country\b|\bimported\b|\b(?:is|are) (?:it|they|this|these|the \w+(?: \w+)?) (?:korean|japanese|french|italian|american|british|german|swiss|thai|australian|european|from (?:korea|japan|france|italy|the us|usa|america|the uk|germany|australia|new zealand|europe|abroad))\b/,
    label: '产地',
    labelEn: 'origin',
  },
  {
    attribute: 'material',
    keys: ['material'],
    // Also a material asked as yes/no ("是真丝的吗", "含羊绒吗", "is the dress silk"): the material answers it.
    cue: /材质|面料|什么料|什么皮|什么材料|啥材料|啥料|料子|什么做的|啥做的|真皮|纯棉|羊毛的|是(?:不是)?(?:纯|真|全|100%)?(?:真丝|桑蚕丝|丝绸|羊皮|羊绒|山羊绒|羊毛|牛皮|猪皮|pu|人造革|仿皮|超纤|全棉|棉|麻|亚麻|涤纶|聚酯|化纤|雪纺|蕾丝|尼龙|锦纶|莫代尔|天丝|醋酸|马海毛|兔毛)(?:的|做的|材质|面料)?(?:吗|\s|$)|含(?:不含|有)?(?:真丝|羊绒|羊毛|棉|麻|涤纶|聚酯|化纤|氨纶|锦纶)(?:吗|成分|\s|$)|\bmaterial\b|\bfabric\b|\bleather\b|\bmade (?:of|from)\b|\b(?:is|are) (?:it|they|this|these|the \w+(?: \w+)?) (?:(?:pure|real|100%?) )?(?:silk|cashmere|wool|cotton|linen|polyester|nylon|suede|lambskin|sheepskin|viscose|rayon|acrylic|faux leather|pu leather|vegan leather)\b/,
    label: '材质',
    labelEn: 'material',
    describes: /真皮|纯棉|羊毛的|\bleather\b/g,
  },
  {
    attribute: 'sizes',
    keys: ['sizes'],
    cue: /几个码|哪些码|什么码数|有哪些尺码|有几个尺码|尺码有哪些|有(?:xxl|xl|xs|s|m|l|\d{2})码|有(?:xxl|xl|xs|s|m|l)号|\bwhat sizes\b/,
    label: '尺码',
    labelEn: 'sizes',
  },
];

/** "你们卖X吗 / 有没有X / do you sell X": asks whether the shop carries something. */
export const ASKS_AVAILABILITY =
  /(?:有没有|有无|有)卖|卖不卖|卖(?!家).{0,8}吗|^(?:你们|店里|这里|这边|家里)?(?:有没有|有)(?!人|券|货|优惠|活动|赠品|运费|发票|积分|会员|门店|客服|折扣)|\bdo you (?:sell|have|carry)\b|\bany\b.+\bfor sale\b/;

/** What a return or exchange reason means for the policy that applies, as words to look it up by. */
export const REASON_POLICY_WORDS: Record<string, string> = {
  changed_mind: '7天无理由退货 条件 吊牌 包装完好',
  too_small: '尺码不合适 换码 换尺码',
  too_large: '尺码不合适 换码 换尺码',
  wrong_size: '尺码不合适 换码 换尺码',
  damaged: '商品破损 漏发 发错 补发 运费我们承担',
  wrong_or_missing_item: '商品破损 漏发 发错 补发',
  reaction: '过敏 停用 退货',
  quality: '质量问题 退货 运费',
};

/**
 * Words that ask for a product fact the catalogue holds. When a product is named (or in context)
 * they lend weight to the intent that answers from that attribute ("牛肉干辣不辣" → ingredients).
 */
export const ATTRIBUTE_INTENT_CUES: Record<string, RegExp> = {
  shelfLife: /保质期|有效期|过期|放多久|能放|保存|开封后|开罐|开袋|临期|生产日期|\bexpir|\bshelf life\b/,
  ingredients:
    /成分|含不含|含有|含.{1,4}吗|有.{1,3}吗|添加剂|酒精|香精|防腐剂|花生|坚果过敏|辣|甜|皂基|\bcontain|\bingredient|\balcohol\b/,
  care: /洗|机洗|干洗|熨|晾|烘干|保养|护理|打理|缩水|掉色|褪色|起球|变形|淋雨|雨淋|淋湿|被淋|淋了|进水|沾水|弄湿|泡水|发霉|\bwash|\bshrink|\bfade|\bwet\b|\brain\b|\bcare (?:for|of)\b|\blook after\b|\bmaintain|\bclean (?:it|the|my|a)\b/,
  sizeChart:
    /尺码|几码|什么码|哪个码|码数|腰围|胸围|身高|体重|偏大|偏小|能放下|装下|装得下|放得下|多大|\bsize\b|\bfit\b/,
};

/** "我的订单到哪了", "where is my parcel": the shopper asks where their own order is. */
export const ORDER_STATUS_CUE =
  /(?:订单|快递|包裹|东西|我买的|我的货).{0,8}(?:到哪|哪一步|在哪|发出来|发了没|发货了没|寄出|什么状态|进度|还没(?:寄|送)?到|(?:还)?没收到|还没来)|(?:到哪|哪一步)了|\bwhere(?:'s|s| s| is) my\b|\bhas my .+ shipped\b|\bwhen\b.{0,24}\bmy (?:order|parcel|package|delivery|shipment|stuff|things|items?|goods|purchases?)\b.{0,24}\b(?:arrives?|gets? here|comes?|be delivered|be here|reach(?:es)? me|turns? up|shows? up)\b|\bwhen (?:will|do|can|would|should|shall) i (?:get|receive) my (?:order|parcel|package|delivery|shipment)\b|\b(?:have ?n[o'’ ]?t|did ?n[o'’ ]?t|not|never|still not|yet to) (?:received|receive|got|gotten|get) my (?:order|parcel|package|delivery|shipment)\b|\bwaiting (?:for|on) my (?:order|parcel|package|delivery|shipment)\b|\b(?:status|update|news) (?:of|on|for) my (?:order|parcel|package|delivery|shipment)\b|\bmy (?:order|parcel|package|delivery|shipment)(?:'s| s)? status\b|\bmy (?:order|parcel|package)\b.{0,20}\b(?:has ?n[o'’ ]?t|have ?n[o'’ ]?t|did ?n[o'’ ]?t|not|never|still not)(?: yet)? (?:arrived|come|turned up|got here|been delivered)\b/;

/** "一直显示待发货", "付款了还不发货", "hasn't shipped yet": an order waiting to be sent out. */
export const ORDER_UNSHIPPED_CUE =
  /待发货|未发货|(?:还|一直|迟迟|都|怎么)(?:没有?|不)(?:给我)?发(?:货|出)|没有?发货|\b(?:has ?n[o']?t|have ?n[o']?t|not|never|still not)(?: been)?(?: yet)? (?:shipped|dispatched|sent out)\b|\bwhy (?:hasn'?t|isn'?t|is ?n'?t) my order (?:shipped|dispatched|sent)\b|\b(?:awaiting|waiting for|pending) (?:shipment|dispatch|shipping)\b|\bnothing (?:has|have|was)?(?: been)?(?: yet)? ?(?:shipped|dispatched|sent out)\b|\b(?:still|stuck)\b.{0,20}\bprocessing\b|\bprocessing\b.{0,12}\b(?:forever|for days|for ages)\b|\border\b.{0,30}\b(?:processing|pending|preparing)\b.{0,16}\b(?:forever|for (?:days|ages|weeks?|a week|\w+ days)|since|still)\b|\border\b.{0,20}\b(?:still|stuck)\b.{0,16}\b(?:processing|pending|preparing)\b|\b(?:not|n't|never|yet to)(?: yet)? (?:left|leave|gone out of|come out of) (?:the|your) warehouse\b|(?:一直|还|还是|好几天|几天了|好多久|多久了|天了).{0,6}(?:备货中|处理中|待出库)|(?:备货中|待出库).{0,6}(?:好几天|几天了|好多久|多久了|天了|一直|很久|一周|一个星期)|仓库(?:还|一直)?没有?发/;

/**
 * "I ordered the wrong colour, can I swap it before it ships", "拍错颜色了还没发货能换吗": a change to
 * an order's goods (colour, size, the item) before it is sent, which shops handle by cancelling
 * and ordering again. Read on the glossed text; `ORDER_CHANGE_NOT` keeps the address change and
 * goods already received (an exchange) out.
 */
export const ORDER_CHANGE_VERB = /改|换|\b(?:change|swap|switch|amend|modify|edit)\b/;
export const ORDER_CHANGE_CHOICE =
  /下错单|拍错|选错|买错|颜色|色号|尺码|规格|款式|\b(?:colou?r|size|variant|shade|model|item)\b/;
export const ORDER_CHANGE_ORDER =
  /订单|下单|下错单|拍错|选错|买错|未发货|还没发货|没有?发货|发货前|发货之前|\border(?:ed)?\b|\b(?:bought|picked|chose|selected) the wrong\b|\bbefore (?:it |you |they )?(?:ships?|dispatch|send)/;
/**
 * Goods already in the shopper's hands — arrived, tried on, worn, washed, used, eaten, a fit felt
 * ("拿到了", "穿着偏小", "洗过了", "用完了", "worn once"), or a part replaced with a new one: what
 * follows is an exchange, a return or how to use the goods, never a change to an order not yet sent.
 */
const GOODS_IN_HAND =
  /拿到|到了(?=[，,。！!？?\s]|$)|已经到|试穿|穿(?:着|过|了)|洗(?:过|了|完)|用(?:过|完)|吃(?:过|了|完)|拆(?:开|封)|(?:偏|有点|有些)(?:大|小|紧|松|短|长)|换(?:成|个)?新的|\b(?:wore|worn|washed|tried (?:it |them )?on|used (?:it|them|up)|ran out|opened|ate|eaten)\b/;
export const ORDER_CHANGE_NOT = new RegExp(
  `地址|收件人|电话|收到|签收|到货|太(?:大|小|紧|松|短|长)|不合适|不合身|发错|寄错|\\b(?:address|received|arrived|got it|delivered|too (?:big|small|tight|loose|short|long)|(?:does ?n[o']?t|did ?n[o']?t) fit|sent (?:me )?the wrong)\\b|${GOODS_IN_HAND.source}`,
);
/**
 * The shopper's own slip when ordering ("下错单了", "拍错颜色", "I ordered the wrong shade"), or the
 * order not sent yet: with one of these, "想换个颜色" is still a change to the order, though it
 * reads as a request to do something (which otherwise opens an exchange for goods received).
 */
export const ORDER_CHANGE_UNSENT =
  /下错单|拍错|选错|买错|未发货|还没发货|没有?发货|发货前|发货之前|\b(?:ordered|bought|picked|chose|selected) the wrong\b|\bbefore (?:it |you |they )?(?:ships?|dispatch|send)/;
// The slip and the order not sent yet, said without a verb of changing ("买错了颜色还没发货",
// "拍错尺码了还没发"): what the shopper wants done is plain all the same.
const ORDER_SLIP = /下错单|拍错|选错|买错|\b(?:ordered|bought|picked|chose|selected) the wrong\b/;
const ORDER_NOT_SENT =
  /未发货|还没发|没有?发货|\b(?:not|n[’' ]?t) (?:yet )?(?:been )?(?:shipped|sent|dispatched)\b/;
export const asksOrderChange = (normalized: string): boolean =>
  ORDER_CHANGE_CHOICE.test(normalized) &&
  (ORDER_CHANGE_VERB.test(normalized) || (ORDER_SLIP.test(normalized) && ORDER_NOT_SENT.test(normalized))) &&
  ORDER_CHANGE_ORDER.test(normalized) &&
  !ORDER_CHANGE_NOT.test(normalized);

/**
 * "swap the lipstick in my order for the cushion", "订单里的牛肉干能改成两袋吗", "下单的M码能换成L码吗":
 * a change to an order that names what it becomes — another product, a quantity, a size code —
 * instead of a word like 颜色/尺码. Read with `namesGoods` (a product named in the message) or a
 * quantity or size after the change; the order words and `ORDER_CHANGE_NOT` as for `asksOrderChange`.
 */
const ORDER_CHANGE_TARGET =
  /(?:改|换)(?:成|为|到)|\b(?:change|swap|switch|amend)\b.{0,40}\b(?:to|for|into)\b|(?:改|换)\s*(?:\d{2}|[smlx]{1,3})\s*码/;
const ORDER_CHANGE_AMOUNT =
  /(?:改|换)(?:成|为|到)\s*(?:[0-9一两二三四五六七八九十]+\s*(?:袋|罐|盒|瓶|件|支|包|个|片|套|条|份)|\d{2}\s*码?|[smlx]{1,3}\s*码)|(?:改|换)\s*(?:\d{2}|[smlx]{1,3})\s*码|\b(?:to|for|into) (?:size )?(?:\d{2}|xs|s|m|l|xl|xxl)\b|\b(?:to|for|into) (?:two|three|four|five|\d) (?:bags?|tins?|cans?|boxes|bottles|packs?|pieces?|pairs?)\b/;
// The order named, or its goods said not to be sent yet ("我拍的口红还没发货，能改成气垫吗").
const ORDER_CHANGE_IN_ORDER =
  /订单|下单|未发货|还没发货|没有?发货|发货前|\border(?:ed)?\b|(?:\bnot|n[’' ]?t) (?:yet )?(?:shipped|sent|dispatched)\b/;
export const asksOrderChangeOfGoods = (normalized: string, namesGoods: boolean): boolean =>
  ORDER_CHANGE_VERB.test(normalized) &&
  ORDER_CHANGE_IN_ORDER.test(normalized) &&
  ORDER_CHANGE_TARGET.test(normalized) &&
  (namesGoods || ORDER_CHANGE_AMOUNT.test(normalized)) &&
  !ORDER_CHANGE_NOT.test(normalized);

/** Words of the shop's own business: with them, a "火车/天气" word does not make a message off-topic. */
export const SHOP_CUE =
  /质量|正品|好用|效果|货|赠品|便宜|价格|订单|快递|包裹|物流|发货|退|换|券|优惠|积分|会员|发票|付款|支付|价保|尺码|保质期|成分|商品|宝贝|链接|下单|签收|运费|包邮|售后|客服/;

/**
 * Emoji shoppers put in place of words, read as those words (the normaliser drops symbols
 * otherwise): a parcel, a gift, a thumbs-up, a row of angry faces. Angry faces read as 怒, which
 * counts as a mild sign of upset: one alone is a shrug, three with "还不发货" a complaint.
 */
export const EMOJI_TERMS: [RegExp, string][] = [
  [/[\u{1F621}\u{1F620}\u{1F92C}\u{1F4A2}\u{1F47F}\u{1F624}\u{1F44E}]/gu, ' 怒 '],
  [/\u{1F381}/gu, ' 赠品 '],
  [/[\u{1F4E6}\u{1F69A}\u{1F69B}]/gu, ' 快递 '],
  [/[\u{1F4B0}\u{1F4B5}\u{1F4B4}\u{1F4B8}]/gu, ' 钱 '],
  [/\u{1F9FE}/gu, ' 发票 '],
  [/\u{1F6D2}/gu, ' 购物车 '],
  [/[\u{1F44D}\u{1F44C}]/gu, ' 好 '],
  [/\u{1F64F}/gu, ' 谢谢 '],
];

/**
 * Pregnancy or breastfeeding, said by the shopper ("孕妇可以用吗", "哺乳期", "nursing mom here",
 * "while pregnant"). "expecting" only of a baby, never of a parcel or a refund.
 */
export const PREGNANCY_WORDS =
  /怀孕|孕妇|孕期|孕中|孕早|孕晚|备孕|哺乳|喂奶|母乳|坐月子|月子期|\bpregnan(?:t|cy)\b|\bbreast ?feed(?:ing)?\b|\bnursing (?:mom|mum|mother)s?\b|\b(?:while|when|i'?m|i am) nursing\b|\b(?:i'?m|i am|we'?re|we are) expecting\b(?! (?:a |an |my |the |our )?(?:parcel|package|delivery|order|refund|call|reply|email|update))|\bttc\b/;

/** A baby or a child the product is for ("宝宝能用吗", "小孩", "my 10 year old", "newborn"). */
export const CHILD_WORDS =
  /宝宝|婴儿|婴幼儿|新生儿|小孩|小朋友|儿童|(?<!女)孩子|幼儿|\bbab(?:y|ies)\b|\binfants?\b|\bnewborns?\b|\bkids?\b|\bchild(?:ren)?\b|\btoddlers?\b|\b\d{1,2}[- ]?(?:year|yr)s?[- ]?olds?\b|\bmy (?:son|daughter|little one)\b/;

/** An older person the product is for ("老年人能用吗", "我妈60多了", "my grandma", "seniors"). */
export const ELDERLY_WORDS =
  /老年人|老人家?|长辈|老妈|老爸|爷爷|奶奶|外公|外婆|姥姥|姥爷|\b(?:elderly|seniors?|old(?:er)? (?:people|folks?|persons?|man|woman|lady|ladies|men|women)|(?:my )?(?:grandma|grandpa|grandmother|grandfather|granny|nan|gran)s?)\b/;

/** A suitable-skin entry for babies or children ("婴幼儿"). */
export const CHILD_LISTED = /婴|幼|儿童|宝宝|孩|\b(?:bab(?:y|ies)|infants?|child(?:ren)?|kids?)\b/;

/**
 * Asking whether someone may use, eat or wear it ("能用吗", "可以吃吗", "safe", "ok for"), or what
 * to avoid — the question a who-may-use-it answer is for (not a price or a delivery). A product
 * named "for" a pregnant or nursing shopper ("brightening serum for pregnant women") asks it too.
 */
export const MAY_USE =
  /(?:能|可以|能不能|可不可以)(?:用|擦|涂|抹|敷|吃|喝|穿|洗|戴)|用不用得|适合|适用|合适|安全|可以吗|能.{0,4}(?:吗|么|嘛)|行(?:吗|不)|(?:要|需要)?(?:避开|避免|注意)|推荐|(?:用|买|选)(?:什么|啥|哪)|\b(?:use|using|safe|ok|okay|suitable|fine|avoid|eat|drink|wear|recommend)\b|\b(?:for|during|while) (?:pregnan\w*|breast-?feeding|nursing|expecting)\b/;
