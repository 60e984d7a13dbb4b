/**
 * `JSON.stringify` as the standard has it, even on pages whose old libraries add `toJSON` to the
 * built-in prototypes: Prototype.js's `Array.prototype.toJSON` and `String.prototype.toJSON`
 * turn arrays and strings into pre-encoded strings, so `[1]` would be sent as `"[1]"` and a
 * stored send queue would come back as a string. The additions are set aside for the (synchronous)
 * call and put back exactly as they were, so the host page never notices.
 */
export function toJson(value: unknown): string {
  const prototypes: object[] = [
    Array.prototype,
    String.prototype,
    Number.prototype,
    Boolean.prototype,
    Object.prototype,
  ];
  const aside: Array<[object, PropertyDescriptor]> = [];
  for (const prototype of prototypes) {
    const descriptor = Object.getOwnPropertyDescriptor(prototype, 'toJSON');
    if (descriptor?.configurable) {
      aside.push([prototype, descriptor]);
      delete (prototype as { toJSON?: unknown }).toJSON;
    }
  }
  try {
    return JSON.stringify(value);
  } finally {
    for (const [prototype, descriptor] of aside) Object.defineProperty(prototype, 'toJSON', descriptor);
  }
}
