/**
 * How far a share moved: the two-proportion z of `recent/recentTotal` against
 * `previous/previousTotal` (pooled standard error), shown next to each intent. It is only a size:
 * with small totals it overstates, so `isRising` decides with Fisher's exact test instead. A
 * minimum count in the recent period keeps tiny numbers from ever counting as a trend.
 */
export const RISING_Z = 2.33;
export const RISING_MIN_COUNT = 5;

export function twoProportionZ(
  recent: number,
  recentTotal: number,
  previous: number,
  previousTotal: number,
): number | null {
  if (recentTotal === 0 || previousTotal === 0) return null;
  const p1 = recent / recentTotal;
  const p0 = previous / previousTotal;
  const pooled = (recent + previous) / (recentTotal + previousTotal);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / recentTotal + 1 / previousTotal));
  if (se === 0) return null;
  return Math.round(((p1 - p0) / se) * 100) / 100;
}

/**
 * Whether an intent's share rose for real: Fisher's exact test, one-sided (`fisherGreaterP`). Exact
 * at any size, so 5 of 5 against 0 of 1 (p = 1/6) or 5 of 5 against 3 of 10 (p = 0.019) are not
 * trends, where a z-test called both rising. A surge after a period with none of the intent (30 of
 * 60 against 0 of 60) is. An empty previous period (a channel opened this week) goes through the
 * same exact test, which gives p = 1: there is no earlier share to have risen from (the all-channel
 * scope still sees the surge). Rising: p < RISING_P and at least RISING_MIN_COUNT recent. One test
 * on its own; a list of intents is decided together by `risingAmong`.
 */
export function isRising(
  recent: number,
  recentTotal: number,
  previous: number,
  previousTotal: number,
): boolean {
  return (
    recent >= RISING_MIN_COUNT && fisherGreaterP(recent, recentTotal, previous, previousTotal) < RISING_P
  );
}
export const RISING_P = 0.01;

/**
 * Which of several shares rose, decided together: each gets its exact p (`fisherGreaterP`), and the
 * Benjamini–Hochberg step-up procedure keeps the expected share of false "rising" among those
 * flagged at RISING_P. Testing ~20 intents per channel every period at 1 % each would otherwise
 * flag about one intent per period on traffic that did not change at all. At least
 * RISING_MIN_COUNT recent, as for one test. Every counted intent is in the family (also the ones
 * too small to be flagged), so the correction never gets weaker by leaving tests out.
 */
export function risingAmong(
  tests: readonly { recent: number; previous: number }[],
  recentTotal: number,
  previousTotal: number,
): { p: number; rising: boolean }[] {
  const ps = tests.map((t) => fisherGreaterP(t.recent, recentTotal, t.previous, previousTotal));
  const flagged = benjaminiHochberg(ps, RISING_P);
  return ps.map((p, i) => ({ p, rising: flagged[i]! && tests[i]!.recent >= RISING_MIN_COUNT }));
}

/**
 * The Benjamini–Hochberg procedure: with the m p-values sorted ascending, the largest k with
 * p(k) ≤ k/m·q, and every hypothesis up to it is rejected. Controls the false discovery rate at q
 * for independent or positively dependent tests.
 */
export function benjaminiHochberg(ps: readonly number[], q: number): boolean[] {
  const order = ps.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  let cut = -1;
  for (let k = 0; k < order.length; k++) if (order[k]!.p <= ((k + 1) / order.length) * q) cut = k;
  const rejected = new Array<boolean>(ps.length).fill(false);
  for (let k = 0; k <= cut; k++) rejected[order[k]!.i] = true;
  return rejected;
}

/**
 * One-sided Fisher exact p-value P(X ≥ recent) with X hypergeometric: `recent + previous`
 * successes among `recentTotal + previousTotal` draws, `recentTotal` of them in the recent period.
 */
export function fisherGreaterP(
  recent: number,
  recentTotal: number,
  previous: number,
  previousTotal: number,
): number {
  return hypergeometricUpperTail(recent, recentTotal, previous, previousTotal).p;
}

/** Terms past which a tail is not summed: each further one is below 1e-17 of the sum so far. */
const NEGLIGIBLE = 1e-17;

/**
 * The tail behind `fisherGreaterP`, with the number of terms it summed. The terms of a
 * hypergeometric fall off on both sides of the mode, so the tail on the far side of `recent`
 * is summed from `recent` outwards, each term from the last by its ratio, until terms vanish:
 * about ten standard deviations of terms, a few thousand for millions of contacts. Summing every
 * k from `recent` up to the top (the first version) took 4 s for an intent of a million contacts
 * and a minute for 30 million, on the event loop. When `recent` lies below the mode, P(X ≥ recent)
 * is 1 − P(X < recent), and the lower tail is the short one.
 */
export function hypergeometricUpperTail(
  recent: number,
  recentTotal: number,
  previous: number,
  previousTotal: number,
): { p: number; terms: number } {
  const total = recentTotal + previousTotal;
  const successes = recent + previous;
  const failures = total - successes;
  const low = Math.max(0, recentTotal - failures);
  const high = Math.min(successes, recentTotal);
  if (recent <= low) return { p: 1, terms: 0 };
  if (recent > high) return { p: 0, terms: 0 };
  const logDenominator = logChoose(total, recentTotal);
  const term = (k: number) =>
    Math.exp(logChoose(successes, k) + logChoose(failures, recentTotal - k) - logDenominator);
  const mode = Math.floor(((recentTotal + 1) * (successes + 1)) / (total + 2));
  let terms = 1;
  if (recent > mode) {
    // Upper tail, falling from `recent` on: t(k+1) = t(k)·(s−k)(n−k) / ((k+1)(f−n+k+1)).
    let t = term(recent);
    let sum = t;
    for (let k = recent; k < high && t > sum * NEGLIGIBLE; k++, terms++) {
      t *= ((successes - k) * (recentTotal - k)) / ((k + 1) * (failures - recentTotal + k + 1));
      sum += t;
    }
    return { p: Math.min(1, sum), terms };
  }
  // Lower tail P(X ≤ recent − 1), falling from there down: t(k−1) = t(k)·k(f−n+k) / ((s−k+1)(n−k+1)).
  let t = term(recent - 1);
  let sum = t;
  for (let k = recent - 1; k > low && t > sum * NEGLIGIBLE; k--, terms++) {
    t *= (k * (failures - recentTotal + k)) / ((successes - k + 1) * (recentTotal - k + 1));
    sum += t;
  }
  return { p: Math.min(1, Math.max(0, 1 - sum)), terms };
}

/** log C(n, k) through log-gamma (Lanczos), finite for the millions of contacts a shop can have. */
function logChoose(n: number, k: number): number {
  if (k < 0 || k > n) return Number.NEGATIVE_INFINITY;
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

const LANCZOS = [
  676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
function logGamma(x: number): number {
  // x ≥ 1 here (factorials), so no reflection is needed.
  const z = x - 1;
  let a = 0.99999999999980993;
  for (const [i, c] of LANCZOS.entries()) a += c / (z + i + 1);
  const t = z + LANCZOS.length - 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}
