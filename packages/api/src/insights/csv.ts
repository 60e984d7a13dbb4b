/**
 * RFC 4180 CSV of flat rows for the merchant's own BI: nested objects become `a_b` columns, arrays
 * are joined with " | ", and a cell that a spreadsheet would run as a formula (= + - @, tab, CR)
 * is prefixed with ' — shoppers' questions end up in these files.
 */
export function toCsv(rows: Record<string, unknown>[]): string {
  const flat = rows.map((row) => flatten(row));
  const columns: string[] = [];
  for (const row of flat) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  const lines = [
    columns.map(cell).join(','),
    ...flat.map((row) => columns.map((c) => cell(row[c])).join(',')),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

function flatten(value: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}) {
  for (const [key, v] of Object.entries(value)) {
    const name = prefix ? `${prefix}_${key}` : key;
    if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, name, out);
    else out[name] = Array.isArray(v) ? v.join(' | ') : v;
  }
  return out;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
