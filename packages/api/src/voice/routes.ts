import { OpenAPIHono } from '@hono/zod-openapi';
import {
  errorEnvelope,
  speechBody,
  twilioVoiceForm,
  voiceTurnAnswer,
  voiceTurnBody,
} from '@threadline/sdk-core/protocol';
import type { Context } from 'hono';
import { z } from 'zod';
import type { RouterDeps } from '../app';
import { type AppRow, getApp } from '../apps';
import type { ApiEnv } from '../http/auth';
import { defineRoute } from '../http/define-route';
import { limitRoute } from '../http/limit-route';
import { ApiError } from '../platform/errors';
import { toVoiceText } from '../platform/spoken-text';
import { handleVoiceTurn } from './calls';
import type { SpeechService } from './speech';
import { formParams, isSignedByTwilio, renderTwiml, twilioEvent } from './twilio';

const APP_ID = /^app_[\w-]{4,64}$/;

/**
 * The URL Twilio signed: the configured public URL of the API with this path and query, else the
 * URL the request arrived at (behind your own proxies, the host and scheme they forwarded).
 */
function signedUrl(c: Context, deps: RouterDeps): string {
  const url = new URL(c.req.url);
  const pathAndQuery = `${url.pathname}${url.search}`;
  if (deps.config.publicUrl) return `${deps.config.publicUrl.replace(/\/+$/, '')}${pathAndQuery}`;
  if (deps.trustedProxyHops > 0) {
    const proto = forwardedByOurProxies(c, 'x-forwarded-proto', deps.trustedProxyHops);
    const host = forwardedByOurProxies(c, 'x-forwarded-host', deps.trustedProxyHops) ?? c.req.header('host');
    if (proto && host) return `${proto}://${host}${pathAndQuery}`;
  }
  return url.href;
}

/**
 * What the outermost of our `hops` proxies recorded in a list header that each proxy appends to
 * (X-Forwarded-Proto, X-Forwarded-Host): the entry that many places from the right, as
 * `clientAddress` reads X-Forwarded-For. Entries further left were sent by the caller: taking the
 * first would let anyone choose the URL a signature is checked against.
 */
function forwardedByOurProxies(c: Context, header: string, hops: number): string | undefined {
  const entries = (c.req.header(header) ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  return entries[Math.max(0, entries.length - hops)];
}

/** Voice: the Twilio webhook, the generic JSON turn protocol and speech synthesis. */
export function voiceRouter(deps: RouterDeps, speech: SpeechService) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });

  // The Twilio webhook is not a Bearer route: Twilio signs the request with the account's auth
  // token. It is described in the document by hand, and handled on a plain route so the signature
  // is checked over the raw form before anything else reads it.
  router.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/voice/twilio/{appId}',
    operationId: 'twilioVoiceWebhook',
    summary: 'Twilio Programmable Voice webhook: a call turn in, TwiML out',
    description:
      'Set this URL (with your app id) as the phone number’s "A call comes in" webhook (HTTP POST). Every request must carry a valid `X-Twilio-Signature` made with the auth token set in `PATCH /v1/app` `voice.twilioAuthToken`, over the full public URL (set `publicUrl` / `THREADLINE_PUBLIC_URL` behind a proxy). The answer is TwiML: `<Gather input="speech dtmf" language="zh-CN">` around a `<Say>` while the bot talks (its action is the next turn, numbered with `?turn=`, so a retried turn never stores a message twice); `<Enqueue>` or `<Dial>` to `voice.transferTo` on escalation; `<Hangup>` at the end. Keys: 0 a human, 1/2/3 next/repeat/previous step of a how-to, a 6-digit handoff code resumes a web or app conversation, 9 texts an app link (with `voice.smsWebhookUrl`).',
    tags: ['Voice'],
    // No Bearer credential: the X-Twilio-Signature header is the proof.
    security: [],
    request: {
      params: z.object({ appId: z.string().meta({ example: 'app_3b9Xk2LqPz7w' }) }),
      query: z.object({
        turn: z
          .string()
          .optional()
          .meta({ description: 'Set by Threadline in the Gather action: the turn number.' }),
      }),
      headers: z.object({
        'x-twilio-signature': z
          .string()
          .meta({ description: 'Base64 HMAC-SHA1 of the URL and the sorted form parameters.' }),
      }),
      body: { required: true, content: { 'application/x-www-form-urlencoded': { schema: twilioVoiceForm } } },
    },
    responses: {
      200: {
        description: 'TwiML',
        content: {
          'text/xml': {
            schema: z.string().meta({
              example:
                '<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="speech dtmf" language="zh-CN" action="/v1/voice/twilio/app_3b9Xk2LqPz7w?turn=1" method="POST"><Say language="zh-CN">您好，这里是澜悦生活智能客服。</Say></Gather></Response>',
            }),
          },
        },
      },
      400: {
        description: 'The form is not a Twilio voice webhook.',
        content: { 'application/json': { schema: errorEnvelope } },
      },
      403: {
        description:
          'Bad or missing signature (twilio_signature_invalid), or no auth token set (voice_not_configured).',
        content: { 'application/json': { schema: errorEnvelope } },
      },
      404: { description: 'No such app.', content: { 'application/json': { schema: errorEnvelope } } },
      415: { description: 'Not a form body.', content: { 'application/json': { schema: errorEnvelope } } },
    },
  });

  router.post('/v1/voice/twilio/:appId', async (c) => {
    const appId = c.req.param('appId');
    if (!APP_ID.test(appId)) throw new ApiError('not_found', 'App not found.');
    const app: AppRow = await getApp(deps, appId);
    const tokenEnc = app.settings.voice?.twilioAuthTokenEnc;
    if (!tokenEnc)
      throw new ApiError('voice_not_configured', 'Set voice.twilioAuthToken with PATCH /v1/app first.');
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/x-www-form-urlencoded\b/i.test(type))
      throw new ApiError('unsupported_media_type', 'Twilio posts application/x-www-form-urlencoded.');
    const raw = await c.req.text();
    const params = formParams(raw);
    const signature = c.req.header('x-twilio-signature') ?? '';
    if (!signature || !isSignedByTwilio(deps.sealer.open(tokenEnc), signature, signedUrl(c, deps), params))
      throw new ApiError('twilio_signature_invalid', 'X-Twilio-Signature does not match this request.');
    const form = twilioVoiceForm.safeParse(params);
    if (!form.success) throw ApiError.fromZod(form.error, 'form');
    const turnParam = c.req.query('turn');
    if (turnParam !== undefined && !/^\d{1,6}$/.test(turnParam))
      throw new ApiError('validation_failed', 'turn must be the number Threadline put in the action URL.');
    const turn = turnParam === undefined ? undefined : Number(turnParam);
    const meaning = twilioEvent(form.data, turn);
    const answer = await handleVoiceTurn(deps, {
      app,
      provider: 'twilio',
      callId: form.data.CallSid,
      from: typeof form.data.From === 'string' ? form.data.From : undefined,
      // STIR/SHAKEN full attestation: the carrier vouches the caller may use this number.
      callerVerified: params.StirVerstat === 'TN-Validation-Passed-A',
      ...meaning,
      // Status callbacks (the call ended) are not turns of their own.
      sequence: meaning.event === 'hangup' ? undefined : (turn ?? 0),
    });
    const next = `/v1/voice/twilio/${app.id}?turn=${(turn ?? 0) + 1}`;
    c.header('Content-Type', 'text/xml; charset=utf-8');
    return c.body(
      renderTwiml(
        app,
        answer,
        deps.config.publicUrl ? `${deps.config.publicUrl.replace(/\/+$/, '')}${next}` : next,
      ),
      200,
    );
  });

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/voice/turn',
      operationId: 'voiceTurn',
      summary: 'One turn of a call from an IVR / voice-navigation platform (generic JSON voice protocol)',
      description:
        'For telephony platforms whose IVR calls an HTTP service per turn. Send `start` when the call is answered, then each `speech` (ASR text), `dtmf` (keys), `no_input` or `no_match`, and `hangup`. The caller is found by `from`; words go through the same path as `POST /v1/channels/phone/messages` (one timeline, memory from every channel). Play `speak` (or `ssml`), then continue, transfer to `transferTo`, or hang up. Give each turn its `sequence` so a retry is answered from the first attempt.',
      tags: ['Voice'],
      auth: ['secret'],
      body: voiceTurnBody,
      status: 200,
      answer: voiceTurnAnswer,
    }),
    async (c) => {
      const auth = c.get('auth');
      if (auth.kind !== 'secret') throw new Error('unreachable');
      const body = c.req.valid('json');
      const answer = await handleVoiceTurn(deps, {
        app: auth.app,
        provider: 'turn',
        callId: body.callId,
        from: body.from,
        event: body.event,
        utterance: body.utterance,
        digits: body.digits,
        callerVerified: body.callerVerified,
        sequence: body.sequence,
      });
      return c.json(answer, 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      method: 'post',
      path: '/v1/voice/speech',
      operationId: 'synthesizeSpeech',
      summary: 'Speech audio for a text, in the app’s brand voice',
      description:
        'Reads the text in spoken style (numbers, prices, codes) with the voice set for the channel in `PATCH /v1/app` `voice.voices` (or `voice`). The engine is an OpenAI-compatible `/audio/speech` endpoint when the server sets THREADLINE_TTS_BASE_URL, else the embedded espeak-ng. Audio is cached per text and voice (`X-Speech-Cache: hit|miss`). Counts against the message rate limits.',
      tags: ['Voice'],
      auth: ['session', 'secret'],
      body: speechBody,
      status: 200,
      answer: z.string().meta({ format: 'binary', description: 'audio/wav (espeak-ng) or audio/mpeg' }),
      answerMediaTypes: ['audio/wav', 'audio/mpeg'],
      middleware: [
        limitRoute(deps, ['messagesPerSessionPerMinute', 'session'], ['messagesPerIpPerMinute', 'ip']),
      ],
    }),
    async (c) => {
      const auth = c.get('auth');
      if (auth.kind !== 'secret' && auth.kind !== 'session') throw new Error('unreachable');
      const body = c.req.valid('json');
      const channel = body.channel ?? (auth.kind === 'session' ? auth.session.channel : 'phone');
      const voices = auth.app.settings.voice?.voices ?? {};
      const voice = body.voice ?? (Object.hasOwn(voices, channel) ? voices[channel]! : null);
      const spoken = toVoiceText(body.text);
      const audio = await speech.speak(spoken || body.text, voice, auth.app.id);
      return new Response(audio.audio as Uint8Array<ArrayBuffer>, {
        status: 200,
        headers: {
          'Content-Type': audio.contentType,
          'Cache-Control': 'private, max-age=3600',
          'X-Speech-Cache': audio.cached ? 'hit' : 'miss',
          'X-Speech-Voice': encodeURIComponent(voice ?? 'default'),
          'Access-Control-Expose-Headers': 'Retry-After, X-Speech-Cache, X-Speech-Voice',
        },
      }) as never;
    },
  );

  return router;
}
