// 13–19 digits, optionally grouped by single spaces or dashes, not glued to other digits.
const CANDIDATE = /(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])/g;

function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Masks payment card numbers (PANs) before text is stored, as PCI DSS asks: any run of 13–19
 * digits that passes the Luhn check keeps only its last four digits (`**** **** **** 4242`).
 * Order numbers and phone numbers rarely pass Luhn at those lengths; an occasional false positive
 * masks a number the shopper can still read out by its last four.
 */
export function maskCardNumbers(text: string): string {
  if (!/\d{4}/.test(text) && !/\d[ -]\d/.test(text)) return text;
  return text.replace(CANDIDATE, (match) => {
    const digits = match.replace(/[ -]/g, '');
    if (!passesLuhn(digits)) return match;
    return `**** **** **** ${digits.slice(-4)}`;
  });
}
