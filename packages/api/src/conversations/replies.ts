import type { Db } from '../db/database';
import type { CustomerRow } from '../identity';
import type { ConversationRow } from './conversations';
import type { MessageRow } from './messages';

/** A reply the bot wants posted. */
export interface BotReply {
  /** Preset id, so streamed `message.delta` events and the final message share it. */
  id?: string;
  text: string;
  intent?: string;
  meta?: Record<string, unknown>;
}

export interface ReplyInput {
  appId: string;
  customer: CustomerRow;
  conversation: ConversationRow;
  message: MessageRow;
}

export interface ResponderDecision {
  replies: BotReply[];
  escalate?: boolean;
  context?: Record<string, unknown>;
}

/** What an inline answer sees: the send's own transaction, before the customer message is stored. */
export interface InlineReplyInput {
  appId: string;
  customerId: string;
  conversation: ConversationRow;
  text: string;
  channel: string;
  /** The send's transaction: read through it, and insert only rows that belong to this send. */
  db: Db;
  /** Runs after the send's COMMIT (e.g. caching a data key created in it). */
  onCommit: (callback: () => void) => void;
}

/** Decides inside the send's transaction; null = this answer needs `respond` after the commit. */
export type InlineResponder = (input: InlineReplyInput) => Promise<ResponderDecision | null>;

/**
 * Decides what the bot answers to a customer message in a conversation the bot owns.
 * The AI engine implements this; without one the API stores messages and answers nothing.
 */
export interface Responder {
  respond(input: ReplyInput): Promise<ResponderDecision>;
  /**
   * Optional fast path, called before the send's transaction: loads what answering needs (the
   * app's engine) and returns a function that decides inside that transaction, so the customer
   * message, the bot's replies, their events and the conversation update commit together — and
   * the "agent owns it, bot stays quiet" check is the same transaction as the reply. Null (or a
   * null decision) falls back to `respond` after the commit: LLM streaming and tickets go there.
   */
  prepare?(appId: string): Promise<InlineResponder | null>;
  /**
   * Optional, called before the send's transaction: a function naming the intent of a customer
   * message the bot does not answer (an agent holds the conversation, or it waits in the queue),
   * or null when unsure. Stored on the customer's message so insights count topics raised with an
   * agent as contacts; it records nothing else (no unanswered question, no reply).
   */
  labeler?(appId: string): Promise<IntentLabeler | null>;
}

/** Names a customer message's intent from its words alone (no reply, no side effect); null when unsure. */
export type IntentLabeler = (input: {
  text: string;
  channel: string;
  conversation: ConversationRow;
}) => string | null;

export const silentResponder: Responder = {
  respond: async () => ({ replies: [] }),
};
