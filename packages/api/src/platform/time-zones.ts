/**
 * ICU (Node 20's) resolves these zones to CLDR's old ids, which the IANA database renamed long
 * ago: a merchant in Kyiv, Kolkata or Ho Chi Minh City who sets `Europe/Kyiv` must not get
 * `Europe/Kiev` back (nor have it stored). Keys are the runtime's resolved ids, values the IANA
 * names; a runtime that already answers the IANA name never hits this table.
 */
const IANA_NAMES: Record<string, string> = {
  'Africa/Asmera': 'Africa/Asmara',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Catamarca': 'America/Argentina/Catamarca',
  'America/Coral_Harbour': 'America/Atikokan',
  'America/Cordoba': 'America/Argentina/Cordoba',
  'America/Godthab': 'America/Nuuk',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Louisville': 'America/Kentucky/Louisville',
  'America/Mendoza': 'America/Argentina/Mendoza',
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Europe/Kiev': 'Europe/Kyiv',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Truk': 'Pacific/Chuuk',
};

/** The IANA name of a zone id the runtime resolved (`Intl.DateTimeFormat#resolvedOptions().timeZone`). */
export function ianaZoneName(resolved: string): string {
  return IANA_NAMES[resolved] ?? resolved;
}

/** The renames above, for the test that checks each name is the same zone as the id it replaces. */
export const ianaRenames = (): Readonly<Record<string, string>> => IANA_NAMES;
