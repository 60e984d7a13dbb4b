import { describe, expect, it } from 'vitest';
import { toCsv } from '../src/insights/csv';
import { localDate, localMidnight, periodIndex, periodsOf } from '../src/insights/periods';
import { redactShopperText } from '../src/insights/redact';
import {
  benjaminiHochberg,
  fisherGreaterP,
  hypergeometricUpperTail,
  isRising,
  risingAmong,
  twoProportionZ,
} from '../src/insights/significance';

describe('rising: a significance test, never a raw ratio', () => {
  it('does not call tiny counts a trend, however large the ratio', () => {
    // 1 → 3 contacts is "3×" but means nothing; neither does 0 → 4.
    expect(isRising(3, 40, 1, 40)).toBe(false);
    expect(isRising(4, 10, 0, 10)).toBe(false);
  });

  it('does not call tiny totals rising (the z-test did: 5 of 5 against 0 of 1 gave z = 2.45)', () => {
    expect(fisherGreaterP(5, 5, 0, 1)).toBeCloseTo(1 / 6, 10);
    expect(fisherGreaterP(5, 5, 3, 10)).toBeCloseTo(120 / 6435, 10);
    expect(isRising(5, 5, 0, 1)).toBe(false);
    expect(isRising(5, 5, 3, 10)).toBe(false);
    // An empty previous period goes through the same exact test: no earlier share, p = 1.
    expect(fisherGreaterP(200, 400, 0, 0)).toBe(1);
    expect(isRising(200, 400, 0, 0)).toBe(false);
    expect(isRising(8, 8, 0, 2)).toBe(false); // p = 1/45
    // A surge after a period without the intent is rising: 30 of 60 against 0 of 60.
    expect(isRising(30, 60, 0, 60)).toBe(true);
    // Large totals stay exact and finite.
    expect(fisherGreaterP(30_000, 1_000_000, 29_000, 1_000_000)).toBeLessThan(1e-4);
    expect(fisherGreaterP(30_000, 1_000_000, 30_000, 1_000_000)).toBeGreaterThan(0.4);
  });

  it('flags about 1 % or fewer of intents on stationary traffic (20 intents × 5 channels × 50 periods)', () => {
    let seed = 14;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const shares = Array.from({ length: 20 }, (_, i) => 1 / (i + 2));
    const sum = shares.reduce((a, b) => a + b, 0);
    const draw = (total: number) => {
      const counts = new Array<number>(20).fill(0);
      for (let n = 0; n < total; n++) {
        let u = random() * sum;
        let i = 0;
        while (i < 19 && u >= shares[i]!) u -= shares[i++]!;
        counts[i]! += 1;
      }
      return counts;
    };
    let tests = 0;
    let rising = 0;
    for (let channel = 0; channel < 5; channel++) {
      const total = [15, 40, 120, 300, 800][channel]!;
      let previous = draw(total);
      for (let period = 0; period < 50; period++) {
        const recent = draw(total);
        for (let i = 0; i < 20; i++) {
          tests += 1;
          if (isRising(recent[i]!, total, previous[i]!, total)) rising += 1;
        }
        previous = recent;
      }
    }
    expect(tests).toBe(5000);
    expect(rising / tests).toBeLessThanOrEqual(0.01);
  });

  it('calls a real surge rising', () => {
    // 20 of 100 contacts this week against 5 of 100 last week.
    expect(twoProportionZ(20, 100, 5, 100)).toBeGreaterThan(3);
    expect(isRising(20, 100, 5, 100)).toBe(true);
    expect(isRising(7, 1000, 0, 1000)).toBe(true); // p ≈ 1/128
  });

  it('does not call a growing share rising when the sample is too small to tell', () => {
    // 6 of 20 (30%) against 3 of 20 (15%): z ≈ 1.13.
    expect(isRising(6, 20, 3, 20)).toBe(false);
    // The same share on a busy shop's volumes is a trend.
    expect(isRising(300, 1000, 150, 1000)).toBe(true);
  });

  it('computes the exact hypergeometric tail', () => {
    // 2 of 2 recent among 4 draws of which 2 are recent: C(2,2)·C(2,0)/C(4,2) = 1/6.
    expect(fisherGreaterP(2, 2, 0, 2)).toBeCloseTo(1 / 6, 10);
    expect(fisherGreaterP(0, 10, 0, 10)).toBe(1);
    expect(fisherGreaterP(1, 2, 1, 2)).toBeCloseTo(5 / 6, 10);
    expect(fisherGreaterP(600, 1000, 400, 1000)).toBeLessThan(1e-9);
  });

  it('matches the exact tail in rationals for every small table', () => {
    const choose = (n: number, k: number): bigint => {
      if (k < 0 || k > n) return 0n;
      let c = 1n;
      for (let i = 1; i <= k; i++) c = (c * BigInt(n - k + i)) / BigInt(i);
      return c;
    };
    let checked = 0;
    for (let recentTotal = 0; recentTotal <= 9; recentTotal++)
      for (let previousTotal = 0; previousTotal <= 9; previousTotal++)
        for (let recent = 0; recent <= recentTotal; recent++)
          for (let previous = 0; previous <= previousTotal; previous++) {
            const s = recent + previous;
            const f = recentTotal + previousTotal - s;
            let tail = 0n;
            for (let k = recent; k <= Math.min(s, recentTotal); k++)
              tail += choose(s, k) * choose(f, recentTotal - k);
            const exact = Number(tail) / Number(choose(s + f, recentTotal));
            expect(
              Math.abs(fisherGreaterP(recent, recentTotal, previous, previousTotal) - exact),
            ).toBeLessThan(1e-12);
            checked++;
          }
    expect(checked).toBe(3025);
  });

  it('sums a bounded number of terms however many contacts (the event loop is not held for seconds)', () => {
    // Before: every k from `recent` to the top, 1,000,000 terms (4 s) for an intent of a million.
    for (const [recent, recentTotal, previous, previousTotal, p] of [
      [1_000_000, 5_000_000, 1_000_000, 5_000_000, 0.5],
      [30_000_000, 100_000_000, 30_000_000, 100_000_000, 0.5],
      [29_000, 1_000_000, 30_000, 1_000_000, 1],
    ] as const) {
      const tail = hypergeometricUpperTail(recent, recentTotal, previous, previousTotal);
      expect(tail.p).toBeCloseTo(p, 1);
      expect(tail.terms).toBeLessThan(50_000);
    }
    const surge = hypergeometricUpperTail(200_000, 1_000_000, 150_000, 1_000_000);
    expect(surge.p).toBe(0);
    expect(surge.terms).toBeLessThan(10);
    // The far lower side: P(X ≥ 1) when almost nothing is expected is still exact.
    expect(fisherGreaterP(1, 1_000_000, 0, 1_000_000)).toBeCloseTo(0.5, 6);
  });
});

describe('rising among many intents: Benjamini–Hochberg', () => {
  it('rejects the step-up set', () => {
    // m = 5, q = 0.05: thresholds 0.01, 0.02, 0.03, 0.04, 0.05; sorted p 0.001, 0.012, 0.025, 0.04,
    // 0.5: the largest p(k) ≤ k/m·q is k = 4 (0.04), so 0.012 passes with it though 0.012 > 0.01.
    expect(benjaminiHochberg([0.04, 0.001, 0.5, 0.025, 0.012], 0.05)).toEqual([
      true,
      true,
      false,
      true,
      true,
    ]);
    expect(benjaminiHochberg([0.045, 0.001, 0.5, 0.025, 0.012], 0.05)).toEqual([
      false,
      true,
      false,
      true,
      true,
    ]);
    expect(benjaminiHochberg([0.02, 0.03], 0.01)).toEqual([false, false]);
    expect(benjaminiHochberg([], 0.01)).toEqual([]);
  });

  it('keeps a real surge among 20 intents, and drops a borderline one the family cannot carry', () => {
    const steady = Array.from({ length: 19 }, () => ({ recent: 20, previous: 20 }));
    const [surge] = risingAmong([{ recent: 60, previous: 20 }, ...steady], 1000, 1000);
    expect(surge!.rising).toBe(true);
    // p ≈ 0.006 alone is "rising", but not as the best of 20 tests (needs p ≤ 0.01/20).
    const borderline = { recent: 16, previous: 4 };
    expect(fisherGreaterP(16, 400, 4, 400)).toBeLessThan(0.01);
    expect(isRising(16, 400, 4, 400)).toBe(true);
    expect(risingAmong([borderline, ...steady], 400, 400)[0]!.rising).toBe(false);
  });

  it('flags at most about 1 % of scopes on stationary traffic (20 intents × 5 channels × 200 periods)', () => {
    let seed = 41;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const shares = Array.from({ length: 20 }, (_, i) => 1 / (i + 2));
    const sum = shares.reduce((a, b) => a + b, 0);
    const draw = (total: number) => {
      const counts = new Array<number>(20).fill(0);
      for (let n = 0; n < total; n++) {
        let u = random() * sum;
        let i = 0;
        while (i < 19 && u >= shares[i]!) u -= shares[i++]!;
        counts[i]! += 1;
      }
      return counts;
    };
    let scopes = 0;
    let flaggedScopes = 0;
    let flagged = 0;
    for (let channel = 0; channel < 5; channel++) {
      const total = [15, 40, 120, 300, 800][channel]!;
      let previous = draw(total);
      for (let period = 0; period < 200; period++) {
        const recent = draw(total);
        const tests = risingAmong(
          recent.map((r, i) => ({ recent: r, previous: previous[i]! })),
          total,
          total,
        );
        const n = tests.filter((t) => t.rising).length;
        scopes += 1;
        flagged += n;
        if (n > 0) flaggedScopes += 1;
        previous = recent;
      }
    }
    expect(scopes).toBe(1000);
    // Under no change every flag is false, and BH at 1 % bounds the chance of any flag in a scope by
    // 1 % (the exact test is discrete, so less: 4 scopes of 1,000 with this seed, where 20 separate
    // tests at 1 % flag 64).
    expect(flaggedScopes / scopes).toBeLessThanOrEqual(0.01);
    expect(flagged / (scopes * 20)).toBeLessThanOrEqual(0.001);
  });
});

describe('redactShopperText', () => {
  it.each([
    ['临期的还能买吗 我手机13912345678', '临期的还能买吗 我手机[phone]'],
    ['电话+8613912345678谢谢', '电话[phone]谢谢'],
    ['打 139 1234 5678 或 139-1234-5678', '打 [phone] 或 [phone]'],
    ['全角１３９１２３４５６７８', '全角[phone]'],
    ['座机 0755-86013388', '座机 [phone]'],
    ['订单 202611150001 临期能退吗', '订单 [order number] 临期能退吗'],
    ['单号LY20240601123和ly20240601124', '单号[order number]和[order number]'],
    ['身份证 11010519491231002X 可以吗', '身份证 [ID number] 可以吗'],
    ['卡号 4242 4242 4242 4242 扣款了', '卡号 [card] 扣款了'],
    ['发到 amy.li@example.com.cn 吧', '发到 [email] 吧'],
    ['看这个 https://shop.example.com/o/123?x=1 ，怎么回事', '看这个 [link] ，怎么回事'],
    ['会员号 8812345 积分', '会员号 [number] 积分'],
    ['保质期多久', '保质期多久'],
    ['买 2 件 50ml 的', '买 2 件 50ml 的'],
    // Digits however written: ideographic spaces, _, Chinese numerals (also mixed, 幺, 壹),
    // mathematical, circled, keycap emoji, Arabic-Indic (RTL), zero-width characters between.
    ['１３９　１２３４　５６７８', '[phone]'],
    ['打139_1234_5678', '打[number]'],
    ['我的手机一三九一二三四五六七八', '我的手机[phone]'],
    ['幺三九 幺二三四 五六七八 打我', '[phone] 打我'],
    ['壹叁玖壹贰叁肆伍陆柒捌', '[phone]'],
    ['139一二三四5678', '[phone]'],
    ['𝟏𝟑𝟗𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖', '[phone]'],
    ['①③⑨①②③④⑤⑥⑦⑧', '[phone]'],
    ['1️⃣3️⃣9️⃣1️⃣2️⃣3️⃣4️⃣5️⃣6️⃣7️⃣8️⃣', '[phone]'],
    ['رقمي ٠١٣٩١٢٣٤٥٦٧٨ شكرا', 'رقمي [phone] شكرا'],
    ['1\u200b3\u200b9\u200b1\u200b2\u200b3\u200b4\u200b5\u200b6\u200b7\u200b8', '[phone]'],
    ['会员 8\u200d8\u200d1\u200d2\u200d3\u200d4\u200d5', '会员 [number]'],
    // E-mail addresses written to dodge filters.
    ['amy\u200b@example.com', '[email]'],
    ['amy.li@example。com 收到吗', '[email] 收到吗'],
    ['amy.li(at)example(dot)com', '[email]'],
    ['发 amy_li#qq.com', '发 [email]'],
    ['张三@例子.中国', '[email]'],
    // Links without a scheme, messenger handles, names, addresses.
    ['去 evil-shop.cn/x?id=1 买更便宜', '去 [link] 买更便宜'],
    ['加我微信 zhangsan_88 聊', '加我微信 [handle] 聊'],
    ['微信号：zhangsan', '微信号：[handle]'],
    ['vx: amy-li2024', 'vx: [handle]'],
    ['wx：wxid_abc123xyz', 'wx：[handle]'],
    ['WeChat ID: amyli88', 'WeChat ID: [handle]'],
    ['QQ 123456', 'QQ [handle]'],
    ['UK +44 20 7946 0958, US 415-555-0132', 'UK [phone], US [phone]'],
    ['两个号 13912345678 13812345678 都行', '两个号 [phone] [phone] 都行'],
    [`码 ${'1 '.repeat(200)}完`, '码 [number] 完'],
    ['line: amy_88', 'line: [handle]'],
    ['tg 500g 的和 line 2 有货吗', 'tg 500g 的和 line 2 有货吗'],
    ['我叫张伟，快递没到', '我叫[name]，快递没到'],
    ['收件人：李小龙 电话呢', '收件人：[name] 电话呢'],
    ['my name is John Smith and my parcel is late', 'my name is [name] and my parcel is late'],
    ['地址：上海市浦东新区张江路88号3栋1202室，能送吗', '地址：[address]，能送吗'],
    ['送到张江路88号3栋1202室要多久', '送到张江路[address]要多久'],
    ['ship to 221 Baker Street please', 'ship to [address] please'],
    // Ordinary wording stays as written.
    ['👨‍👩‍👧 保质期多久 wechat payment 失败', '👨‍👩‍👧 保质期多久 wechat payment 失败'],
    ['🏳️‍🌈 👩🏽‍💻 ❤️ 好评', '🏳️‍🌈 👩🏽‍💻 ❤️ 好评'],
    ['11月2号到货吗, 双11 一共三件', '11月2号到货吗, 双11 一共三件'],
    ['一二三四 五六 好的', '一二三四 五六 好的'],
    ['微信支付可以吗', '微信支付可以吗'],
    ['本店地址在哪', '本店地址在哪'],
    ['门店地址是哪里', '门店地址是哪里'],
    ['我的地址是北京市朝阳区建国路1号', '我的地址是[address]'],
    ['Node.js 和 v1.2.3', 'Node.js 和 v1.2.3'],
  ])('%s', (input, expected) => {
    expect(redactShopperText(input)).toBe(expected);
  });
});

describe('periods in the app’s time zone', () => {
  it('puts an instant in the local day it belongs to', () => {
    // 2026-10-01 23:30 in Shanghai is 15:30 UTC the same day; 00:30 local is the day before in UTC.
    const midnight = localMidnight(2026, 10, 2, 'Asia/Shanghai');
    expect(new Date(midnight).toISOString()).toBe('2026-10-01T16:00:00.000Z');
    expect(localDate(midnight - 1, 'Asia/Shanghai')).toBe('2026-10-01');
    expect(localDate(midnight, 'Asia/Shanghai')).toBe('2026-10-02');
    const periods = periodsOf(
      { period: 'day', since: '2026-10-01', until: '2026-10-02' },
      'Asia/Shanghai',
      0,
    );
    expect(periodIndex(periods, midnight - 1)).toBe(0);
    expect(periodIndex(periods, midnight)).toBe(1);
    expect(periodIndex(periods, periods.to)).toBe(-1);
  });

  it('keeps days whole across daylight saving (a 23-hour and a 25-hour day)', () => {
    const spring = periodsOf(
      { period: 'day', since: '2026-03-08', until: '2026-03-08' },
      'America/New_York',
      0,
    );
    expect(spring.to - spring.from).toBe(23 * 3600_000);
    const autumn = periodsOf(
      { period: 'day', since: '2026-11-01', until: '2026-11-01' },
      'America/New_York',
      0,
    );
    expect(autumn.to - autumn.from).toBe(25 * 3600_000);
    // Kathmandu is UTC+5:45.
    expect(new Date(localMidnight(2026, 1, 1, 'Asia/Kathmandu')).toISOString()).toBe(
      '2025-12-31T18:15:00.000Z',
    );
  });

  it('widens to ISO weeks (Monday) and calendar months', () => {
    const weeks = periodsOf({ period: 'week', since: '2026-10-01', until: '2026-10-12' }, 'UTC', 0);
    expect(weeks.labels).toEqual(['2026-09-28', '2026-10-05', '2026-10-12']);
    const months = periodsOf({ period: 'month', since: '2026-11-15', until: '2027-01-03' }, 'UTC', 0);
    expect(months.labels).toEqual(['2026-11-01', '2026-12-01', '2027-01-01']);
    expect(new Date(months.to).toISOString()).toBe('2027-02-01T00:00:00.000Z');
  });

  it('defaults to the 30 days up to today, and refuses windows too long to be useful', () => {
    const now = Date.UTC(2026, 9, 31, 12);
    const d = periodsOf({}, 'UTC', now);
    expect(d.labels).toHaveLength(30);
    expect(d.labels.at(-1)).toBe('2026-10-31');
    expect(() => periodsOf({ period: 'day', since: '2020-01-01', until: '2026-01-01' }, 'UTC', now)).toThrow(
      /At most/,
    );
  });
});

describe('CSV for the merchant’s BI', () => {
  it('quotes, flattens and defuses formulas', () => {
    const csv = toCsv([
      { label: '=HYPERLINK("http://x")', n: 3, times: { p50: 1, p90: null }, samples: ['a, b', 'c'] },
      { label: '换货"尺码"', n: 0, extra: '@cmd' },
    ]);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('label,n,times_p50,times_p90,samples,extra');
    expect(lines[1]).toBe(`"'=HYPERLINK(""http://x"")",3,1,,"a, b | c",`);
    expect(lines[2]).toBe(`"换货""尺码""",0,,,,'@cmd`);
  });
});
