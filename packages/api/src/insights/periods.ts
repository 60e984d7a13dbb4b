import { ApiError } from '../platform/errors';

export type Period = 'day' | 'week' | 'month' | 'all';

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
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
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether the runtime knows this IANA zone (e.g. Asia/Shanghai). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
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

/** The instant local midnight of a calendar date begins in the zone (DST-safe: offsets rechecked). */
export function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const guess = Date.UTC(year, month - 1, day);
  let at = guess - offsetAt(guess, timeZone);
  at = guess - offsetAt(at, timeZone);
  return at;
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
