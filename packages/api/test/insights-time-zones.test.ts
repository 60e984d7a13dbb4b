import { describe, expect, it } from 'vitest';
import {
  cachedZoneCount,
  canonicalTimeZone,
  localDate,
  localMidnight,
  MAX_CACHED_ZONES,
  periodsOf,
} from '../src/insights/periods';
import { ianaRenames } from '../src/platform/time-zones';

const DAY = 24 * 3600_000;
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('the time-zone formatter cache', () => {
  it('keys by the canonical zone: 1,000 spellings of one zone make one entry, and answers echo the canonical name', () => {
    const zone = 'asia/shanghai';
    const canonical = canonicalTimeZone(zone);
    expect(canonical).toBe('Asia/Shanghai');
    const before = cachedZoneCount();
    const letters = [...zone].flatMap((c, j) => (/[a-z]/.test(c) ? [j] : []));
    const spellings = new Set<string>();
    for (let i = 1; i <= 1000; i++) {
      const chars = [...zone];
      letters.forEach((j, bit) => {
        if ((i >> bit) & 1) chars[j] = chars[j]!.toUpperCase();
      });
      spellings.add(chars.join(''));
    }
    expect(spellings.size).toBe(1000);
    for (const spelling of spellings) {
      expect(
        periodsOf({ period: 'all', since: '2026-01-01', until: '2026-01-31' }, spelling, 0).timeZone,
      ).toBe(canonical);
    }
    expect(before).toBe(1);
    expect(cachedZoneCount()).toBe(1);
  });

  it('stays bounded however many real zones are asked for', () => {
    for (const zone of Intl.supportedValuesOf('timeZone')) localDate(0, zone);
    expect(cachedZoneCount()).toBeLessThanOrEqual(MAX_CACHED_ZONES);
  });

  it('refuses a zone the runtime does not know with a 400-kind error', () => {
    expect(() => periodsOf({}, 'Mars/Olympus_Mons', 0)).toThrow(/Unknown time zone/);
  });
});

describe('local midnight in every zone the runtime knows', () => {
  it('begins 6 September 2026 in Santiago at 01:00 local (04:00Z): the clocks jump at midnight', () => {
    const zone = 'America/Santiago';
    const at = localMidnight(2026, 9, 6, zone);
    expect(new Date(at).toISOString()).toBe('2026-09-06T04:00:00.000Z');
    expect(localDate(at, zone)).toBe('2026-09-06');
    expect(localDate(at - 1, zone)).toBe('2026-09-05');
  });

  it('holds in every zone on every date around its 2026 clock changes, and on a weekly sample of the rest', () => {
    const zones = Intl.supportedValuesOf('timeZone');
    expect(zones.length).toBeGreaterThan(300);
    const start = Date.UTC(2026, 0, 1);
    const starts = new Map<string, number>();
    const offsetOn = (zone: string, day: number) => {
      const key = `${zone} ${day}`;
      if (!starts.has(key)) starts.set(key, localMidnight(2026, 1, 1 + day, zone) - (start + day * DAY));
      return starts.get(key)!;
    };
    const wrong: string[] = [];
    let checked = 0;
    const check = (zone: string, day: number) => {
      const date = dateOf(start + day * DAY);
      const at = localMidnight(2026, 1, 1 + day, zone);
      checked++;
      if (localDate(at, zone) !== date || localDate(at - 1, zone) !== dateOf(start + (day - 1) * DAY))
        wrong.push(`${zone} ${date}`);
    };
    // Every date of the year where clocks change at midnight (the zones the bug was about).
    const midnightZones = [
      'America/Santiago',
      'America/Havana',
      'Asia/Beirut',
      'Africa/Cairo',
      'America/Asuncion',
    ];
    for (const zone of midnightZones) for (let day = 0; day < 365; day++) check(zone, day);
    for (const zone of zones) {
      // Where the day's start moves (a clock change), found by probing every 8 days and bisecting.
      const changes = new Set<number>();
      const bisect = (lo: number, hi: number) => {
        if (offsetOn(zone, lo) === offsetOn(zone, hi)) return;
        if (hi - lo <= 1) return void changes.add(hi);
        const mid = (lo + hi) >> 1;
        bisect(lo, mid);
        bisect(mid, hi);
      };
      for (let day = 0; day < 365; day += 8) bisect(day, Math.min(day + 8, 365));
      const days = new Set<number>();
      for (const day of changes) for (let d = day - 2; d <= day + 2; d++) if (d >= 0 && d < 365) days.add(d);
      for (let day = zones.indexOf(zone) % 7; day < 365; day += 7) days.add(day);
      for (const day of days) check(zone, day);
    }
    expect(checked).toBeGreaterThan(zones.length * 52);
    expect(wrong).toEqual([]);
  }, 120_000);

  it('gives every day of the year in Havana, Beirut and Cairo its own 24 h less or more one switch', () => {
    for (const zone of ['America/Havana', 'Asia/Beirut', 'Africa/Cairo', 'America/Santiago']) {
      const periods = periodsOf({ period: 'day', since: '2026-01-01', until: '2026-12-31' }, zone, 0);
      const lengths = periods.bounds.slice(1).map((b, i) => (b - periods.bounds[i]!) / 3600_000);
      expect(lengths.filter((h) => h !== 24).sort()).toEqual([23, 25]);
    }
  });
});

describe('zone names a merchant recognises', () => {
  it("answers IANA's names, not the old ids Node 20's ICU resolves to (Kyiv, Kolkata, Ho Chi Minh…)", () => {
    expect(canonicalTimeZone('Europe/Kyiv')).toBe('Europe/Kyiv');
    expect(canonicalTimeZone('europe/kiev')).toBe('Europe/Kyiv');
    expect(canonicalTimeZone('ASIA/KOLKATA')).toBe('Asia/Kolkata');
    expect(canonicalTimeZone('Asia/Ho_Chi_Minh')).toBe('Asia/Ho_Chi_Minh');
    const runtimeId = (zone: string) =>
      new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
    for (const [old, name] of Object.entries(ianaRenames())) {
      // The same zone for the runtime (so the figures are the same), under the name IANA uses now.
      expect(runtimeId(name)).toBe(runtimeId(old));
      expect(canonicalTimeZone(old)).toBe(name);
      expect(canonicalTimeZone(name.toLowerCase())).toBe(name);
    }
  });
});
