import type { ServiceDeps } from '../platform/deps';
import { maskValue } from '../platform/secrets';

export type PiiField = 'phone' | 'address' | 'payment';

/**
 * Seals a customer's personal data (phone, address, payment, notes) with AES-256-GCM. Every such
 * value goes through this pair, so moving them to per-customer data keys changes only these two.
 */
export function sealPii(deps: Pick<ServiceDeps, 'sealer'>, _customerId: string, plain: string): string {
  return deps.sealer.seal(plain);
}

/** Opens what `sealPii` sealed. */
export function openPii(deps: Pick<ServiceDeps, 'sealer'>, _customerId: string, sealed: string): string {
  return deps.sealer.open(sealed);
}

/** The longest run of digits (spaces and dashes inside a card number ignored). */
function longestDigits(value: string): string {
  const runs = value.replace(/(\d)[\s-](?=\d)/g, '$1').match(/\d+/g) ?? [];
  return runs.reduce((a, b) => (b.length > a.length ? b : a), '');
}

/**
 * How agents (and logs) see personal data: a phone keeps its first 3 and last 4 digits, an address
 * its first few characters (the city), a payment method its brand and last 4 digits.
 */
export function maskPii(field: PiiField | 'email', value: string): string {
  if (field === 'phone' || field === 'email') return maskValue(field, value);
  if (field === 'address') {
    const chars = [...value.trim()];
    const keep = Math.min(6, Math.floor(chars.length / 3));
    return `${chars.slice(0, keep).join('')}****`;
  }
  const brand = /^[\p{L}][\p{L} ]{0,15}/u.exec(value.trim())?.[0]?.trim() ?? '';
  const digits = longestDigits(value);
  const tail = digits.length >= 4 ? `••••${digits.slice(-4)}` : '';
  return [brand, tail].filter(Boolean).join(' ') || '****';
}
