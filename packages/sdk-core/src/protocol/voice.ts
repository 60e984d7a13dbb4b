import { z } from 'zod';
import { channelSlug, conversationRef, freeText } from './common';
import { handoffSummary } from './handoffs';

/**
 * A voice name: a brand label the speech provider maps ("温柔女声", "专业男声"), or a provider's own
 * voice id — a cloned voice served by the provider is just such an id.
 */
export const voiceName = z
  .string()
  .min(1)
  .max(64)
  // Written without \p{…} classes: JSON Schema patterns (and some SDK hosts) lack them.
  .regex(/^[A-Za-z0-9_.:\u3400-\u9fff-]+$/, 'Letters (Latin or Chinese), digits and . _ : - only')
  .meta({ example: '温柔女声' });

/** Where an escalated call goes: an E.164 number (`<Dial>`), or `queue:<name>` (`<Enqueue>`). */
export const transferTarget = z
  .string()
  .max(64)
  .regex(
    /^(\+[1-9]\d{5,14}|queue:[A-Za-z0-9_-]{1,48}|sip:[^\s<>"]{3,60})$/,
    'An E.164 number (+8621…), queue:<name> or sip:<address>',
  );

/** Voice settings of an app (PATCH /v1/app `voice`); omitted fields stay, null clears one. */
export const voiceSettingsBody = z
  .object({
    /** The Twilio account's auth token: X-Twilio-Signature is checked with it. Stored sealed. */
    twilioAuthToken: z.string().min(16).max(128).nullable().optional(),
    /** Escalated calls go here; without it they wait in the Twilio queue named after the app. */
    transferTo: transferTarget.nullable().optional(),
    /** The brand voice per channel, e.g. {"phone":"专业男声","web":"温柔女声"}. */
    voices: z.record(channelSlug, voiceName).nullable().optional(),
    /** What the bot says when it picks up (default: the shop's name and an offer to help). */
    greeting: freeText(200).nullable().optional(),
    /**
     * Where the bot's "continue in the app" texts go: your SMS gateway receives a signed POST
     * `{to, text, code, url?}` (Threadline-Signature with `smsWebhookSecret`).
     */
    smsWebhookUrl: z
      .url({ protocol: /^https?$/ })
      .max(500)
      .nullable()
      .optional(),
    /** The secret the SMS webhook's Threadline-Signature is made with (yours to choose; stored sealed). */
    smsWebhookSecret: z.string().min(16).max(128).nullable().optional(),
  })
  .strict();
export type VoiceSettingsBody = z.infer<typeof voiceSettingsBody>;

/** The voice settings as the app answer shows them: the token itself is never echoed. */
export const voiceSettingsView = z.object({
  twilioConfigured: z.boolean(),
  transferTo: z.string().nullable(),
  voices: z.record(z.string(), z.string()),
  greeting: z.string().nullable(),
  smsWebhookUrl: z.string().nullable(),
});
export type VoiceSettingsView = z.infer<typeof voiceSettingsView>;

export const voiceEvent = z.enum(['start', 'speech', 'dtmf', 'no_input', 'no_match', 'hangup']).meta({
  description:
    'start: the call was answered; speech: the caller said `utterance`; dtmf: keys pressed (`digits`); no_input: silence; no_match: the platform could not recognise the speech; hangup: the call ended.',
});
export type VoiceEvent = z.infer<typeof voiceEvent>;

/** One turn of a call from an IVR / voice-navigation platform (the generic JSON voice protocol). */
export const voiceTurnBody = z
  .object({
    callId: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[\w.:-]+$/, 'Letters, digits and . _ : - only')
      .meta({ description: "The platform's id of the call; every turn of the call carries it." }),
    from: z
      .string()
      .min(3)
      .max(32)
      .meta({ description: 'The caller id (E.164, or national in the app’s region).' }),
    event: voiceEvent,
    utterance: freeText(500)
      .optional()
      .meta({ description: 'With `speech`: what the caller said (ASR text).' }),
    digits: z
      .string()
      .regex(/^[0-9*#]{1,16}$/, 'Keypad keys: 0-9 * #')
      .optional()
      .meta({ description: 'With `dtmf`: the keys pressed.' }),
    callerVerified: z.boolean().optional().meta({
      description:
        'Whether your platform verified that the caller owns `from` (a PIN, a one-time code, carrier attestation). Caller ids are easily spoofed: without it the bot does not read the customer’s orders aloud until the caller types a handoff code from their signed-in app.',
    }),
    sequence: z.number().int().min(0).max(100_000).optional().meta({
      description:
        'The turn number within the call (0, 1, 2…). A retried turn with the same number gets the first answer again and stores nothing twice. Without it every request is a new turn.',
    }),
  })
  .strict()
  .refine((b) => b.event !== 'speech' || b.utterance !== undefined, {
    message: 'event speech needs utterance',
    path: ['utterance'],
  })
  .refine((b) => b.event !== 'dtmf' || b.digits !== undefined, {
    message: 'event dtmf needs digits',
    path: ['digits'],
  })
  .meta({
    example: {
      callId: 'call-7731',
      from: '+8613800138000',
      event: 'speech',
      utterance: '保质期多久',
      sequence: 2,
    },
  });
export type VoiceTurnBody = z.infer<typeof voiceTurnBody>;

export const voiceAction = z.enum(['continue', 'transfer', 'hangup']).meta({
  description:
    'continue: play `speak`, then listen for speech or keys; transfer: play `speak`, then put the caller through to `transferTo` (or your queue); hangup: play `speak` and end the call.',
});

export const voiceTurnAnswer = z.object({
  speak: z.string().meta({ description: 'What to say, in spoken style (plain text).' }),
  ssml: z.string().optional().meta({ description: 'The same as SSML 1.1, for engines that take it.' }),
  action: voiceAction,
  bargeIn: z.boolean().meta({ description: 'Whether the caller may interrupt `speak`.' }),
  transferTo: z.string().optional().meta({ description: 'With transfer: the app’s configured target.' }),
  conversation: conversationRef.nullable(),
  summary: handoffSummary
    .optional()
    .meta({ description: 'With transfer: the handoff summary the agent reads first.' }),
});
export type VoiceTurnAnswer = z.infer<typeof voiceTurnAnswer>;

/** The Twilio Programmable Voice webhook fields Threadline reads (others are signed but ignored). */
export const twilioVoiceForm = z
  .object({
    CallSid: z
      .string()
      .min(2)
      .max(64)
      .regex(/^[\w-]+$/),
    From: z.string().max(64).optional(),
    AccountSid: z.string().max(64).optional(),
    CallStatus: z.string().max(32).optional(),
    SpeechResult: z.string().max(2000).optional(),
    Confidence: z.string().max(32).optional(),
    Digits: z.string().max(32).optional(),
  })
  .passthrough()
  .meta({
    example: {
      CallSid: 'CA0123456789abcdef0123456789abcdef',
      From: '+8613800138000',
      SpeechResult: '保质期多久',
    },
  });
export type TwilioVoiceForm = z.infer<typeof twilioVoiceForm>;

export const speechBody = z
  .object({
    text: freeText(500).meta({ description: 'What to say; read in spoken style (numbers, prices, codes).' }),
    channel: channelSlug
      .optional()
      .meta({ description: "Whose brand voice: the app's voice for this channel (default: the session's)." }),
    voice: voiceName
      .optional()
      .meta({ description: 'A voice name or provider voice id, over the channel’s.' }),
  })
  .strict()
  .meta({ example: { text: '退货请在订单详情点申请售后。', channel: 'web' } });
export type SpeechBody = z.infer<typeof speechBody>;
