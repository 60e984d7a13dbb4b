import { describe, expect, it } from 'vitest';
import { toCsv } from '../src/insights/csv';
import { localDate, localMidnight, periodIndex, periodsOf } from '../src/insights/periods';
import { countGrowthP, isGrowing, isRising, twoProportionZ } from '../src/insights/significance';

describe('rising: a significance test, never a raw ratio', () => {
  it('does not call tiny counts a trend, however large the ratio', () => {
    // 1 → 3 contacts is "3×" but means nothing; neither does 0 → 4.
    expect(isRising(3, 40, 1, 40)).toBe(false);
    expect(isRising(4, 10, 0, 10)).toBe(false);
    expect(isGrowing(4, 0)).toBe(false);
    expect(isGrowing(5, 0)).toBe(false); // p = 1/32 > 0.01
    expect(isGrowing(6, 1)).toBe(false);
  });

  it('calls a real surge rising', () => {
    // 20 of 100 contacts this week against 5 of 100 last week.
    expect(twoProportionZ(20, 100, 5, 100)).toBeGreaterThan(3);
    expect(isRising(20, 100, 5, 100)).toBe(true);
    expect(isGrowing(7, 0)).toBe(true); // p = 1/128
    expect(isGrowing(24, 3)).toBe(true);
  });

  it('does not call a growing share rising when the sample is too small to tell', () => {
    // 6 of 20 (30%) against 3 of 20 (15%): z ≈ 1.13.
    expect(isRising(6, 20, 3, 20)).toBe(false);
    // The same share on a busy shop's volumes is a trend.
    expect(isRising(300, 1000, 150, 1000)).toBe(true);
  });

  it('computes the exact binomial tail', () => {
    expect(countGrowthP(5, 0)).toBeCloseTo(1 / 32, 10);
    expect(countGrowthP(0, 0)).toBe(1);
    expect(countGrowthP(1, 1)).toBeCloseTo(0.75, 10);
    expect(countGrowthP(600, 400)).toBeLessThan(1e-9);
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
