/**
 * `list.sort(compare)` without the work array V8's sort allocates on every call: a binary
 * insertion sort, in place. Both sorts are stable, so for a comparator that orders consistently
 * (finite scores, as every caller here compares) the result is the same order. Meant for the
 * engine's short per-message lists (tens of items); returns `list`, as `sort` does.
 */
export function stableSort<T>(list: T[], compare: (a: T, b: T) => number): T[] {
  for (let i = 1; i < list.length; i++) {
    const item = list[i]!;
    let low = 0;
    let high = i;
    // After every element that does not order after `item` (equal ones stay ahead: stable).
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compare(item, list[mid]!) < 0) high = mid;
      else low = mid + 1;
    }
    for (let j = i; j > low; j--) list[j] = list[j - 1]!;
    list[low] = item;
  }
  return list;
}
