import type {
  ConnectionStatus,
  ConversationUpdate,
  Message,
  MessageDelta,
  RenderableCard,
  WaitState,
} from '@threadline/sdk-core';
import { cardClickUrl, readLinkCard } from '@threadline/sdk-core';

export type Locale = 'zh-CN' | 'en';

/** One row of the message list as the WXML renders it. */
export interface ChatItem {
  /** Unique in the list; also the scroll-into-view anchor (WXML ids cannot start with a digit). */
  key: string;
  kind: 'message' | 'ticket';
  id: string;
  author: Message['author']['type'];
  authorName: string;
  text: string;
  channel: string;
  /** "来自网页" for messages that came in on another channel; empty for this one. */
  channelMark: string;
  createdAt: string;
  streaming: boolean;
  pending: boolean;
  failed: boolean;
  ticketTitle: string;
  ticketStatus: string;
  ticketDetail: string;
  /** The bot's quick-reply options (a clarifying question's readings), shown as chips while it is the latest message. */
  options: string[];
  /** A link card (a follow-up, a product an agent suggests); null without one or when its link is not https. */
  card: RenderableCard | null;
  /** What a tap on the card opens: its click-through link on the API (the open is counted), else its target. */
  cardUrl: string;
  /** Whether the text is worth showing beside the card (it usually repeats the title). */
  showText: boolean;
}

const CHANNELS: Record<string, [string, string]> = {
  web: ['网页', 'web'],
  app: ['App', 'app'],
  miniprogram: ['小程序', 'mini-program'],
  phone: ['电话', 'phone'],
  douyin_live: ['抖音直播', 'Douyin live'],
  taobao_live: ['淘宝直播', 'Taobao live'],
  wechat_oa: ['公众号', 'official account'],
  wecom: ['企业微信', 'WeCom'],
  weibo: ['微博', 'Weibo'],
  sms: ['短信', 'SMS'],
  email: ['邮件', 'email'],
  video: ['视频', 'video'],
};

const TEXT = {
  'zh-CN': {
    channelName: 0,
    from: (name: string) => `来自${name}`,
    status: { bot: '智能客服', queued: '排队等待人工…', assigned: '人工客服', resolved: '已解决' },
    connection: { online: '', offline: '网络不可用，恢复后自动重连', reconnecting: '正在重连…' },
    ticketTypes: { exchange: '换货', return: '退货', refund: '退款', complaint: '投诉' } as Record<
      string,
      string
    >,
    ticketStatus: { open: '已受理', in_progress: '处理中', resolved: '已解决', closed: '已关闭' } as Record<
      string,
      string
    >,
    ticket: '工单',
    order: '订单',
    you: '我',
    bot: '智能客服',
    agent: '客服',
    system: '系统',
    openCard: '查看',
    cardCopied: '链接已复制，可在浏览器中打开',
    placeholder: '请输入您的问题',
    send: '发送',
    escalate: '转人工',
    handoff: '转电话',
    handoffHint: (code: string) => `请致电客服热线，并报出接续码 ${code}，客服即可看到本次对话。`,
    failed: '发送失败，将自动重试',
    waitNobody: '目前没有客服在线。请留下您的问题，客服上线后会在这里回复您。',
    waitPosition: (n: number) =>
      n <= 1 ? '下一位就轮到您，请稍候。' : `您前面还有 ${n - 1} 位，正在排队等待人工客服。`,
    backToBot: '返回智能助手',
    rateTitle: (name: string | null) => `请为${name ?? '本次'}服务打分`,
    ratePlaceholder: '还有什么想说的？（选填）',
    rateSubmit: '提交评价',
    rateThanks: '感谢您的评价！',
    resumeQuestion: '继续链接里的对话？',
    resumeHint:
      '这个链接会接上在别处开始的对话（比如你在网页上聊的，或客服发给你的链接）。只有是你自己发起的，才选择继续。',
    resumeAccept: '继续对话',
    resumeDecline: '不用了',
    resumed: (channel: string) => `已接上你在${channel}上的对话。`,
    resumeUsed: '这个链接已经用过了，你仍在自己的对话里。',
    resumeInvalid: '这个链接已过期或无效，你仍在自己的对话里。',
    resumeOther: '这个链接属于另一个账号，你仍在自己的对话里。',
    resumeFailed: '暂时无法接上对话，请稍后再试。',
  },
  en: {
    channelName: 1,
    from: (name: string) => `via ${name}`,
    status: { bot: 'Assistant', queued: 'Waiting for an agent…', assigned: 'Agent', resolved: 'Resolved' },
    connection: { online: '', offline: 'Offline — will reconnect', reconnecting: 'Reconnecting…' },
    ticketTypes: {
      exchange: 'Exchange',
      return: 'Return',
      refund: 'Refund',
      complaint: 'Complaint',
    } as Record<string, string>,
    ticketStatus: {
      open: 'Open',
      in_progress: 'In progress',
      resolved: 'Resolved',
      closed: 'Closed',
    } as Record<string, string>,
    ticket: 'Ticket',
    order: 'Order',
    you: 'You',
    bot: 'Assistant',
    agent: 'Agent',
    system: 'System',
    openCard: 'Open',
    cardCopied: 'Link copied: open it in your browser',
    placeholder: 'Type your question',
    send: 'Send',
    escalate: 'Talk to a human',
    handoff: 'Continue by phone',
    handoffHint: (code: string) =>
      `Call our hotline and give the code ${code}; the agent will see this chat.`,
    failed: 'Not sent yet — retrying',
    waitNobody: 'No agent is online right now. Leave your message and we’ll reply here.',
    waitPosition: (n: number) =>
      n <= 1 ? 'You are next in line for an agent.' : `You are number ${n} in line for an agent.`,
    backToBot: 'Back to the assistant',
    rateTitle: (name: string | null) => `How did ${name ?? 'we'} do?`,
    ratePlaceholder: 'Anything to add? (optional)',
    rateSubmit: 'Send rating',
    rateThanks: 'Thank you for your feedback!',
    resumeQuestion: 'Continue a conversation from a link?',
    resumeHint:
      'This link carries on a chat that began somewhere else — on the web, or in a link our team sent you. Continue only if you asked for it.',
    resumeAccept: 'Continue',
    resumeDecline: 'No, stay here',
    resumed: (channel: string) => `You are now continuing the conversation from ${channel}.`,
    resumeUsed: 'This link has already been used. You are still in your own chat.',
    resumeInvalid: 'This link has expired or is not valid. You are still in your own chat.',
    resumeOther: 'This link belongs to another account. You are still in your own chat.',
    resumeFailed: 'Could not continue the conversation just now; please try again.',
  },
};

export type ChatText = (typeof TEXT)['zh-CN'];

/** English for any `en*` locale (`en`, `en-US`, `en_GB` as `wx.getSystemInfo` spells it), else Chinese. */
export function textFor(locale: string | undefined): ChatText {
  return /^en(?:$|[-_])/i.test(locale ?? '') ? (TEXT.en as unknown as ChatText) : TEXT['zh-CN'];
}

/** `record[key]` for keys that come from outside (ticket types are the merchant's): own properties only. */
const ownLabel = (record: Readonly<Record<string, string>>, key: string): string | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;

/** A channel's name in the text's language (the slug itself for channels we have no name for). */
export function channelName(channel: string, text: ChatText): string {
  // Own properties only: a channel slug such as "constructor" must not find Object.prototype's.
  const names = Object.hasOwn(CHANNELS, channel) ? CHANNELS[channel] : undefined;
  return names?.[text.channelName] ?? channel;
}

export function channelMark(channel: string, here: string, text: ChatText): string {
  if (!channel || channel === here) return '';
  return text.from(channelName(channel, text));
}

/** What to tell the shopper after a continued link was refused, by the API's error code. */
export function resumeRefusal(code: string | undefined, text: ChatText): string {
  if (code === 'handoff_code_used') return text.resumeUsed;
  if (code === 'identity_conflict') return text.resumeOther;
  if (code === 'handoff_code_invalid' || code === 'handoff_code_expired' || code === 'invalid_input')
    return text.resumeInvalid;
  return text.resumeFailed;
}

export function statusText(
  status: ConversationUpdate['status'] | undefined,
  text: ChatText,
  agent?: string,
): string {
  if (!status) return text.status.bot;
  if (status === 'assigned' && agent) return `${text.status.assigned} · ${agent}`;
  return ownLabel(text.status, status) ?? status;
}

export function connectionText(connection: ConnectionStatus, text: ChatText): string {
  return text.connection[connection] ?? '';
}

const blank = {
  streaming: false,
  pending: false,
  failed: false,
  ticketTitle: '',
  ticketStatus: '',
  ticketDetail: '',
  options: [] as string[],
  card: null as RenderableCard | null,
  cardUrl: '',
  showText: true,
};

function authorName(author: Message['author'], text: ChatText): string {
  if (author.type === 'customer') return text.you;
  return author.name || text[author.type];
}

export function messageItem(message: Message, here: string, text: ChatText, apiUrl?: string): ChatItem {
  // WXML binds text as text (no HTML), and only a card whose links pass `isSafeCardUrl` is shown.
  const card = readLinkCard(message.meta?.card);
  return {
    ...blank,
    card,
    cardUrl: card ? (cardClickUrl(message.meta?.card, apiUrl) ?? card.targetUrl) : '',
    showText: !card || message.text.trim() !== card.title.trim(),
    key: `m-${message.id}`,
    kind: 'message',
    id: message.id,
    author: message.author.type,
    authorName: authorName(message.author, text),
    text: message.text,
    channel: message.channel,
    channelMark: channelMark(message.channel, here, text),
    createdAt: message.createdAt,
    options:
      message.author.type === 'bot' && Array.isArray(message.meta?.quickReplies)
        ? message.meta.quickReplies.filter((o): o is string => typeof o === 'string').slice(0, 4)
        : [],
  };
}

/** Options answer the latest question only: every item but a last bot message loses its chips. */
export function onlyLatestOptions(items: ChatItem[]): ChatItem[] {
  const last = items.length - 1;
  return items.map((item, i) =>
    item.options.length > 0 && (i !== last || item.author !== 'bot') ? { ...item, options: [] } : item,
  );
}

export function ticketItem(ticket: Record<string, unknown>, here: string, text: ChatText): ChatItem {
  const id = String(ticket.id ?? '');
  const type = String(ticket.type ?? '');
  const status = String(ticket.status ?? 'open');
  const orderId = ticket.orderId ? `${text.order} ${String(ticket.orderId)}` : '';
  const reason = ticket.reason ? String(ticket.reason) : '';
  return {
    ...blank,
    key: `t-${id}`,
    kind: 'ticket',
    id,
    author: 'system',
    authorName: text.system,
    text: '',
    channel: String(ticket.channel ?? here),
    channelMark: '',
    createdAt: String(ticket.createdAt ?? ''),
    ticketTitle: `${ownLabel(text.ticketTypes, type) ?? type} ${text.ticket}`.trim(),
    ticketStatus: ownLabel(text.ticketStatus, status) ?? status,
    ticketDetail: [orderId, reason].filter(Boolean).join(' · '),
  };
}

/** Adds or replaces one item by key; a final message replaces the streamed draft with its id. */
export function upsert(items: ChatItem[], item: ChatItem, limit = 200): ChatItem[] {
  const index = items.findIndex((existing) => existing.key === item.key);
  const next = items.slice();
  if (index >= 0) next[index] = item;
  else next.push(item);
  return next.length > limit ? next.slice(next.length - limit) : next;
}

/** Appends streamed AI text to the reply being written (deltas arrive in `index` order). */
export function applyDelta(items: ChatItem[], delta: MessageDelta, here: string, text: ChatText): ChatItem[] {
  const key = `m-${delta.replyId}`;
  const existing = items.find((item) => item.key === key);
  if (existing && !existing.streaming) return items; // the final message already arrived
  return upsert(items, {
    ...blank,
    key,
    kind: 'message',
    id: delta.replyId,
    author: 'bot',
    authorName: text.bot,
    text: (existing?.text ?? '') + delta.delta,
    channel: here,
    channelMark: '',
    createdAt: existing?.createdAt ?? '',
    streaming: true,
  });
}

/** Timeline page first, then whatever arrived live meanwhile, oldest first. */
export function mergeHistory(history: ChatItem[], live: ChatItem[]): ChatItem[] {
  const seen = new Set(history.map((item) => item.key));
  return history.concat(live.filter((item) => !seen.has(item.key)));
}

/**
 * What the chat says while the conversation waits for a person: honest about nobody being online
 * (the reply will come here) or the place in the queue; empty when it is not waiting.
 */
export function waitText(wait: WaitState | null | undefined, text: ChatText): string {
  if (!wait) return '';
  return wait.agentsOnline === 0 ? text.waitNobody : text.waitPosition(wait.position);
}
