import type { Strings, TermKind } from './i18n';

/** Seconds since an ISO time (0 for a time in the future or none). */
export const secondsSince = (iso: string | null | undefined, now: number) =>
  iso ? Math.max(0, Math.floor((now - Date.parse(iso)) / 1000)) : 0;

export const channelName = (s: Strings, channel: string) => s.channels[channel] ?? humanize(channel);

/**
 * A key the API sends (`after_sales`, `in-transit`) as words an agent reads: keys already in
 * Chinese stay as they are; others lose their separators and start with a capital.
 */
export function humanize(key: string): string {
  if (/[\u3400-\u9fff]/.test(key)) return key;
  const words = key.replace(/[_.-]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : key;
}

/**
 * The console's one way to show an enum-like value (identity kind, contact field, skill, ticket
 * type, order status): the locale's name for it, else the key made readable — never the raw key.
 */
export const term = (s: Strings, kind: TermKind, key: string) =>
  s.terms[kind][key] ?? s.terms[kind][key.toLowerCase()] ?? humanize(key);

/** A conversation status (bot, queued, assigned, resolved) in the locale's words. */
export const statusName = (s: Strings, status: string) => s.statuses[status] ?? humanize(status);

/** A short, stable mark per channel for the row and the timeline (text, not colour alone). */
export const CHANNEL_MARKS: Record<string, string> = {
  web: 'WEB',
  app: 'APP',
  miniprogram: 'MP',
  phone: 'TEL',
  douyin_live: 'DY',
  taobao_live: 'TB',
  wechat_oa: 'OA',
  wecom: 'WC',
  weibo: 'WB',
  sms: 'SMS',
  email: 'MAIL',
  video: 'VID',
};
export const channelMark = (channel: string) => CHANNEL_MARKS[channel] ?? channel.slice(0, 4).toUpperCase();

export const clock = (iso: string, lang: string) =>
  new Date(iso).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });

export const dateTime = (iso: string, lang: string) =>
  new Date(iso).toLocaleString(lang, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

export const money = (amount: number, currency: string, lang: string) => {
  try {
    return new Intl.NumberFormat(lang, { style: 'currency', currency }).format(amount);
  } catch {
    return `${amount} ${currency}`;
  }
};

/** The first-response SLA of a waiting row: seconds left (negative when breached). */
export const slaLeft = (waitingSince: string | null, now: number, targetSec: number) =>
  waitingSince ? targetSec - secondsSince(waitingSince, now) : null;

export const FIRST_RESPONSE_SLA_SEC = 120;

/** What to call a customer: their name, a masked handle, or "Visitor ·" and the id's last characters. */
export const customerName = (
  s: Strings,
  customer: { id: string; name: string | null; handle?: string | null },
) => customer.name ?? customer.handle ?? `${s.visitor} ${customer.id.slice(-4)}`;
