/**
 * Whether a share grew for real or by chance: a one-sided two-proportion z-test of `recent/recentTotal`
 * against `previous/previousTotal` (pooled standard error). A minimum count in the recent period
 * keeps tiny numbers from ever counting as a trend: 2 questions against 0 is not a trend however
 * large the ratio. z ≥ 2.33 is p < 0.01 one-sided.
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

export function isRising(
  recent: number,
  recentTotal: number,
  previous: number,
  previousTotal: number,
): boolean {
  if (recent < RISING_MIN_COUNT) return false;
  const z = twoProportionZ(recent, recentTotal, previous, previousTotal);
  return z !== null && z >= RISING_Z;
}

/**
 * For counts of one thing in two equal windows (questions of a cluster this week and last): under
 * "no change" each of the `recent + previous` questions fell in the recent window with chance ½, so
 * the one-sided p-value is the binomial tail P(X ≥ recent). Exact, and it works when the earlier
 * window had none (5 against 0 gives p = 0.031: not yet; 7 against 0 gives 0.008). Rising: p < 0.01
 * and at least 5 recent.
 */
export function countGrowthP(recent: number, previous: number): number {
  const n = recent + previous;
  if (n === 0) return 1;
  // Sum of C(n, k) / 2^n for k ≥ recent, in logs to stay finite for large n.
  const logHalfN = -n * Math.LN2;
  let logC = 0; // log C(n, 0)
  let tail = 0;
  for (let k = 0; k <= n; k++) {
    if (k > 0) logC += Math.log((n - k + 1) / k);
    if (k >= recent) tail += Math.exp(logC + logHalfN);
  }
  return Math.min(1, tail);
}

export const isGrowing = (recent: number, previous: number) =>
  recent >= RISING_MIN_COUNT && countGrowthP(recent, previous) < 0.01;
