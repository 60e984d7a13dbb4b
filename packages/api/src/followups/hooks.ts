import type { Db } from '../db/database';

type OnCommit = (callback: () => void) => void;

/** The conversation as the hooks need it (a `conversations` row). */
export interface EndedConversation {
  id: string;
  appId: string;
  customerId: string;
  channel: string;
  lastChannel: string;
  context: Record<string, unknown>;
}

/**
 * What the followups domain plugs into other domains' writes (`ServiceDeps.followUps`), so they
 * need not import it. Every hook runs inside the caller's transaction.
 */
export interface FollowUpHooks {
  /** A conversation ended (resolved, or its call hung up): schedules the rules it matches. Returns how many. */
  conversationEnded(db: Db, onCommit: OnCommit, conversation: EndedConversation): Promise<number>;
  /** A cheap string check: is this message on `channel` a "stop" / "退订" reply? No statement runs. */
  isStopReply(text: string, channel?: string): boolean;
  /**
   * The fixed system message that confirms a stop reply (carrier and MIIT practice): in Chinese
   * when the reply was, else in English. Stored with the reply, in its transaction.
   */
  stopConfirmation(reply: string): string;
  /** The customer opted out (or back in): their attribute changes and scheduled follow-ups are cancelled (returns how many). */
  setMarketingOptOut(
    db: Db,
    onCommit: OnCommit,
    customer: { appId: string; customerId: string },
    optOut: boolean,
  ): Promise<number>;
  /** The customer's attributes changed elsewhere (profile sync): an opt-out there cancels as well. */
  attributesChanged(
    db: Db,
    customer: { appId: string; customerId: string },
    attributes: Record<string, unknown>,
  ): Promise<void>;
  /** The worker listens here for newly scheduled follow-ups due at once; returns the unsubscribe. */
  onScheduled(listener: () => void): () => void;
}

/** The customer attribute that records a marketing opt-out (`true`); the profile shows it. */
export const MARKETING_OPT_OUT = 'marketingOptOut';
