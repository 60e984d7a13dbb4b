import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { DEFAULT_PHONE_REGION } from '../apps';
import { ApiError } from '../platform/errors';

/**
 * A phone number in E.164 (`+8613800138000`), the one form phones are matched and stored in, so
 * `138-0013-8000`, `13800138000`, `+86 138 0013 8000` and full-width `１３８…` are one person.
 * Numbers without a country code are read in `region`. Refused with 400 `invalid_phone`: anything
 * that is not a valid number of its region (libphonenumber-js with its full metadata: a digit too
 * many or too few is not "possible enough") and any number with an extension — a switchboard's
 * extensions are different people, and E.164 has no place for them, so dropping it would merge them.
 */
export function toE164(raw: string, region: string | undefined, field = 'phone'): string {
  const text = raw.normalize('NFKC').trim();
  const parsed = parsePhoneNumberFromString(text, {
    defaultCountry: (region ?? DEFAULT_PHONE_REGION) as CountryCode,
  });
  if (parsed?.ext)
    throw new ApiError(
      'invalid_phone',
      `${field} has an extension; give the person's own number (extensions are not matched).`,
      [{ path: field.split('.'), message: 'a number with an extension' }],
    );
  if (!parsed?.isValid() || !/\d/.test(text)) {
    throw new ApiError(
      'invalid_phone',
      `${field} is not a phone number we can read (${region ?? DEFAULT_PHONE_REGION} numbers may omit the country code).`,
      [{ path: field.split('.'), message: 'not a phone number' }],
    );
  }
  return parsed.number;
}
