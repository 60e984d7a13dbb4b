/**
 * `record[key]` for keys users choose (channel slugs, attribute names, intent ids): only the
 * record's own properties count, so "constructor" or "__proto__" finds nothing instead of a member
 * of Object.prototype (a function whose source would end up in a reply).
 */
export function ownValue<T>(
  record: Readonly<Record<string, T>> | undefined | null,
  key: string,
): T | undefined {
  return record && Object.hasOwn(record, key) ? record[key] : undefined;
}
