import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/min';
import { DEFAULT_PHONE_REGION } from '../apps';
import { ApiError } from '../platform/errors';

/**
 * A phone number in E.164 (`+8613800138000`), the one form phones are matched and stored in, so
 * `138-0013-8000`, `13800138000` and `+86 138 0013 8000` are one person. Numbers without a country
 * code are read in `region`. Anything that does not parse as a possible number of its region is
 * refused with 400 `invalid_phone` (libphonenumber-js, "min" metadata).
 */
export function toE164(raw: string, region: string | undefined, field = 'phone'): string {
  const parsed = parsePhoneNumberFromString(raw.trim(), {
    defaultCountry: (region ?? DEFAULT_PHONE_REGION) as CountryCode,
  });
  if (!parsed?.isPossible() || !/\d/.test(raw)) {
    throw new ApiError(
      'invalid_phone',
      `${field} is not a phone number we can read (${region ?? DEFAULT_PHONE_REGION} numbers may omit the country code).`,
      [{ path: field.split('.'), message: 'not a phone number' }],
    );
  }
  return parsed.number;
}
