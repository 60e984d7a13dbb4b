import type { VoiceEvent, VoiceTurnAnswer } from '@threadline/sdk-core/protocol';
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse.js';
// Only the two helper modules, not the package entry: `twilio` loads its whole REST client (axios,
// every API's resources, ~330 ms); these need node's crypto/url and xmlbuilder (~40 ms).
import webhooks from 'twilio/lib/webhooks/webhooks.js';
import type { AppRow } from '../apps';

/** Call states after which Twilio sends no more turns (status callbacks). */
const ENDED = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

/** Whether the signature Twilio sent matches the URL it called and every form parameter. */
export function isSignedByTwilio(
  authToken: string,
  signature: string,
  url: string,
  params: Record<string, string | string[]>,
): boolean {
  return webhooks.validateRequest(authToken, signature, url, params);
}

/** The form body as Twilio's signature covers it: every parameter, repeated ones as arrays. */
export function formParams(raw: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(raw)) {
    const seen = params[key];
    params[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return params;
}

/** What a Twilio request means as a turn: words, keys, silence, the call's start or its end. */
export function twilioEvent(
  form: { SpeechResult?: string; Digits?: string; CallStatus?: string },
  turn: number | undefined,
): { event: VoiceEvent; utterance?: string; digits?: string } {
  if (form.CallStatus && ENDED.has(form.CallStatus)) return { event: 'hangup' };
  const utterance = form.SpeechResult?.trim();
  if (utterance) return { event: 'speech', utterance };
  const digits = form.Digits?.trim();
  if (digits) return { event: 'dtmf', digits };
  // The first request of a call carries no turn: Threadline numbers the Gather actions it returns.
  return turn === undefined || turn === 0 ? { event: 'start' } : { event: 'no_input' };
}

/**
 * Twilio reads at most 3,000 bytes of UTF-8 in one `<Say>` with Polly voices (4,096 with the basic
 * ones; warning 13521 past that): about 1,000 Chinese characters. Longer answers are said in
 * several `<Say>`s, cut after a sentence.
 */
const SAY_MAX_BYTES = 2_900;

/** A text in parts of at most SAY_MAX_BYTES, cut after sentences (or, inside a long one, anywhere). */
export function sayParts(text: string): string[] {
  const parts: string[] = [];
  let part = '';
  const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
  for (const sentence of text.split(/(?<=[。！？!?；;\n])/)) {
    if (bytes(part + sentence) <= SAY_MAX_BYTES) {
      part += sentence;
      continue;
    }
    if (part) parts.push(part);
    part = '';
    // One sentence longer than a part: cut it by code points.
    for (const char of sentence) {
      if (bytes(part + char) > SAY_MAX_BYTES) {
        parts.push(part);
        part = '';
      }
      part += char;
    }
  }
  if (part) parts.push(part);
  return parts;
}

/** The `<Say>` voice: a Twilio voice name configured for the phone channel (Polly.*, Google.*). */
function sayVoice(app: AppRow): string | undefined {
  const voice = app.settings.voice?.voices?.phone;
  return voice && /^(Polly|Google)\./.test(voice) ? voice : undefined;
}

/**
 * TwiML for a turn: `<Gather input="speech dtmf" language="zh-CN">` around a `<Say>` while the call
 * goes on (its action is the next turn's URL, also on silence); `<Say>` then `<Enqueue>` or `<Dial>`
 * to the app's agent target on transfer; `<Say>` and `<Hangup>` at the end.
 */
export function renderTwiml(app: AppRow, answer: VoiceTurnAnswer, nextAction: string): string {
  const response = new VoiceResponse();
  const sayAttributes = { language: 'zh-CN', ...(sayVoice(app) ? { voice: sayVoice(app) } : {}) } as never;
  if (answer.action === 'continue') {
    const gather = response.gather({
      input: ['speech', 'dtmf'],
      // Twilio's typings list cmn-Hans-CN; its speech recognition takes zh-CN as well.
      language: 'zh-CN' as never,
      action: nextAction,
      method: 'POST',
      speechTimeout: 'auto',
      timeout: 5,
      finishOnKey: '#',
      actionOnEmptyResult: true,
      bargeIn: answer.bargeIn,
    });
    for (const part of sayParts(answer.speak)) gather.say(sayAttributes, part);
    return response.toString();
  }
  for (const part of sayParts(answer.speak)) response.say(sayAttributes, part);
  if (answer.action === 'transfer') {
    const target = answer.transferTo;
    if (target?.startsWith('queue:')) response.enqueue({}, target.slice('queue:'.length));
    else if (target?.startsWith('sip:')) response.dial().sip(target);
    else if (target) response.dial({ answerOnBridge: true }, target);
    // Without a configured target the caller waits in the app's own Twilio queue.
    else response.enqueue({}, `threadline-${app.id}`);
    return response.toString();
  }
  response.hangup();
  return response.toString();
}
