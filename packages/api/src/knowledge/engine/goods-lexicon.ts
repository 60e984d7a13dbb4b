/**
 * Words shoppers use for goods, allergens and colours, in Chinese and English — the vocabulary the
 * product-facts answers (`product-facts.ts`) read a question with. Nothing here belongs to one
 * store: whether the shop carries a kind of goods is decided against its own catalogue (names,
 * aliases, categories), never by this list.
 */

/** One kind of goods: the Chinese words for it (the first is how the bot names it) and English ones. */
export interface GoodsKind {
  zh: string[];
  en: string[];
}

/**
 * Kinds of goods a retail shopper asks for, across apparel, accessories, shoes, beauty, food, baby,
 * electronics and home. Longer words first within a kind ("羽绒服" before "羽绒"). A kind is
 * carried when any product's name or alias contains one of its Chinese words, or its category is
 * one of the English words.
 */
export const GOODS_KINDS: GoodsKind[] = [
  // apparel and accessories
  { zh: ['大衣', '呢子大衣', '羊绒大衣'], en: ['coat', 'coats', 'overcoat', 'overcoats'] },
  { zh: ['风衣'], en: ['trench coat', 'trench coats', 'trench'] },
  { zh: ['羽绒服', '羽绒外套', '棉服'], en: ['down jacket', 'puffer', 'puffer jacket', 'parka'] },
  { zh: ['夹克', '皮衣'], en: ['jacket', 'jackets'] },
  { zh: ['西装', '西服'], en: ['suit', 'suits', 'blazer', 'blazers'] },
  { zh: ['衬衫', '衬衣'], en: ['shirt', 'shirts', 'blouse', 'blouses'] },
  { zh: ['T恤', 't恤', '短袖'], en: ['t-shirt', 't-shirts', 'tshirt', 'tee', 'tees'] },
  { zh: ['卫衣'], en: ['hoodie', 'hoodies', 'sweatshirt', 'sweatshirts'] },
  { zh: ['毛衣', '针织衫'], en: ['sweater', 'sweaters', 'jumper', 'jumpers', 'pullover'] },
  { zh: ['背心', '吊带'], en: ['vest', 'vests', 'tank top', 'camisole'] },
  { zh: ['半身裙', '短裙'], en: ['skirt', 'skirts'] },
  {
    zh: ['孕妇装', '孕妇裙', '孕妇裤', '哺乳衣', '哺乳内衣'],
    en: ['maternity wear', 'maternity clothes', 'maternity dress', 'nursing bra'],
  },
  { zh: ['短裤', '运动裤', '阔腿裤', '西裤', '打底裤', '瑜伽裤'], en: ['shorts', 'leggings', 'trousers'] },
  { zh: ['睡衣', '家居服'], en: ['pajamas', 'pyjamas', 'sleepwear'] },
  { zh: ['内衣', '文胸', '内裤'], en: ['underwear', 'bra', 'bras', 'lingerie'] },
  { zh: ['泳衣', '泳裤'], en: ['swimsuit', 'swimsuits', 'swimwear', 'bikini'] },
  { zh: ['袜子', '丝袜'], en: ['socks', 'sock', 'stockings', 'tights'] },
  { zh: ['围巾', '披肩', '丝巾'], en: ['scarf', 'scarves', 'shawl'] },
  { zh: ['帽子', '毛线帽', '棒球帽', '渔夫帽'], en: ['hat', 'hats', 'cap', 'caps', 'beanie', 'beanies'] },
  { zh: ['手套'], en: ['gloves', 'glove', 'mittens'] },
  { zh: ['腰带', '皮带'], en: ['belt', 'belts'] },
  { zh: ['领带'], en: ['tie', 'ties'] },
  {
    zh: ['鞋', '鞋子', '运动鞋', '跑鞋', '靴子', '短靴', '凉鞋', '拖鞋', '高跟鞋', '板鞋'],
    en: ['shoes', 'shoe', 'sneakers', 'trainers', 'boots', 'sandals', 'slippers', 'heels'],
  },
  { zh: ['墨镜', '太阳镜', '眼镜'], en: ['sunglasses', 'glasses'] },
  { zh: ['手表', '智能手表'], en: ['watch', 'watches', 'smartwatch', 'smartwatches', 'smart watch'] },
  {
    zh: ['项链', '耳环', '耳钉', '戒指', '手链', '手镯', '首饰'],
    en: ['necklace', 'earrings', 'ring', 'rings', 'bracelet', 'jewelry', 'jewellery'],
  },
  { zh: ['钱包', '卡包'], en: ['wallet', 'wallets', 'purse', 'purses'] },
  { zh: ['双肩包', '背包', '书包'], en: ['backpack', 'backpacks', 'rucksack'] },
  { zh: ['行李箱', '拉杆箱'], en: ['suitcase', 'suitcases', 'luggage'] },
  // beauty and personal care
  { zh: ['香水'], en: ['perfume', 'perfumes', 'fragrance', 'cologne'] },
  { zh: ['眼霜'], en: ['eye cream'] },
  { zh: ['卸妆水', '卸妆油', '卸妆膏', '卸妆'], en: ['makeup remover', 'cleansing oil', 'micellar water'] },
  { zh: ['爽肤水', '化妆水'], en: ['toner', 'toners'] },
  { zh: ['身体乳'], en: ['body lotion'] },
  { zh: ['护手霜'], en: ['hand cream'] },
  { zh: ['洗发水', '洗发露', '护发素'], en: ['shampoo', 'conditioner'] },
  { zh: ['牙膏', '牙刷', '电动牙刷'], en: ['toothpaste', 'toothbrush'] },
  { zh: ['剃须刀'], en: ['razor', 'shaver'] },
  {
    zh: ['眼影', '睫毛膏', '眉笔', '眼线笔', '腮红', '粉饼', '散粉', '遮瑕'],
    en: ['eyeshadow', 'mascara', 'eyeliner', 'blush', 'concealer'],
  },
  { zh: ['指甲油'], en: ['nail polish'] },
  // food
  { zh: ['巧克力'], en: ['chocolate', 'chocolates'] },
  { zh: ['饼干', '薯片', '糖果'], en: ['biscuits', 'cookies', 'crisps', 'chips', 'candy', 'sweets'] },
  { zh: ['茶叶', '咖啡'], en: ['tea', 'coffee'] },
  { zh: ['红酒', '白酒', '啤酒', '葡萄酒'], en: ['wine', 'beer', 'liquor'] },
  { zh: ['蜂蜜'], en: ['honey'] },
  { zh: ['保健品', '维生素片', '鱼油'], en: ['supplements', 'vitamins', 'fish oil'] },
  // baby, home, electronics, pets
  { zh: ['奶瓶', '奶嘴'], en: ['baby bottle', 'baby bottles', 'pacifier'] },
  { zh: ['婴儿车', '推车', '安全座椅'], en: ['stroller', 'pram', 'car seat'] },
  { zh: ['玩具'], en: ['toys', 'toy'] },
  { zh: ['床单', '被套', '枕头', '毛巾'], en: ['bedding', 'sheets', 'pillow', 'pillows', 'towel', 'towels'] },
  {
    zh: ['手机壳', '手机', '耳机', '充电宝', '电脑', '音箱', '平板'],
    en: [
      'phone case',
      'phone cases',
      'phone',
      'earphones',
      'headphones',
      'earbuds',
      'earbud',
      'headset',
      'speaker',
      'speakers',
      'power bank',
      'laptop',
    ],
  },
  { zh: ['吹风机', '卷发棒', '直发夹'], en: ['hair dryer', 'hairdryer', 'curling iron', 'straightener'] },
  { zh: ['猫粮', '狗粮'], en: ['cat food', 'dog food', 'pet food'] },
];

/**
 * Allergens and sensitivities shoppers name, each with the words a product's material, ingredients
 * or allergy notes may use for it ("坚果" is in 腰果仁, 核桃仁; "酒精" is 乙醇 on a label).
 */
export interface Allergen {
  /** How the bot names it. */
  zh: string;
  en: string;
  /** Words in the shopper's message that name it (Chinese, or English in lower case). */
  asked: RegExp;
  /** Words on a product's label that mean it is in the product. */
  label: RegExp;
  /**
   * Label words that may hold it without naming it ("合金" hardware may hold nickel): with one of
   * them listed, its absence from the label proves nothing, so the bot must not reassure.
   */
  mayHide?: RegExp;
  /** Named by the shopper in their own words and not in this list ("芒果", "积雪草"). */
  unlisted?: boolean;
}

export const ALLERGENS: Allergen[] = [
  { zh: '羊毛', en: 'wool', asked: /羊毛|羊绒|\bwool(?:len)?\b|\bcashmere\b/, label: /羊毛|羊绒/ },
  { zh: '乳胶', en: 'latex', asked: /乳胶|\blatex\b/, label: /乳胶/ },
  {
    zh: '镍（金属）',
    en: 'nickel (metal)',
    asked: /镍|金属|\bnickel\b|\bmetals?\b/,
    label: /镍/,
    mayHide: /合金|五金|金属|镀|不锈钢|拉链|纽扣|扣子|\balloy\b|\bmetal\b|\bhardware\b|\bplated\b/,
  },
  { zh: '皮革', en: 'leather', asked: /皮革|真皮|牛皮|\bleather\b/, label: /皮革|真皮|牛皮|羊皮/ },
  {
    zh: '化纤',
    en: 'synthetic fibres',
    asked: /化纤|涤纶|聚酯|\bpolyester\b|\bsynthetic\b/,
    label: /涤纶|聚酯|锦纶|氨纶|粘胶/,
  },
  { zh: '香精', en: 'fragrance', asked: /香精|香料|\bfragrance\b|\bperfume\b/, label: /香精|香料|香氛/ },
  { zh: '酒精', en: 'alcohol', asked: /酒精|乙醇|\balcohol\b/, label: /酒精|乙醇/ },
  { zh: '花生', en: 'peanuts', asked: /花生|\bpeanuts?\b/, label: /花生/ },
  {
    zh: '坚果',
    en: 'nuts',
    asked: /坚果|\bnuts?\b|\btree nuts?\b/,
    label: /坚果|腰果|巴旦木|杏仁|核桃|榛子|开心果|夏威夷果/,
  },
  { zh: '芝麻', en: 'sesame', asked: /芝麻|\bsesame\b/, label: /芝麻/ },
  { zh: '大豆', en: 'soy', asked: /大豆|黄豆|豆制品|\bsoy(?:a|bean)?\b/, label: /大豆|黄豆|豆制品/ },
  {
    zh: '小麦（麸质）',
    en: 'wheat (gluten)',
    asked: /小麦|麸质|面筋|\bwheat\b|\bgluten\b/,
    label: /小麦|麸质/,
  },
  {
    zh: '乳制品',
    en: 'dairy',
    asked: /牛奶|乳制品|乳糖|奶制品|\bmilk\b|\bdairy\b|\blactose\b/,
    label: /乳|牛奶|奶粉|乳清/,
  },
  { zh: '鸡蛋', en: 'eggs', asked: /鸡蛋|蛋类|\beggs?\b/, label: /鸡蛋|蛋黄|蛋白粉/ },
  { zh: '海鲜', en: 'seafood', asked: /海鲜|鱼虾|\bseafood\b|\bshellfish\b/, label: /鱼|虾|蟹|贝/ },
  { zh: '燕麦', en: 'oats', asked: /燕麦|\boats?\b/, label: /燕麦/ },
  { zh: '橄榄', en: 'olive', asked: /橄榄|\bolives?\b/, label: /橄榄/ },
  { zh: '菊科植物', en: 'daisy-family plants', asked: /菊科|菊花|\bchamomile\b/, label: /菊科|菊/ },
  { zh: '云母', en: 'mica', asked: /云母|\bmica\b/, label: /云母/ },
  { zh: '色素', en: 'colourants', asked: /色素|\bdyes?\b|\bcolou?rants?\b/, label: /色素|CI \d/ },
  {
    zh: '防腐剂',
    en: 'preservatives',
    asked: /防腐剂|羟苯|\bparabens?\b|\bpreservatives?\b/,
    label: /防腐剂|羟苯/,
  },
  { zh: '烟酰胺', en: 'niacinamide', asked: /烟酰胺|\bniacinamide\b/, label: /烟酰胺/ },
];

/** Colours shoppers ask for, Chinese and English; "色号" and "颜色" ask for colours in general. */
export const ASKS_COLOUR =
  /颜色|色号|色系|配色|什么色|几个色|几种色|别的色|其他色|(?:黑|白|红|蓝|绿|灰|粉|紫|黄|棕|咖啡|米|杏|卡其|藏青|酒红|豆沙|奶白|驼|焦糖|裸|橘|橙|巧克力|香槟|玫红|玫瑰|军绿|墨绿|宝蓝|天蓝|雾霾蓝|奶茶|燕麦|姜黄|枣红|砖红|珊瑚|薄荷|橄榄|金|银|青|墨|肤|透明)色|(?:深|浅)(?:蓝|灰|绿|棕|咖|紫|粉|黄)|\bcolou?rs?\b|\bshades?\b|\b(?:black|white|red|blue|navy|green|grey|gray|pink|purple|yellow|brown|beige|camel|khaki|orange|nude)\b/;

/** Attribute keys a merchant may keep colours or shades under. */
export const COLOUR_KEYS = ['colors', 'colours', 'color', 'colour', 'shades', 'shade', '颜色', '色号'];

/**
 * Men named as such beside goods asked for ("有男士面霜吗", "skincare for men"): the sex words only;
 * `ASKS_MEN` below also hears kin and partners (老公, my dad) and "unisex".
 */
export const MEN_SAID =
  /男士|男生|男性|男人|男的|男款|男装|\bmen'?s?\b|\bguys?\b|\bmales?\b|\bdudes?\b|\bblokes?\b|\bfellas?\b|\bgents\b/;

/**
 * Asking whether something is for, or fine for, men: "男士的", "男生能用吗", "for men", "unisex" —
 * and in everyday English slang ("can dudes use the mask", "blokes").
 */
export const ASKS_MEN =
  /男士|男生|男的|男人|男性|男款|男友|老公|男朋友|爸爸|我爸|老爸|父亲|爷爷|外公|\bdad\b|\bfather\b|\bgrandpa\b|\bgrandfather\b|\bmen'?s?\b|\bmale\b|\bguys?\b|\bdudes?\b|\bblokes?\b|\bfellas?\b|\bgents\b|\bhusband\b|\bboyfriend\b|\bunisex\b|\bfor him\b/;

// Kin who are men ("爷爷", "my dad") name who uses it; with food, a baby's goods or a child's age in
// the question ("爷爷能吃这个牛肉干吗", "can my dad use the diapers for my baby son") that use is the
// question, not whether the thing is made for men.
const KIN_MEN = /爸爸|我爸|老爸|父亲|爷爷|外公|\bdad\b|\bfather\b|\bgrandpa\b|\bgrandfather\b/g;
const OTHER_USE =
  /吃|喝|婴儿|宝宝|孙|孩子|儿子|女儿|洗澡|奶粉|尿不湿|纸尿裤|\b(?:baby|babies|son|daughter|grandson|granddaughter|kids?|child|toddler|years? old|months? old|eat|drink|formula|diapers?)\b/;

// A kin word alone says who will use the thing; it asks "is it for men?" only with a suitability
// word ("适合送我爸吗", "can my dad use it", "a gift for my father"). "my dad wants the jerky, is it
// very spicy?" asks how spicy, not whether jerky is made for men.
const KIN_SUITABILITY =
  /适合|合适|能用|可以用|用得|能穿|可以穿|穿得|送给?|\bsuits?\b|\bsuitable\b|\b(?:ok|okay|good|fine|right)\s+for\b|\bfor (?:my |your |his |her |a )?(?:dad|father|grandpa|grandfather)\b|\b(?:dad|father|grandpa|grandfather) (?:can |could )?(?:use|wear)\b/;

/**
 * `ASKS_MEN`. A kin word alone counts only when the question is whether it suits him, and never
 * when another use is asked (food, a baby's goods, a child's age).
 */
/**
 * The staff addressed as a group ("fellas, is the sunscreen waterproof", "hey guys how much is it",
 * "thanks guys"): a greeting or a thanks, not goods for men. At the start (after a greeting word)
 * before the question's first word, or after a greeting or thanks at the end.
 */
const MEN_ADDRESSED =
  /^\s*(?:(?:hey|hi|hello|yo|ok|okay|so|morning|thanks|thank you)\s+)?(?:guys|dudes|blokes|fellas|gents|lads)\s+(?=(?:is|are|do|does|did|can|could|would|will|how|what|where|when|which|why|who|any|i|im|we|my|you|your|please|pls|quick|just)\b)|\b(?:thanks|thank you|thx|cheers|hey|hi|hello|bye)\s+(?:guys|dudes|blokes|fellas|gents|lads)\s*$/;
/** The text with a group of staff addressed taken out (`MEN_ADDRESSED`). */
export function withoutMenAddressed(plain: string): string {
  return plain.replace(MEN_ADDRESSED, ' ');
}

export function asksMen(said: string): boolean {
  const plain = withoutMenAddressed(said);
  if (!ASKS_MEN.test(plain)) return false;
  if (ASKS_MEN.test(plain.replace(KIN_MEN, ' '))) return true;
  return !OTHER_USE.test(plain) && KIN_SUITABILITY.test(plain);
}
