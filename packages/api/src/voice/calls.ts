import { createHash, createHmac } from 'node:crypto';
import type { HandoffSummary, VoiceEvent, VoiceTurnAnswer } from '@threadline/sdk-core/protocol';
import { and, eq, lt } from 'drizzle-orm';
import { onlineAgents } from '../agents';
import type { AppRow } from '../apps';
import { resolveChannelSender } from '../channels';
import {
  escalateConversation,
  findOpenConversation,
  openHandoffSummary,
  postCustomerMessage,
  type Responder,
  toConversationRef,
} from '../conversations';
import type { Db } from '../db/database';
import { handoffCodes } from '../db/schema';
import { claimHandoff, createHandoff, findClaimableHandoff } from '../handoffs';
import type { RateLimits } from '../http/rate-limits';
import {
  hasExternalIdentity,
  openForCustomer,
  sealForCustomer,
  survivingCustomerId,
  toE164,
  upsertVerifiedCustomer,
} from '../identity';
import { asksForHuman } from '../knowledge';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { createId, sha256 } from '../platform/secrets';
import { toSsml, toVoiceText } from '../platform/spoken-text';
import { guideCommand } from './guides';
import { type VoiceCallState, voiceCalls } from './schema';

export type VoiceDeps = ServiceDeps & { responder: Responder; limits: RateLimits };
export type VoiceProvider = 'twilio' | 'turn';

export interface VoiceTurnInput {
  app: AppRow;
  provider: VoiceProvider;
  callId: string;
  /** The caller id as the platform gives it (E.164 from Twilio; may be empty or "anonymous"). */
  from?: string;
  event: VoiceEvent;
  utterance?: string;
  digits?: string;
  /**
   * Whether the platform vouches that the caller owns `from` (Twilio's STIR/SHAKEN attestation A,
   * or the generic protocol's `callerVerified`). A caller id alone is easily spoofed.
   */
  callerVerified?: boolean;
  /** The turn number; a repeat of an answered turn replays its answer. Omitted: a new turn. */
  sequence?: number;
}

/** Silences or misses in a row that are re-prompted; the next one offers a human. */
export const REPROMPTS = 2;
/** Keypad handoff codes one call may try. */
export const CODE_ATTEMPTS_PER_CALL = 3;
/** Calls untouched this long are swept (their state is only needed while the call lasts). */
const CALL_RETENTION_MS = 24 * 3600_000;
const SWEEP_BATCH = 100;
const SMS_TIMEOUT_MS = 5_000;

const CHANNEL_NAMES: Record<string, string> = {
  web: '网页',
  app: 'App',
  miniprogram: '小程序',
  wechat_oa: '公众号',
  phone: '电话',
};

const say = {
  reprompt: [
    '抱歉，我没有听清。请再说一遍您的问题，或按零转人工。',
    '还是没有听清楚。您可以说得慢一点，或者按零转人工。',
  ],
  miss: [
    '抱歉，这个问题我没听明白，请换个说法再说一遍。',
    '不好意思，我还是没有理解。您可以换个简单的说法，或者按零转人工。',
  ],
  offerHuman: '需要为您转接人工客服吗？请说“转人工”，或按零。',
  transfer: '正在为您转接人工客服，请稍候。',
  agentBusy: '您的问题已经交给人工客服，正在为您接通，请稍候。',
  goodbye: '感谢您的来电，再见。',
  codeWrong: '这个接续码不对或者已经过期了。请再输入一次，或按零转人工。',
  codeTooMany: '接续码已经试了好几次，为了您的账户安全，请按零转人工客服。',
  codeOtherCustomer: '这个接续码属于另一个账户，无法在这通电话里继续。请按零转人工。',
  keyUnknown: [
    '没有这个选项。请直接说出您的问题，或按零转人工。',
    '还是没有这个选项。您可以直接说出问题，或者按零转人工。',
  ],
  noAgentOnline:
    '现在人工客服都不在线。您的问题已经转给人工客服，客服上线后会尽快回复您，在App里也能看到回复。感谢您的来电，再见。',
  smsSent: '已经把继续咨询的链接发到您的手机上了，打开短信就能在App里接着聊。还有别的问题吗？',
  smsUnavailable: '抱歉，暂时没办法给您发短信。请直接说出您的问题。',
  orderNeedsProof:
    '订单详情涉及您的个人信息，电话里需要先确认是您本人。请在App的客服里点“到电话继续”，把六位接续码输入到键盘上，我就能为您查；也可以直接在App的我的订单里查看。',
  noSteps: '现在没有正在读的步骤。请直接说出您的问题，比如“怎么退货”。',
  nothingToRepeat: '请直接说出您的问题，或按零转人工。',
};

const freshState = (): VoiceCallState => ({
  silences: 0,
  misses: 0,
  offeredHuman: false,
  codeAttempts: 0,
  lastAnswerEnc: null,
});

type CallRow = typeof voiceCalls.$inferSelect;

/**
 * The caller ids Twilio sends for a withheld number: the keypad spellings of ANONYMOUS,
 * RESTRICTED, UNKNOWN, UNAVAILABLE and BLOCKED. They look like numbers (+86282452253 like a
 * Chengdu line), so they are refused by name, not left to a phone-number library's metadata:
 * read as a number, every withheld caller would share one customer and hear the others' history.
 */
const WITHHELD_CALLER_IDS = new Set(['+266696687', '+7378742833', '+8656696', '+86282452253', '+2562533']);

/** The caller's number in E.164, or null when it is withheld or no phone number at all. */
function callerPhone(app: AppRow, from: string | undefined): string | null {
  if (!from || WITHHELD_CALLER_IDS.has(from.replace(/[^\d+]/g, ''))) return null;
  try {
    return toE164(from, app.settings.phoneRegion, 'From');
  } catch (error) {
    // "anonymous", "client:…", a SIP URI, a number of no region: no phone number.
    if (!ApiError.isInstance(error)) throw error;
    return null;
  }
}

/** The caller as a customer: found by phone number (verified by the platform), else one per call. */
async function callerCustomerId(deps: VoiceDeps, app: AppRow, from: string | undefined, callKey: string) {
  const phone = callerPhone(app, from);
  if (phone) return (await resolveChannelSender(deps, app, { phone })).id;
  return deps.database.write(async (db, onCommit) => {
    const { customer } = await upsertVerifiedCustomer(deps, db, onCommit, app.id, {
      identities: [{ kind: 'anonymous', value: `call-${callKey}`, verified: false }],
    });
    return customer.id;
  });
}

/** The call's row, created on its first turn (two racing first turns make one row). */
async function openCall(deps: VoiceDeps, input: VoiceTurnInput): Promise<CallRow> {
  const where = and(
    eq(voiceCalls.appId, input.app.id),
    eq(voiceCalls.provider, input.provider),
    eq(voiceCalls.callId, input.callId),
  );
  const [existing] = await deps.database.db.select().from(voiceCalls).where(where).limit(1);
  if (existing) return existing;
  const callKey = sha256(`${input.app.id}:${input.provider}:${input.callId}`).slice(0, 24);
  const customerId = await callerCustomerId(deps, input.app, input.from, callKey);
  const now = deps.clock.now();
  return deps.database.write(async (db) => {
    const stale = await db
      .select({ id: voiceCalls.id })
      .from(voiceCalls)
      .where(lt(voiceCalls.updatedAt, now - CALL_RETENTION_MS))
      .limit(SWEEP_BATCH);
    for (const { id } of stale) await db.delete(voiceCalls).where(eq(voiceCalls.id, id));
    await db
      .insert(voiceCalls)
      .values({
        id: createId('call'),
        appId: input.app.id,
        provider: input.provider,
        callId: input.callId,
        customerId,
        state: freshState(),
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing();
    const [row] = await db.select().from(voiceCalls).where(where).limit(1);
    return row!;
  });
}

interface Outcome {
  speak: string;
  action: VoiceTurnAnswer['action'];
  conversation: VoiceTurnAnswer['conversation'];
  summary?: HandoffSummary;
}

/**
 * One turn of a call, for every voice protocol: the caller's words go through the same path as
 * `POST /v1/channels/phone/messages` (the caller found by phone number, one timeline, the
 * cross-channel memory), keys drive menus, guides and handoff codes, silence and misses are
 * re-prompted twice before a human is offered. A repeated turn number answers as the first time.
 */
export async function handleVoiceTurn(deps: VoiceDeps, input: VoiceTurnInput): Promise<VoiceTurnAnswer> {
  const call = await openCall(deps, input);
  const turn = input.sequence ?? call.turn + 1;
  if (turn <= call.turn) {
    const replay = await replayTurn(deps, call, turn);
    if (replay) return replay;
  }
  const state: VoiceCallState = { ...call.state };
  const ctx = { deps, input, call, state, turn };
  const outcome = await decideTurn(ctx);
  const answer = toAnswer(input.app, outcome);
  const saved = await deps.database.write(async (db, onCommit) => {
    const lastAnswerEnc = await sealForCustomer(
      deps,
      db,
      onCommit,
      { appId: input.app.id, customerId: ctx.call.customerId },
      JSON.stringify(answer),
    );
    const now = deps.clock.now();
    const [row] = await db
      .update(voiceCalls)
      .set({
        customerId: ctx.call.customerId,
        turn,
        state: { ...state, lastAnswerEnc, earlierAnswersEnc: earlierAnswers(call, turn) },
        updatedAt: now,
        ...(outcome.action === 'hangup' || input.event === 'hangup' ? { endedAt: now } : {}),
      })
      // A racing retry of the same turn may have saved first: its answer stands.
      .where(and(eq(voiceCalls.id, call.id), lt(voiceCalls.turn, turn)))
      .returning({ id: voiceCalls.id });
    // The end of a call ends its conversation for the merchant's follow-up rules (scheduled once).
    if (row && (outcome.action === 'hangup' || input.event === 'hangup') && deps.followUps) {
      const open = await findOpenConversation(db, ctx.call.customerId);
      if (open) await deps.followUps.conversationEnded(db, onCommit, open);
    }
    return !!row;
  });
  if (!saved) {
    const [latest] = await deps.database.db.select().from(voiceCalls).where(eq(voiceCalls.id, call.id));
    const replay = latest && (await replayTurn(deps, latest, turn));
    if (replay) return replay;
  }
  return answer;
}

/** Answers kept for late retries of earlier turns (besides the last one). */
const EARLIER_ANSWERS_KEPT = 3;

/** The earlier answers to keep once `turn` is answered: the call's last answer joins them. */
function earlierAnswers(call: CallRow, turn: number): Record<string, string> {
  const all: Record<string, string> = { ...call.state.earlierAnswersEnc };
  if (call.turn >= 0 && call.state.lastAnswerEnc) all[call.turn] = call.state.lastAnswerEnc;
  return Object.fromEntries(
    Object.entries(all).filter(([t]) => Number(t) < turn && Number(t) >= turn - EARLIER_ANSWERS_KEPT),
  );
}

/**
 * The answer given to `turn` (the call's last turn by default). A turn too old to be kept gets the
 * last answer: the platform has moved on, and nothing is stored again.
 */
async function replayTurn(deps: VoiceDeps, call: CallRow, turn = call.turn): Promise<VoiceTurnAnswer | null> {
  const sealed =
    turn === call.turn
      ? call.state.lastAnswerEnc
      : (call.state.earlierAnswersEnc?.[turn] ?? call.state.lastAnswerEnc);
  const opened = await openForCustomer(deps, sealed);
  if (!opened) return null;
  return JSON.parse(opened) as VoiceTurnAnswer;
}

function toAnswer(app: AppRow, outcome: Outcome): VoiceTurnAnswer {
  const speak = toVoiceText(outcome.speak);
  const transferTo = app.settings.voice?.transferTo;
  return {
    speak,
    ...(speak ? { ssml: toSsml(speak) } : {}),
    action: outcome.action,
    // A caller may cut the bot short, except while being put through.
    bargeIn: outcome.action === 'continue',
    ...(outcome.action === 'transfer' && transferTo ? { transferTo } : {}),
    conversation: outcome.conversation,
    ...(outcome.summary ? { summary: outcome.summary } : {}),
  };
}

interface TurnContext {
  deps: VoiceDeps;
  input: VoiceTurnInput;
  call: CallRow;
  state: VoiceCallState;
  turn: number;
}

async function currentConversation(ctx: TurnContext) {
  const row = await findOpenConversation(ctx.deps.database.db, ctx.call.customerId);
  return row;
}

async function decideTurn(ctx: TurnContext): Promise<Outcome> {
  const { input } = ctx;
  switch (input.event) {
    case 'hangup':
      return { speak: '', action: 'hangup', conversation: await conversationRef(ctx) };
    case 'start':
      return greet(ctx);
    case 'no_input':
      return silence(ctx);
    case 'no_match':
      return miss(ctx);
    case 'dtmf':
      return keys(ctx, (input.digits ?? '').replace(/#$/, ''));
    case 'speech':
      return speech(ctx, input.utterance ?? '');
  }
}

async function conversationRef(ctx: TurnContext) {
  const row = await currentConversation(ctx);
  return row ? toConversationRef(row) : null;
}

async function greet(ctx: TurnContext): Promise<Outcome> {
  const open = await currentConversation(ctx);
  // A conversation an agent already has (or is waiting for) goes straight to the people.
  if (open && (open.status === 'queued' || open.status === 'assigned')) return transfer(ctx, say.agentBusy);
  const { app } = ctx.input;
  const greeting =
    app.settings.voice?.greeting ??
    `您好，这里是${app.name}智能客服。请直接说出您的问题；有接续码的话请在键盘上输入；转人工请按零。`;
  return { speak: greeting, action: 'continue', conversation: open ? toConversationRef(open) : null };
}

async function silence(ctx: TurnContext): Promise<Outcome> {
  ctx.state.silences += 1;
  const n = ctx.state.silences;
  if (n <= REPROMPTS)
    return { speak: say.reprompt[n - 1]!, action: 'continue', conversation: await conversationRef(ctx) };
  if (n === REPROMPTS + 1) {
    ctx.state.offeredHuman = true;
    return { speak: say.offerHuman, action: 'continue', conversation: await conversationRef(ctx) };
  }
  // Still silent after the offer: the caller may be unable to speak; a person takes over.
  return escalate(ctx);
}

/**
 * Words the bot could not answer, or keys that mean nothing here (a keypad-only caller is no
 * different): re-prompted twice, then a human is offered.
 */
async function miss(ctx: TurnContext, prompts: string[] = say.miss): Promise<Outcome> {
  ctx.state.silences = 0;
  ctx.state.misses += 1;
  const n = ctx.state.misses;
  if (n <= REPROMPTS)
    return { speak: prompts[n - 1]!, action: 'continue', conversation: await conversationRef(ctx) };
  ctx.state.offeredHuman = true;
  return { speak: say.offerHuman, action: 'continue', conversation: await conversationRef(ctx) };
}

/** Hands the call to a person through the conversations domain's escalation (routing applies). */
async function escalate(ctx: TurnContext): Promise<Outcome> {
  await escalateConversation(ctx.deps, {
    appId: ctx.input.app.id,
    customerId: ctx.call.customerId,
    channel: 'phone',
  });
  return transfer(ctx, say.transfer);
}

/**
 * Puts the caller through to the app's transfer target. Without one the call would wait in the
 * app's own queue for a Threadline agent; when no agent who could take the conversation is online,
 * nobody would ever answer, so the caller is told so and the call ends, the conversation staying
 * queued (with its summary) for the first agent back, who replies in the timeline.
 */
async function transfer(ctx: TurnContext, speak: string): Promise<Outcome> {
  const row = await currentConversation(ctx);
  const summary = row?.summary ? await openHandoffSummary(ctx.deps, row.summary) : undefined;
  const nobodyToTakeIt =
    !ctx.input.app.settings.voice?.transferTo &&
    row?.status === 'queued' &&
    !(await onlineAgents(ctx.deps.database.db, row.appId)).some(
      (agent) => row.skill === null || agent.skills.includes(row.skill),
    );
  return {
    speak: nobodyToTakeIt ? say.noAgentOnline : speak,
    action: nobodyToTakeIt ? 'hangup' : 'transfer',
    conversation: row ? toConversationRef(row) : null,
    ...(summary ? { summary } : {}),
  };
}

const YES = /^(是|是的|好|好的|要|需要|可以|行|嗯|对|转吧|转人工吧)[吧的啊呀。！!，,]*$/;
const TEXT_ME = /发(个|一个)?(短信|链接)|短信发|发到(我的)?手机|在app(里)?(继续|接着)/i;

async function speech(ctx: TurnContext, utterance: string): Promise<Outcome> {
  const { deps, input, state } = ctx;
  state.silences = 0;
  if (state.offeredHuman && YES.test(utterance.trim())) return escalate(ctx);
  if (TEXT_ME.test(utterance) && input.app.settings.voice?.smsWebhookUrl) return textAppLink(ctx);
  const outsideGuide = await navigationOutsideGuide(ctx, utterance);
  if (outsideGuide) return outsideGuide;
  const posted = await postCustomerMessage(deps, {
    appId: input.app.id,
    customerId: ctx.call.customerId,
    channel: 'phone',
    text: utterance,
    clientMessageId: turnMessageId(input, ctx.turn),
  });
  const status = posted.conversation.status;
  // The customer's own orders (number, carrier, tracking number) are not read to a caller id alone:
  // anyone can call "from" a shopper's number, and read-out order details are what refund scams
  // start from. The answer stays in the timeline, where the shopper's app shows it.
  const personal = posted.replies.some((r) => !!(r.meta as { orderId?: unknown } | null)?.orderId);
  if (personal && !(state.verified || input.callerVerified)) {
    state.misses = 0;
    return {
      speak: say.orderNeedsProof,
      action: 'continue',
      conversation: toConversationRef(posted.conversation),
    };
  }
  const spoken = posted.replies.map(spokenReply).join('');
  if (status === 'queued' || status === 'assigned') return transfer(ctx, spoken || say.transfer);
  if (asksForHuman(utterance)) return escalate(ctx);
  const unanswered =
    posted.replies.length === 0 ||
    posted.replies.every((r) => (r.meta as { source?: string } | null)?.source === 'fallback');
  if (unanswered) return miss(ctx);
  state.misses = 0;
  state.offeredHuman = false;
  return { speak: spoken, action: 'continue', conversation: toConversationRef(posted.conversation) };
}

/**
 * A reply as the caller hears it: a screen shows quick replies as buttons ("是下面这些吗？" above
 * them); on the phone they are read out as what the caller can say.
 */
function spokenReply(reply: { text: string; meta?: unknown }): string {
  const options = (reply.meta as { quickReplies?: unknown } | null | undefined)?.quickReplies;
  const said = Array.isArray(options)
    ? options.filter((o): o is string => typeof o === 'string' && !!o.trim())
    : [];
  if (said.length === 0) return reply.text;
  const list = said.length === 1 ? said[0]! : `${said.slice(0, -1).join('，')}，或者${said.at(-1)!}`;
  return `${reply.text}您可以说：${list}。`;
}

/**
 * "重复" / "下一步" / "上一步" when no how-to is being read: the caller is steering the call, not
 * asking the shop. 重复 says the last answer again; a step word says there are no steps. Inside a
 * guide (or for anything else) null: the words go on to the guide and the engine.
 */
async function navigationOutsideGuide(ctx: TurnContext, utterance: string): Promise<Outcome | null> {
  const command = guideCommand(utterance);
  if (!command) return null;
  const bare = utterance.replace(/[\s\p{P}\p{S}]/gu, '');
  if (command !== 'repeat' && !/^(下一步|上一步)$/.test(bare)) return null;
  const open = await currentConversation(ctx);
  if (open?.context.voiceGuide) return null;
  const conversation = open ? toConversationRef(open) : null;
  if (command !== 'repeat') return { speak: say.noSteps, action: 'continue', conversation };
  const last = await replayTurn(ctx.deps, ctx.call);
  const speak = last?.action === 'continue' && last.speak ? last.speak : say.nothingToRepeat;
  return { speak, action: 'continue', conversation };
}

/** One message id per call turn: a platform's retry of the turn never stores a second message. */
function turnMessageId(input: VoiceTurnInput, turn: number): string {
  return `voice-${sha256(`${input.provider}:${input.callId}`).slice(0, 32)}-${turn}`;
}

const GUIDE_KEYS: Record<string, string> = { '1': '下一步', '2': '重复', '3': '上一步' };

async function keys(ctx: TurnContext, digits: string): Promise<Outcome> {
  ctx.state.silences = 0;
  if (digits === '0') return escalate(ctx);
  if (/^\d{6}$/.test(digits)) return resumeByCode(ctx, digits);
  if (digits === '9' && ctx.input.app.settings.voice?.smsWebhookUrl) return textAppLink(ctx);
  const command = GUIDE_KEYS[digits];
  if (command) {
    const open = await currentConversation(ctx);
    if (open?.context.voiceGuide) return speech(ctx, command);
  }
  return miss(ctx, say.keyUnknown);
}

/**
 * A 6-digit handoff code typed on the keypad: the call joins the customer and conversation it was
 * made for (a web or app conversation), as a new session presenting the code would. A caller whose
 * number belongs to a different signed-in user is refused, as a session verified as someone else is.
 */
async function resumeByCode(ctx: TurnContext, code: string): Promise<Outcome> {
  const { deps, input, state } = ctx;
  if (state.codeAttempts >= CODE_ATTEMPTS_PER_CALL)
    return { speak: say.codeTooMany, action: 'continue', conversation: await conversationRef(ctx) };
  state.codeAttempts += 1;
  const digits = (callerPhone(input.app, input.from) ?? '').replace(/\D/g, '');
  let handoff: Awaited<ReturnType<typeof findClaimableHandoff>>;
  try {
    handoff = await findClaimableHandoff(deps, deps.limits, {
      app: input.app,
      presented: code,
      check: digits.length >= 4 ? digits.slice(-4) : undefined,
      // Failures count per caller number (or per call when the number is withheld).
      clientKey: `voice:${digits || ctx.call.id}`,
      deviceKey: `voice-call:${ctx.call.id}`,
      telephonyCaller: true,
    });
  } catch (error) {
    if (!ApiError.isInstance(error)) throw error;
    return { speak: say.codeWrong, action: 'continue', conversation: await conversationRef(ctx) };
  }
  const claimed = await deps.database
    .write(async (db, onCommit) => {
      // Checked inside the claim's transaction, on the ids as they stand now: a sign-in that
      // committed after the look-up above may have merged the code's customer into a merchant user.
      if (await codeOfAnotherUser(db, input.app.id, ctx.call.customerId, handoff.id))
        return 'another user' as const;
      return claimHandoff(deps, db, onCommit, { handoff, sessionId: ctx.call.id, channel: 'phone' });
    })
    .catch((error: unknown) => {
      if (ApiError.isInstance(error)) return null;
      throw error;
    });
  if (claimed === 'another user')
    return { speak: say.codeOtherCustomer, action: 'continue', conversation: await conversationRef(ctx) };
  if (!claimed) return { speak: say.codeWrong, action: 'continue', conversation: await conversationRef(ctx) };
  // The rest of the call speaks for the code's customer (saved with the turn), as the claim read it
  // (the survivor, if a merge moved the code after it was looked up).
  ctx.call = { ...ctx.call, customerId: claimed.customerId };
  state.codeAttempts = 0;
  // A code from the customer's own session, typed on this call: the caller is that customer.
  state.verified = true;
  const from = CHANNEL_NAMES[handoff.fromChannel] ?? handoff.fromChannel;
  const open = await currentConversation(ctx);
  if (open && (open.status === 'queued' || open.status === 'assigned')) return transfer(ctx, say.agentBusy);
  return {
    speak: `好的，已经接上您在${from}上的咨询。请直接说出您的问题。`,
    action: 'continue',
    conversation: open ? toConversationRef(open) : null,
  };
}

/**
 * True when the code was made for a different customer than the caller and both are merchant users
 * (an external user id): one signed-in user's conversation never joins another's call. Ids are read
 * through merges (`survivingCustomerId`), in the caller's transaction.
 */
async function codeOfAnotherUser(
  db: Db,
  appId: string,
  callerId: string,
  handoffId: string,
): Promise<boolean> {
  const [code] = await db
    .select({ customerId: handoffCodes.customerId })
    .from(handoffCodes)
    .where(and(eq(handoffCodes.id, handoffId), eq(handoffCodes.appId, appId)));
  if (!code) return false; // gone: the claim itself refuses it
  const caller = await survivingCustomerId(db, appId, callerId);
  const owner = await survivingCustomerId(db, appId, code.customerId);
  if (caller === owner) return false;
  return (await hasExternalIdentity(db, caller)) && (await hasExternalIdentity(db, owner));
}

/**
 * Texts the caller a handoff link to continue in the app, through the app's SMS webhook (a POST
 * signed like Threadline's webhooks: `Threadline-Signature: t=…,v1=HMAC-SHA256(secret, "t.body")`).
 */
async function textAppLink(ctx: TurnContext): Promise<Outcome> {
  const { deps, input } = ctx;
  const voice = input.app.settings.voice;
  const phone = callerPhone(input.app, input.from);
  if (!voice?.smsWebhookUrl || !phone)
    return { speak: say.smsUnavailable, action: 'continue', conversation: await conversationRef(ctx) };
  const handoff = await createHandoff(deps, {
    app: input.app,
    customerId: ctx.call.customerId,
    fromChannel: 'phone',
    toChannel: 'app',
    createdBy: 'voice',
  });
  const text = `【${input.app.name}】在App里继续刚才的电话咨询：${handoff.url ?? `打开App输入接续码 ${handoff.shortCode}`}（${Math.round((Date.parse(handoff.expiresAt) - deps.clock.now()) / 60_000)}分钟内有效）`;
  const body = JSON.stringify({
    to: phone,
    text,
    code: handoff.code,
    shortCode: handoff.shortCode,
    url: handoff.url ?? null,
  });
  const t = Math.floor(deps.clock.now() / 1000);
  const secret = voice.smsWebhookSecretEnc ? deps.sealer.open(voice.smsWebhookSecretEnc) : '';
  const signature = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  try {
    const response = await deps.fetch(voice.smsWebhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'threadline-signature': `t=${t},v1=${signature}`,
        'threadline-event-id': createHash('sha256').update(handoff.code).digest('hex').slice(0, 32),
      },
      body,
      signal: AbortSignal.timeout(SMS_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`SMS webhook answered ${response.status}`);
  } catch (error) {
    deps.logger.error('sms webhook failed', { error: String(error) });
    return { speak: say.smsUnavailable, action: 'continue', conversation: await conversationRef(ctx) };
  }
  return { speak: say.smsSent, action: 'continue', conversation: await conversationRef(ctx) };
}
