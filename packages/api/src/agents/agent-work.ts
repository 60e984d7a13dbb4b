import type { ConversationDetail, LinkCard, Message } from '@threadline/sdk-core/protocol';
import { and, asc, desc, eq, inArray, isNull } from 'drizzle-orm';
import { type AppRow, assertKnownChannel, DEFAULT_HANDOFF_TTL_SEC } from '../apps';
import { postStaffMessage, timelinePage, toWireMessage, VOICE_CHANNELS } from '../conversations';
import type { Db } from '../db/database';
import { agents, assignments, conversations, customers, sessions } from '../db/schema';
import { assertCardHostsAllowed, SDK_CHANNELS } from '../followups';
import { createHandoff } from '../handoffs';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import { ApiError } from '../platform/errors';
import { buildProfileBrief, maskPii, phoneOnFile } from '../profile';
import { appendEvent } from '../realtime';
import { getConversationRow, toInboxRows } from './inbox';
import { addNote, notesBetween } from './notes';
import { type Actor, takeConversation } from './ownership';

function assertNotOthers(conversation: { status: string; assignedAgentId: string | null }, agent: Actor) {
  if (conversation.status === 'assigned' && conversation.assignedAgentId !== agent.id)
    throw new ApiError('not_conversation_owner', 'Another agent owns this conversation; claim it first.');
}

/**
 * Where a card goes: the channel asked for, else the conversation's last channel — unless that is a
 * voice channel (a phone call cannot show a card), then the channel of the customer's newest
 * session on an SDK channel (mini-program, app, web), counting customers merged into them. The
 * agent on the call says "I've sent it to your mini-program" and it is there. An SDK channel is
 * only ever chosen when the customer has a session on it: a card "sent to the mini-program" of a
 * shopper who never opened it would be stored, counted and announced, and seen by nobody.
 * 409 no_card_channel when the customer has no client that could show it.
 */
async function cardChannel(
  db: Db,
  conversation: { customerId: string; lastChannel: string },
  asked: string | undefined,
): Promise<string> {
  const wanted = asked ?? conversation.lastChannel;
  const isSdk = SDK_CHANNELS.has(wanted);
  if (!VOICE_CHANNELS.has(wanted) && !isSdk) return wanted;
  const noClient = (message: string) => new ApiError('no_card_channel', message);
  if (!isSdk && asked !== undefined)
    throw noClient(
      'A phone call cannot show a card, and this customer has no mini-program, app or web session to show it on. Send the link in a text message instead.',
    );
  const ids = [
    conversation.customerId,
    ...(
      await db
        .select({ id: customers.id })
        .from(customers)
        .where(eq(customers.mergedInto, conversation.customerId))
        .limit(64)
    ).map((c) => c.id),
  ];
  const [newest] = await db
    .select({ channel: sessions.channel })
    .from(sessions)
    .where(
      and(inArray(sessions.customerId, ids), inArray(sessions.channel, isSdk ? [wanted] : [...SDK_CHANNELS])),
    )
    .orderBy(desc(sessions.createdAt))
    .limit(1);
  if (!newest)
    throw noClient(
      isSdk
        ? `This customer has never used the ${wanted} channel, so a card there would reach nobody. Send it on a channel they use.`
        : 'A phone call cannot show a card, and this customer has no mini-program, app or web session to show it on. Send the link in a text message instead.',
    );
  return newest.channel;
}

/**
 * POST /v1/agent/conversations/:id/messages — the agent's reply, stored through the conversation's
 * own message path and delivered live to every session of the customer. Replying to a queued or
 * bot conversation takes it (the bot goes silent). The same clientMessageId returns the first reply.
 */
export async function replyAsAgent(
  deps: ServiceDeps,
  app: AppRow,
  agent: Actor,
  conversationId: string,
  body: { text: string; clientMessageId?: string; channel?: string; card?: LinkCard },
): Promise<{ message: Message; created: boolean }> {
  if (body.channel) assertKnownChannel(app, body.channel);
  return deps.database.write(async (db, onCommit) => {
    let conversation = await getConversationRow(db, app.id, conversationId);
    // After the look-up: another app's conversation id is 404 whatever the card says.
    if (body.card) assertCardHostsAllowed(app, body.card);
    if (conversation.status === 'resolved')
      throw new ApiError(
        'conversation_resolved',
        'This conversation is resolved; the customer’s next message opens a new one.',
      );
    assertNotOthers(conversation, agent);
    if (conversation.status !== 'assigned')
      conversation = await takeConversation(deps, db, onCommit, conversation, agent);
    const posted = await postStaffMessage(deps, db, onCommit, {
      conversation,
      channel: body.card
        ? await cardChannel(db, conversation, body.channel)
        : (body.channel ?? conversation.lastChannel),
      author: { type: 'agent', id: agent.id, name: agent.name },
      text: body.text,
      clientMessageId: body.clientMessageId,
      ...(body.card ? { meta: { card: body.card } } : {}),
    });
    if (posted.created) {
      const now = deps.clock.now();
      await db
        .update(assignments)
        .set({ firstResponseAt: now })
        .where(
          and(
            eq(assignments.conversationId, conversation.id),
            eq(assignments.agentId, agent.id),
            isNull(assignments.endedAt),
            isNull(assignments.firstResponseAt),
          ),
        );
      await db.update(conversations).set({ updatedAt: now }).where(eq(conversations.id, conversation.id));
    }
    return { message: toWireMessage(posted.message), created: posted.created };
  });
}

/** POST /v1/agent/conversations/:id/typing — the customer's sessions see "客服正在输入…". */
export async function agentTyping(deps: ServiceDeps, agent: Actor, conversationId: string, typing: boolean) {
  await deps.database.write(async (db, onCommit) => {
    const conversation = await getConversationRow(db, agent.appId, conversationId);
    if (conversation.status === 'resolved') return;
    assertNotOthers(conversation, agent);
    await appendEvent(deps, db, onCommit, {
      appId: conversation.appId,
      customerId: conversation.customerId,
      type: 'typing',
      data: { conversationId: conversation.id, author: { type: 'agent', name: agent.name }, typing },
    });
  });
}

/**
 * POST /v1/agent/conversations/:id/notes — an internal note, never shown to the customer. The same
 * clientNoteId again returns the first note.
 */
export async function noteOnConversation(
  deps: ServiceDeps,
  agent: Actor,
  conversationId: string,
  body: { text: string; clientNoteId?: string },
) {
  return deps.database.write(async (db, onCommit) => {
    const conversation = await getConversationRow(db, agent.appId, conversationId);
    return addNote(deps, db, onCommit, conversation, agent, body.text, body.clientNoteId);
  });
}

const CHANNEL_NAMES: Record<string, string> = {
  app: 'App',
  miniprogram: '小程序',
  web: '网页',
  wechat_oa: '公众号',
};

/**
 * POST /v1/agent/conversations/:id/handoff — a handoff code for this customer (phone → app), and
 * with `sendSms` a text with the link and the 6-digit code to the phone number on file. Threadline
 * sends no SMS itself: the text is posted on the conversation's `sms` channel (taking the
 * conversation, like a reply), where your SMS gateway picks it up from the app's event stream.
 */
export async function handoffForCustomer(
  deps: ServiceDeps,
  app: AppRow,
  agent: Actor,
  conversationId: string,
  body: { toChannel?: string; sendSms: boolean },
) {
  if (body.toChannel) assertKnownChannel(app, body.toChannel);
  const db = deps.database.db;
  const conversation = await getConversationRow(db, app.id, conversationId);
  if (conversation.status === 'resolved')
    throw new ApiError('conversation_resolved', 'This conversation is resolved.');
  // The text is a reply on the conversation: only its owner (or anyone, while nobody owns it).
  if (body.sendSms) assertNotOthers(conversation, agent);
  const phone = body.sendSms ? await phoneOnFile(deps, db, conversation.customerId) : null;
  if (body.sendSms && !phone)
    throw new ApiError('no_phone_on_file', 'There is no phone number on file for this customer.');
  const code = await createHandoff(deps, {
    app,
    customerId: conversation.customerId,
    toChannel: body.toChannel,
    createdBy: `agent:${agent.id}`,
  });
  if (!phone) return { ...code, sms: null };
  const minutes = Math.round((app.settings.handoffTtlSec ?? DEFAULT_HANDOFF_TTL_SEC) / 60);
  const where = body.toChannel ? (CHANNEL_NAMES[body.toChannel] ?? body.toChannel) : '';
  const text = code.url
    ? `【${app.name}】点击 ${code.url} 继续刚才的咨询，或在${where || '客服窗口'}输入继续码 ${code.shortCode} 和本机号码后四位（${minutes} 分钟内有效）。`
    : `【${app.name}】打开${where || '客服窗口'}输入继续码 ${code.shortCode} 和本机号码后四位，即可继续刚才的咨询（${minutes} 分钟内有效）。`;
  const message = await deps.database.write(async (tx, onCommit) => {
    let current = await getConversationRow(tx, app.id, conversationId);
    assertNotOthers(current, agent);
    // Like a reply, texting the customer takes the conversation: the bot stays out of it.
    if (current.status !== 'assigned') current = await takeConversation(deps, tx, onCommit, current, agent);
    const posted = await postStaffMessage(deps, tx, onCommit, {
      conversation: current,
      channel: 'sms',
      author: { type: 'agent', id: agent.id, name: agent.name },
      text,
    });
    return toWireMessage(posted.message);
  });
  return { ...code, sms: { to: maskPii('phone', phone), message } };
}

/**
 * A page of the customer's cross-channel timeline for agents, with the internal notes written in
 * the same span (the newest page also gets every note since its first message).
 */
export async function agentTimeline(
  deps: Pick<ServiceDeps, 'sealer' | 'database'>,
  db: Db,
  customerId: string,
  options: { before?: string; limit: number },
) {
  const page = await timelinePage(deps, db, customerId, options);
  const first = page.messages[0];
  const last = page.messages.at(-1);
  if (options.before !== undefined && !last) return { ...page, notes: [] };
  const from = page.nextBefore && first ? Date.parse(first.createdAt) : 0;
  const to = options.before !== undefined && last ? Date.parse(last.createdAt) : Number.MAX_SAFE_INTEGER;
  return { ...page, notes: await notesBetween(deps, db, customerId, from, to) };
}

/**
 * GET /v1/agent/conversations/:id — everything an agent needs on opening a conversation: the row
 * (with the handoff summary), the customer's profile brief, the first timeline page across every
 * channel with notes, and who owned it when.
 */
export async function conversationDetail(
  deps: Pick<ServiceDeps, 'database' | 'sealer'>,
  appId: string,
  conversationId: string,
): Promise<ConversationDetail> {
  const db = deps.database.db;
  const conversation = await getConversationRow(db, appId, conversationId);
  const [[row], profile, timeline, history] = await Promise.all([
    toInboxRows(deps, db, [conversation]),
    buildProfileBrief(deps, db, appId, conversation.customerId),
    agentTimeline(deps, db, conversation.customerId, { limit: 50 }),
    db
      .select()
      .from(assignments)
      .where(eq(assignments.conversationId, conversation.id))
      .orderBy(asc(assignments.assignedAt))
      .limit(200),
  ]);
  const agentIds = [...new Set(history.map((h) => h.agentId))];
  const names = new Map(
    (agentIds.length
      ? await db.select({ id: agents.id, name: agents.name }).from(agents).where(inArray(agents.id, agentIds))
      : []
    ).map((a) => [a.id, a.name]),
  );
  const at = (ms: number | null) => (ms === null ? null : iso(ms));
  return {
    conversation: row!,
    profile,
    timeline,
    assignments: history.map((h) => ({
      id: h.id,
      agent: { id: h.agentId, name: names.get(h.agentId) ?? '' },
      how: h.how,
      byAgentId: h.byAgentId,
      queuedAt: at(h.queuedAt),
      assignedAt: iso(h.assignedAt),
      firstResponseAt: at(h.firstResponseAt),
      endedAt: at(h.endedAt),
      endReason: h.endReason,
    })),
  };
}
