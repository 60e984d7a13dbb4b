import { ApiError } from '../platform/errors';
import { ianaZoneName } from '../platform/time-zones';

export type Period = 'day' | 'week' | 'month' | 'all';

/** Cached formatters, keyed by the zone's canonical name only and bounded (least recently used out). */
const formatters = new Map<string, Intl.DateTimeFormat>();
/** More distinct zones than one process serves; the bound keeps made-up spellings from growing it. */
export const MAX_CACHED_ZONES = 64;

/**
 * A formatter for the zone. IANA names match regardless of case (`asia/SHANGHAI`), so the cache is
 * keyed by `resolvedOptions().timeZone`: spellings of one zone share one entry, and a caller who
 * sends 1,000 variants builds throwaway formatters rather than 1,000 cached ones.
 * Throws RangeError for a zone the runtime does not know.
 */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f) {
    formatters.delete(timeZone); // re-insert: Map order is the LRU order
    formatters.set(timeZone, f);
    return f;
  }
  f = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const canonical = f.resolvedOptions().timeZone;
  const cached = formatters.get(canonical);
  if (cached) return cached;
  formatters.set(canonical, f);
  if (formatters.size > MAX_CACHED_ZONES) formatters.delete(formatters.keys().next().value!);
  return f;
}

/** How many zone formatters are cached (for tests). */
export const cachedZoneCount = () => formatters.size;

/**
 * The canonical IANA name of a zone (`asia/shanghai` → `Asia/Shanghai`, `europe/kiev` →
 * `Europe/Kyiv`), or null when the runtime does not know the zone. Answers echo this name, never
 * the caller's spelling.
 */
export function canonicalTimeZone(timeZone: string): string | null {
  try {
    const resolved = formatterFor(timeZone).resolvedOptions().timeZone;
    return ianaZoneName(resolved);
  } catch {
    return null;
  }
}

/** Whether the runtime knows this IANA zone (e.g. Asia/Shanghai). */
export function isTimeZone(timeZone: string): boolean {
  return canonicalTimeZone(timeZone) !== null;
}

/** The zone's offset from UTC at an instant, in ms (Asia/Shanghai: +8 h). */
function offsetAt(ms: number, timeZone: string): number {
  const parts = Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(
    +parts.year!,
    +parts.month! - 1,
    +parts.day!,
    +parts.hour!,
    +parts.minute!,
    +parts.second!,
  );
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The first instant of a local calendar date in the zone (epoch ms). Usually local 00:00, but in
 * zones whose clocks jump at midnight (America/Santiago, Havana, Asia/Beirut, Africa/Cairo) the
 * day begins at 01:00: two offset iterations give the candidate, and if its local date or the
 * previous millisecond's is wrong, a binary search over the 28 h around the date finds where the
 * local date turns.
 */
export function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day); // not Date.UTC: it maps years 0–99 to 1900–1999
  const guess = utc.getTime();
  let at = guess - offsetAt(guess, timeZone);
  at = guess - offsetAt(at, timeZone);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  // Normalised through the Date, so day 32 of a month is the 1st of the next (callers shift days).
  const target = `${pad(utc.getUTCFullYear(), 4)}-${pad(utc.getUTCMonth() + 1)}-${pad(utc.getUTCDate())}`;
  if (localDate(at, timeZone) === target && localDate(at - 1, timeZone) < target) return at;
  // Offsets lie within −12 h … +14 h: 15 h before the UTC date the local date is still earlier,
  // 13 h after it has arrived. Find the first millisecond whose local date is the target.
  let lo = guess - 15 * 3600_000; // local date < target
  let hi = guess + 13 * 3600_000; // local date ≥ target
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localDate(mid, timeZone) >= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The calendar date (YYYY-MM-DD) of an instant in the zone. */
export function localDate(ms: number, timeZone: string): string {
  const parts = Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}`;
}

const parseDate = (date: string) => {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return { y, m, d };
};
const shift = (date: string, days: number) => {
  const { y, m, d } = parseDate(date);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
};

/** The first date of the period holding `date`: itself, its ISO week's Monday, or the 1st of its month. */
export function periodStartOf(date: string, period: Exclude<Period, 'all'>): string {
  if (period === 'day') return date;
  const { y, m, d } = parseDate(date);
  if (period === 'month') return `${date.slice(0, 7)}-01`;
  const weekday = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7; // Monday = 0
  return shift(date, -weekday);
}

function nextPeriod(date: string, period: Exclude<Period, 'all'>): string {
  if (period === 'day') return shift(date, 1);
  if (period === 'week') return shift(date, 7);
  const { y, m } = parseDate(date);
  return new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
}

export interface Periods {
  timeZone: string;
  period: Period;
  /** Labels: each period's first local date. */
  labels: string[];
  /** Instants (epoch ms) where each period begins, plus where the last ends. */
  bounds: number[];
  from: number;
  to: number;
}

const MAX_PERIODS = 400;

/**
 * The periods (local days, ISO weeks or months in `timeZone`) covering `[since, until]`, both
 * local dates and inclusive, widened to whole periods (`all`: the window itself, as one period).
 * Default: the 30 days up to today.
 */
export function periodsOf(
  query: { period?: Period; since?: string; until?: string },
  timeZone: string,
  now: number,
): Periods {
  const zone = canonicalTimeZone(timeZone);
  if (!zone) throw new ApiError('validation_failed', `Unknown time zone: ${timeZone}`);
  timeZone = zone;
  const period = query.period ?? 'day';
  const until = query.until ?? localDate(now, timeZone);
  const since = query.since ?? shift(until, -29);
  if (since > until) throw new ApiError('validation_failed', '`since` must not be after `until`.');
  const toInstant = (date: string) => {
    const { y, m, d } = parseDate(date);
    return localMidnight(y, m, d, timeZone);
  };
  if (period === 'all') {
    const bounds = [toInstant(since), toInstant(shift(until, 1))];
    return { timeZone, period, labels: [since], bounds, from: bounds[0]!, to: bounds[1]! };
  }
  const labels: string[] = [];
  for (let d = periodStartOf(since, period); d <= until; d = nextPeriod(d, period)) {
    labels.push(d);
    if (labels.length > MAX_PERIODS)
      throw new ApiError(
        'validation_failed',
        `At most ${MAX_PERIODS} periods at once: choose a longer period.`,
      );
  }
  const bounds = [...labels, nextPeriod(labels[labels.length - 1]!, period)].map(toInstant);
  return { timeZone, period, labels, bounds, from: bounds[0]!, to: bounds[bounds.length - 1]! };
}

/** Index of the period an instant falls in, or -1 outside (binary search over the bounds). */
export function periodIndex(periods: Periods, at: number): number {
  const { bounds } = periods;
  if (at < bounds[0]! || at >= bounds[bounds.length - 1]!) return -1;
  let lo = 0;
  let hi = bounds.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (bounds[mid]! <= at) lo = mid;
    else hi = mid;
  }
  return lo;
}
