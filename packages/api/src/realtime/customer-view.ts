import { realtimeEventData } from '@threadline/sdk-core/protocol';
import type { z } from 'zod';

type EventType = keyof typeof realtimeEventData;

const isEventType = (type: string): type is EventType => Object.hasOwn(realtimeEventData, type);

/**
 * What a customer's sessions may see of an event. The event log is read only by the customer's own
 * streams, so every payload is cut down to the customer-facing schema of its type before it is
 * stored or published: zod drops every field the schema does not name (internal notes, staff ids,
 * ticket details). An event type without a customer-facing schema is a programming error.
 */
export function customerView(type: string, data: unknown): unknown {
  if (!isEventType(type)) throw new Error(`event type "${type}" has no customer-facing schema`);
  const schema = realtimeEventData[type] as z.ZodType;
  return schema.parse(data);
}

/**
 * A message as the shopper's own surfaces show it (send answer, timeline, the customer's stream):
 * the intent the engine put on the shopper's own words while an agent held the conversation is
 * staff analytics (insights' agent-time contacts), not part of the conversation, so it is left out.
 * Bot replies keep theirs (the widget's answer feedback names it); agents and exports see all.
 */
export function shopperMessage<T>(message: T): T {
  const m = message as { author?: { type?: unknown }; intent?: unknown };
  if (m?.author?.type !== 'customer' || m.intent === undefined) return message;
  const { intent: _, ...rest } = m;
  return rest as T;
}
