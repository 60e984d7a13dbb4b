import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import type { Db } from '../db/database';
import { type CustomerRef, openAllForCustomers, sealForCustomer } from '../identity';
import type { ServiceDeps } from '../platform/deps';
import { maskValue } from '../platform/secrets';

export type PiiField = 'phone' | 'address' | 'payment';

/**
 * Seals a customer's personal data (phone, address, payment, internal notes) with the customer's
 * own data key (AES-256-GCM), inside the caller's transaction: erasing the customer destroys the
 * key, and every copy becomes unreadable.
 */
export function sealPii(
  deps: Pick<ServiceDeps, 'database' | 'sealer' | 'clock' | 'config'>,
  db: Db,
  onCommit: (callback: () => void) => void,
  ref: CustomerRef,
  plain: string,
): Promise<string> {
  return sealForCustomer(deps, db, onCommit, ref, plain);
}

/** Opens what `sealPii` sealed, many at once; an erased customer's values open as null. */
export function openPii(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  values: readonly (string | null | undefined)[],
  db?: Db,
): Promise<(string | null | undefined)[]> {
  return openAllForCustomers(deps, values, db);
}

/** The longest run of digits (spaces and dashes inside a card number ignored). */
function longestDigits(value: string): string {
  const runs = value.replace(/(\d)[\s-](?=\d)/g, '$1').match(/\d+/g) ?? [];
  return runs.reduce((a, b) => (b.length > a.length ? b : a), '');
}

/** `138****8000` for a Chinese mobile; other countries keep their calling code: `+1 415****2671`. */
function maskPhone(value: string): string {
  const parsed = parsePhoneNumberFromString(value);
  if (!parsed) return maskValue('phone', value);
  const national = maskValue('phone', parsed.nationalNumber);
  return parsed.countryCallingCode === '86' ? national : `+${parsed.countryCallingCode} ${national}`;
}

/**
 * How agents (and logs) see personal data: a phone keeps its first 3 and last 4 digits, an address
 * its first few characters (the city), a payment method its brand and last 4 digits.
 */
export function maskPii(field: PiiField | 'email', value: string): string {
  if (field === 'phone') return maskPhone(value);
  if (field === 'email') return maskValue(field, value);
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
