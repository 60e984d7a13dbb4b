import type { ConversationRow } from './conversations';
import type { CustomerRow } from './customers';
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

/**
 * Decides what the bot answers to a customer message in a conversation the bot owns.
 * The AI engine implements this; without one the API stores messages and answers nothing.
 */
export interface Responder {
  respond(
    input: ReplyInput,
  ): Promise<{ replies: BotReply[]; escalate?: boolean; context?: Record<string, unknown> }>;
}

export const silentResponder: Responder = {
  respond: async () => ({ replies: [] }),
};
