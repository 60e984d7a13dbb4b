import type { WidgetStrings } from './i18n';

/** A ticket as the API sends it (timeline page or `ticket.*` event). */
export type TicketLike = Record<string, unknown> & { id?: unknown };

const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
/** A label by a code from the API, own properties only ("constructor" is no ticket type). */
const label = (labels: Record<string, string>, code: string | undefined) =>
  code !== undefined && Object.hasOwn(labels, code) ? labels[code] : undefined;

/**
 * A ticket card's words, in the widget's language. Internal codes (ticket ids, reason codes, raw
 * statuses) never reach the text: unknown codes get a general label rather than themselves.
 */
export function ticketWords(ticket: TicketLike, s: WidgetStrings): { title: string; details: string } {
  const type = text(ticket.type);
  const status = text(ticket.status);
  const reason = text(ticket.reason);
  const wantedSize = text(ticket.wantedSize);
  const orderId = text(ticket.orderId);
  const title = [label(s.ticketTypes, type) ?? s.ticketOther, label(s.ticketStatuses, status)]
    .filter(Boolean)
    .join(' · ');
  const details = [
    label(s.ticketReasons, reason),
    wantedSize ? s.wantedSize(wantedSize) : undefined,
    // The shopper's own order number is theirs to see; the ticket's id is ours.
    orderId ? `${s.order} ${orderId}` : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
  return { title, details };
}
