/**
 * A deterministic livestream room for tests, benchmarks and demos: a seeded stream of comments
 * from many viewers, with filler, chat, a background of everyday questions, a few complaints, and
 * two questions that surge at known times. Each comment carries the truth it was generated from,
 * so a test can count what the room should show. Same options, same room, on every machine.
 */

export type SimulatedTruth =
  | 'filler'
  | 'chat'
  | 'coupon'
  | 'sizing'
  | 'shipping_time'
  | 'shipping_fee'
  | 'invoice'
  | 'points'
  | 'logistics'
  | 'shelf_life'
  | 'care'
  | 'escalation'
  | 'unmatched';

export interface SimulatedComment {
  id: string;
  viewerId: string;
  nickname: string;
  text: string;
  /** Unix ms. */
  at: number;
  truth: SimulatedTruth;
}

export interface SimulatedShelf {
  at: number;
  segment: string;
  productIds: string[];
}

export interface SimulatedRoom {
  roomId: string;
  start: number;
  end: number;
  viewers: number;
  comments: SimulatedComment[];
  /** The connector's shelf pushes, in time order (the first at the start). */
  shelf: SimulatedShelf[];
  /** When each surging question starts to surge (Unix ms). */
  surges: { coupon: number; sizing: number };
}

export interface SimulatedRoomOptions {
  seed?: number;
  roomId?: string;
  start?: number;
  durationSec?: number;
  comments?: number;
  viewers?: number;
  couponAtSec?: number;
  sizingAtSec?: number;
  /** When the dress replaces the cream on the shelf. */
  dressAtSec?: number;
  /** How long a surge lasts. */
  surgeSec?: number;
}

const TEXTS: Record<SimulatedTruth, string[]> = {
  filler: [
    '扣1',
    '1',
    '111',
    '666',
    '6666',
    '来了',
    '来了来了',
    '哈哈哈',
    '哈哈哈哈哈',
    '😍',
    '😍😍😍',
    '🔥🔥',
    '👍👍',
    '冲冲冲',
    '扣1扣1',
    '8888',
    '好好好',
    '来啦',
    '打卡',
    '❤️',
  ],
  chat: [
    '衣服好好看',
    '已经拍了',
    '主播今天状态真好',
    '第一次来',
    '这个颜色好看',
    '买了买了',
    '主播声音好好听',
    '刚下单了',
    '终于抢到了',
    '质量很好 回购了',
    '上次买的很好用',
  ],
  coupon: ['优惠券怎么用', '优惠券怎么领啊', '直播间的券怎么领', '券怎么领'],
  sizing: ['160穿什么码', '我160 50kg穿什么码', '腰围70穿几码'],
  shipping_time: ['什么时候发货', '几号发货', '下单多久发货'],
  shipping_fee: ['包邮吗', '发什么快递', '能发顺丰吗'],
  invoice: ['怎么开发票'],
  points: ['积分怎么用'],
  logistics: ['我的快递到哪了', '怎么查物流'],
  shelf_life: ['这个保质期多久', '保质期多久', '开封后能用多久'],
  care: ['能机洗吗', '怎么洗'],
  escalation: ['发货太慢了 我要投诉', '订单LY2024060112345一直没发货', '收到的衣服是破的 太差了', '转人工'],
  unmatched: ['主播多高', '主播今天几点下播', '这个多少钱'],
};

// How viewers dress the same words up: an address, a particle, punctuation, an emoji.
const QUESTION_PREFIX = ['', '', '', '主播', '主播 ', '宝子们', '家人们', '请问'];
const QUESTION_SUFFIX = ['', '', '？', '??', '呀', '～', '🙏'];
const CHAT_PREFIX = ['', '', '', '主播', '宝子们', '哈哈'];
const CHAT_SUFFIX = ['', '', '呀', '～', '！！', '😍', '🔥🔥'];

const NICK_HEAD = ['小', '阿', '大', '甜', '酷', '懒', '胖', '萌', '乖', '暖'];
const NICK_TAIL = ['鹿', '猫', '橙', '鱼', '熊', '桃', '星', '米', '豆', '羊', '柚', '兔', '虾', '栗'];

/** mulberry32: a small, fast, seedable PRNG (deterministic across platforms). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds the room (200,000 comments from 30,000 viewers over 10 minutes by default). */
export function simulateRoom(options: SimulatedRoomOptions = {}): SimulatedRoom {
  const random = prng(options.seed ?? 16);
  const start = options.start ?? Date.UTC(2026, 4, 1, 12, 0, 0);
  const durationMs = (options.durationSec ?? 600) * 1000;
  const total = options.comments ?? 200_000;
  const viewerCount = Math.min(options.viewers ?? 30_000, total);
  const surgeMs = (options.surgeSec ?? 120) * 1000;
  const couponAt = start + (options.couponAtSec ?? 180) * 1000;
  const sizingAt = start + (options.sizingAtSec ?? 360) * 1000;
  const dressAt = start + (options.dressAtSec ?? 330) * 1000;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

  const viewers = Array.from({ length: viewerCount }, (_, i) => ({
    id: `dy_${i.toString(36).padStart(5, '0')}`,
    nickname: `${NICK_HEAD[i % NICK_HEAD.length]}${NICK_TAIL[Math.floor(i / NICK_HEAD.length) % NICK_TAIL.length]}${i % 7 === 0 ? '' : String(i % 997)}`,
  }));
  // A few viewers talk a lot, most say little (Zipf-like): cumulative weights for sampling.
  const cumulative = new Float64Array(viewerCount);
  let sum = 0;
  for (let i = 0; i < viewerCount; i++) {
    sum += 1 / (i + 1) ** 0.7;
    cumulative[i] = sum;
  }
  const weightedViewer = () => {
    const target = random() * sum;
    let lo = 0;
    let hi = viewerCount - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return viewers[lo]!;
  };

  const times = Array.from({ length: total }, () => start + Math.floor(random() * durationMs)).sort(
    (a, b) => a - b,
  );
  // Every viewer speaks at least once, at a random moment; the rest of the comments follow the weights.
  const firstOf = new Map<number, number>();
  const slots = Array.from({ length: total }, (_, i) => i);
  for (let v = 0; v < viewerCount; v++) {
    const j = v + Math.floor(random() * (total - v));
    [slots[v], slots[j]] = [slots[j]!, slots[v]!];
    firstOf.set(slots[v]!, v);
  }

  const comments: SimulatedComment[] = new Array(total);
  for (let i = 0; i < total; i++) {
    const at = times[i]!;
    const viewerIndex = firstOf.get(i);
    const viewer = viewerIndex === undefined ? weightedViewer() : viewers[viewerIndex]!;
    const truth = truthAt(at, random, { couponAt, sizingAt, dressAt, surgeMs });
    const questionLike = truth !== 'filler' && truth !== 'chat';
    const text = `${pick(questionLike ? QUESTION_PREFIX : CHAT_PREFIX)}${pick(TEXTS[truth])}${pick(questionLike ? QUESTION_SUFFIX : CHAT_SUFFIX)}`;
    comments[i] = {
      id: `c${String(i + 1).padStart(7, '0')}`,
      viewerId: viewer.id,
      nickname: viewer.nickname,
      text,
      at,
      truth,
    };
  }
  return {
    roomId: options.roomId ?? '7301234567890',
    start,
    end: start + durationMs,
    viewers: viewerCount,
    comments,
    shelf: [
      { at: start, segment: '玻尿酸面霜讲解', productIds: ['p-hyaluronic-cream'] },
      { at: dressAt, segment: '碎花连衣裙讲解', productIds: ['p-floral-dress'] },
    ],
    surges: { coupon: couponAt, sizing: sizingAt },
  };
}

/** What a comment is about, by the room's moment: the mix shifts during surges and with the shelf. */
function truthAt(
  at: number,
  random: () => number,
  when: { couponAt: number; sizingAt: number; dressAt: number; surgeMs: number },
): SimulatedTruth {
  const dress = at >= when.dressAt;
  const couponSurge = at >= when.couponAt && at < when.couponAt + when.surgeMs;
  const sizingSurge = at >= when.sizingAt && at < when.sizingAt + when.surgeMs;
  const weights: [SimulatedTruth, number][] = [
    ['filler', 0.48],
    ['chat', 0.2],
    // Six everyday questions asked about as often as each other: none stands out.
    ['shipping_time', 0.03],
    ['shipping_fee', 0.03],
    ['invoice', 0.03],
    ['points', 0.03],
    ['logistics', 0.03],
    [dress ? 'care' : 'shelf_life', 0.03],
    ['escalation', 0.001],
    ['unmatched', 0.03],
    ['coupon', couponSurge ? 0.45 : at >= when.couponAt ? 0.01 : 0.002],
    ['sizing', sizingSurge ? 0.45 : dress && at >= when.sizingAt ? 0.01 : 0],
  ];
  const totalWeight = weights.reduce((s, [, w]) => s + w, 0);
  let r = random() * totalWeight;
  for (const [truth, weight] of weights) {
    r -= weight;
    if (r < 0) return truth;
  }
  return 'filler';
}

/**
 * How a connector sends the room: it flushes what it read every `flushMs` (and whenever it holds
 * `maxItems`), posting each batch at its flush time.
 */
export function connectorBatches(
  comments: readonly SimulatedComment[],
  options: { flushMs?: number; maxItems?: number } = {},
): { postAt: number; items: SimulatedComment[] }[] {
  const flushMs = options.flushMs ?? 1000;
  const maxItems = options.maxItems ?? 1000;
  const batches: { postAt: number; items: SimulatedComment[] }[] = [];
  let current: SimulatedComment[] = [];
  let flushAt = -1;
  for (const comment of comments) {
    if (flushAt < 0) flushAt = (Math.floor(comment.at / flushMs) + 1) * flushMs;
    if (comment.at >= flushAt) {
      if (current.length > 0) batches.push({ postAt: flushAt, items: current });
      current = [];
      flushAt = (Math.floor(comment.at / flushMs) + 1) * flushMs;
    }
    current.push(comment);
    if (current.length === maxItems) {
      batches.push({ postAt: comment.at, items: current });
      current = [];
    }
  }
  if (current.length > 0) batches.push({ postAt: flushAt, items: current });
  return batches;
}

/** A comment as the connector posts it (the truth stays behind). */
export const toBatchItem = (c: SimulatedComment) => ({
  id: c.id,
  viewerId: c.viewerId,
  nickname: c.nickname,
  text: c.text,
  at: c.at,
});
