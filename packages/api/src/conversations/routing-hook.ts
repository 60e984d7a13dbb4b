import type { Db } from '../db/database';
import type { ConversationRow } from './conversations';

type OnCommit = (callback: () => void) => void;

/**
 * What the agents domain plugs into the conversation flow (`ServiceDeps.routing`). Each call runs
 * inside the transaction that made the change, so routing commits with it or not at all, and the
 * bot's "an agent owns it" check sees the outcome.
 */
export interface ConversationRouting {
  /**
   * The conversation has just become `queued` (asked for a human, a human-policy intent, repeated
   * low confidence): rank it, tell the agents, hand it to an agent if one is free. Returns the
   * conversation as routing left it (maybe `assigned`) and its new owner.
   */
  queued(
    db: Db,
    onCommit: OnCommit,
    conversation: ConversationRow,
    cause: { channel: string; reason: string },
  ): Promise<{ conversation: ConversationRow; assignedAgent: { id: string; name: string } | null }>;
  /**
   * `queued` for many conversations that have just become `queued` together (a bulk escalation),
   * in order; optional — without it each goes through `queued`.
   */
  queuedMany?(
    db: Db,
    onCommit: OnCommit,
    list: { conversation: ConversationRow; cause: { channel: string; reason: string } }[],
  ): Promise<{ conversation: ConversationRow; assignedAgent: { id: string; name: string } | null }[]>;
  /** A customer's standing changed (VIP): re-rank their waiting conversation. */
  customerChanged(db: Db, onCommit: OnCommit, appId: string, customerId: string): Promise<void>;
}
