import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Where a call stands between turns (no PII: the caller's number is not kept here). */
export interface VoiceCallState {
  /** Silences in a row, and unrecognised utterances in a row (each re-prompted twice, then a human is offered). */
  silences: number;
  misses: number;
  /** Whether the bot has offered a human after repeated silence or misses. */
  offeredHuman: boolean;
  /**
   * Whether the caller proved they are the customer (a handoff code from their signed-in app typed
   * on this call): only then are their orders read aloud, unless the platform vouched for the caller.
   */
  verified?: boolean;
  /** Keypad handoff codes tried on this call (a few at most, against guessing). */
  codeAttempts: number;
  /** The answer to `turn`, sealed with the customer's data key (it may repeat an order number). */
  lastAnswerEnc: string | null;
  /**
   * The answers to the few turns before `turn`, by turn number, sealed the same way: a retry that
   * arrives late (after the next turn was answered) gets its own answer, not the latest one.
   */
  earlierAnswersEnc?: Record<string, string>;
}

/** A phone call in progress (or recently ended) on a voice webhook: its caller and turn state. */
export const voiceCalls = sqliteTable(
  'voice_calls',
  {
    id: text('id').primaryKey(),
    appId: text('app_id').notNull(),
    /** twilio | turn (the generic JSON protocol). */
    provider: text('provider').notNull(),
    /** The platform's call id (Twilio's CallSid). */
    callId: text('call_id').notNull(),
    /** The customer the call speaks for: the caller's number, or the one a keypad handoff code named. */
    customerId: text('customer_id').notNull(),
    /** The last turn answered (-1: none yet); a retry of it gets `state.lastAnswerEnc` again. */
    turn: integer('turn').notNull().default(-1),
    state: text('state', { mode: 'json' }).$type<VoiceCallState>().notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    endedAt: integer('ended_at'),
  },
  (t) => [
    uniqueIndex('voice_calls_by_call').on(t.appId, t.provider, t.callId),
    // Old calls are swept by age.
    index('voice_calls_by_updated').on(t.updatedAt),
  ],
);
