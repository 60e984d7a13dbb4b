/** Every string the widget shows, per language. */
const en = {
  title: 'Customer service',
  subtitle: 'We usually answer at once',
  subtitleQueued: 'You are waiting for a person. Stay here: they will answer in this chat.',
  subtitleAssigned: 'A person from our team is answering you',
  open: 'Open chat',
  close: 'Close chat',
  placeholder: 'Type your question…',
  send: 'Send',
  mic: 'Speak your question',
  micStop: 'Stop listening',
  listening: 'Listening…',
  micError: 'Sorry, I did not catch that. Try again or type.',
  micBlocked: 'The microphone is blocked or missing. Allow it in your browser, or type your question.',
  readAloud: 'Read replies aloud',
  stepOf: (step: number, total: number) => `Step ${step} of ${total}: `,
  stepPrevious: 'Back',
  stepRepeat: 'Repeat',
  stepNext: 'Next',
  escalate: 'Talk to a human',
  handoff: 'Continue on phone / mini-program',
  handoffTitle: 'Continue elsewhere',
  handoffChoose: 'Where do you want to continue?',
  handoffTargets: { app: 'Our app', miniprogram: 'Mini-program', phone: 'Phone call' } as Record<
    string,
    string
  >,
  handoffHints: {
    app: 'Scan the QR code with your phone to open this chat in our app.',
    miniprogram: 'Scan the QR code in WeChat to continue in the mini-program.',
    phone: 'Call our hotline and read out this code: the agent will see this conversation.',
  } as Record<string, string>,
  handoffCodeLabel: 'Your code',
  handoffExpires: (minutes: number) => `Valid for ${minutes} minutes, once.`,
  handoffQr: 'QR code of the handoff link',
  handoffLoading: 'Creating a code…',
  back: 'Back to chat',
  resumeQuestion: 'Continue a conversation from a link?',
  resumeHint:
    'This link carries on a chat that began somewhere else — on another device, or in a link our team sent you. Continue only if you asked for it.',
  resumeAccept: 'Continue',
  resumeDecline: 'No, stay here',
  resumed: (channel: string) => `You are now continuing the conversation from ${channel}.`,
  resumeUsed: 'This link has already been used. You are still in your own chat.',
  resumeInvalid: 'This link has expired or is not valid. You are still in your own chat.',
  resumeOther: 'This link belongs to another account. You are still in your own chat.',
  messages: 'Messages',
  unread: (n: number) => `${n} unread`,
  via: (channel: string) => `via ${channel}`,
  you: 'You',
  bot: 'Assistant',
  agent: 'Agent',
  system: 'Notice',
  openCard: 'Open',
  typing: 'typing…',
  sending: 'sending…',
  failed: 'Not sent.',
  retry: 'Retry',
  tooLong: (over: number, max: number) =>
    `Your message is ${over} character${over === 1 ? '' : 's'} too long (at most ${max}). Shorten it, or send it in parts.`,
  refused: 'This message could not be sent as it is. It is back in the box so you can change it.',
  counter: (length: number, max: number) => `${length} of ${max} characters`,
  empty: 'Ask us anything — shelf life, sizes, your order.',
  ticket: 'Ticket',
  ticketTypes: {
    exchange: 'Exchange request',
    return: 'Return and refund',
    refund: 'Refund',
    complaint: 'Complaint',
  } as Record<string, string>,
  ticketOther: 'After-sales request',
  ticketStatuses: {
    open: 'Received',
    in_progress: 'In progress',
    resolved: 'Resolved',
    closed: 'Closed',
  } as Record<string, string>,
  ticketReasons: {
    too_small: 'Too small',
    too_large: 'Too large',
    wrong_size: 'Wrong size',
    damaged: 'Arrived damaged',
    wrong_or_missing_item: 'Wrong or missing item',
    reaction: 'Skin reaction',
    quality: 'Quality problem',
    changed_mind: 'Changed my mind',
  } as Record<string, string>,
  wantedSize: (size: string) => `wants size ${size}`,
  order: 'Order',
  connection: {
    online: 'Online',
    offline: 'Offline — messages will be sent when you are back',
    reconnecting: 'Reconnecting…',
    connecting: 'Connecting…',
  },
  conversation: {
    bot: 'Assistant is answering',
    queued: 'Waiting for an agent',
    assigned: 'An agent is with you',
    resolved: 'Resolved',
  } as Record<string, string>,
  error: 'Something went wrong. Please try again.',
  channels: {
    web: 'web',
    app: 'app',
    miniprogram: 'mini-program',
    phone: 'phone',
    douyin_live: 'Douyin live',
    taobao_live: 'Taobao live',
    wechat_oa: 'WeChat',
    wecom: 'WeCom',
    weibo: 'Weibo',
    sms: 'SMS',
    email: 'email',
    video: 'video call',
  } as Record<string, string>,
};

export type WidgetStrings = typeof en;

const zh: WidgetStrings = {
  title: '在线客服',
  subtitle: '通常立即回复',
  subtitleQueued: '您正在排队等待人工客服，请留在此页，接入后会在这里回复您',
  subtitleAssigned: '人工客服正在为您服务',
  open: '打开客服',
  close: '关闭客服',
  placeholder: '请输入您的问题…',
  send: '发送',
  mic: '语音输入',
  micStop: '停止录音',
  listening: '正在听，请说话…',
  micError: '没有听清，请再说一次或直接输入。',
  micBlocked: '麦克风没有权限或不可用。请在浏览器里允许使用麦克风，或直接输入问题。',
  readAloud: '朗读回复',
  stepOf: (step: number, total: number) => `第 ${step}/${total} 步：`,
  stepPrevious: '上一步',
  stepRepeat: '重复',
  stepNext: '下一步',
  escalate: '转人工客服',
  handoff: '到手机 / 小程序继续',
  handoffTitle: '换个地方继续',
  handoffChoose: '您想在哪里继续？',
  handoffTargets: { app: '手机 App', miniprogram: '微信小程序', phone: '电话' },
  handoffHints: {
    app: '用手机扫描二维码，在 App 中打开这段对话。',
    miniprogram: '用微信扫描二维码，在小程序中继续。',
    phone: '拨打客服热线，报出下面的号码，客服就能看到这段对话。',
  },
  handoffCodeLabel: '接续号码',
  handoffExpires: (minutes: number) => `${minutes} 分钟内有效，仅可使用一次。`,
  handoffQr: '接续链接的二维码',
  handoffLoading: '正在生成号码…',
  back: '返回对话',
  resumeQuestion: '继续链接里的对话？',
  resumeHint:
    '这个链接会接上在别处开始的对话（比如你在电脑网页上聊的，或客服发给你的链接）。只有是你自己发起的，才选择继续。',
  resumeAccept: '继续对话',
  resumeDecline: '不用了',
  resumed: (channel: string) => `已接上你在${channel}上的对话。`,
  resumeUsed: '这个链接已经用过了，你仍在自己的对话里。',
  resumeInvalid: '这个链接已过期或无效，你仍在自己的对话里。',
  resumeOther: '这个链接属于另一个账号，你仍在自己的对话里。',
  messages: '消息',
  unread: (n: number) => `${n} 条未读`,
  via: (channel: string) => `来自${channel}`,
  you: '我',
  bot: '智能助手',
  agent: '客服',
  system: '通知',
  openCard: '查看',
  typing: '正在输入…',
  sending: '发送中…',
  failed: '未发送。',
  retry: '重试',
  tooLong: (over: number, max: number) => `消息超出 ${over} 个字（最多 ${max} 字），请删减或分几条发送。`,
  refused: '这条消息无法按原样发送，已放回输入框，您可以修改后再发。',
  counter: (length: number, max: number) => `${length} / ${max} 字`,
  empty: '有什么可以帮您？保质期、尺码、订单都可以问。',
  ticket: '工单',
  ticketTypes: { exchange: '换货申请', return: '退货退款', refund: '退款', complaint: '投诉' },
  ticketOther: '售后申请',
  ticketStatuses: { open: '已受理', in_progress: '处理中', resolved: '已解决', closed: '已关闭' },
  ticketReasons: {
    too_small: '尺码偏小',
    too_large: '尺码偏大',
    wrong_size: '尺码不合适',
    damaged: '收到时破损',
    wrong_or_missing_item: '发错或少发',
    reaction: '使用后过敏',
    quality: '质量问题',
    changed_mind: '不想要了',
  },
  wantedSize: (size: string) => `想换 ${size}`,
  order: '订单',
  connection: {
    online: '在线',
    offline: '网络已断开，恢复后自动发送',
    reconnecting: '正在重新连接…',
    connecting: '连接中…',
  },
  conversation: {
    bot: '智能助手为您服务',
    queued: '正在为您转接人工客服',
    assigned: '人工客服为您服务',
    resolved: '已解决',
  },
  error: '出错了，请稍后再试。',
  channels: {
    web: '网页',
    app: 'App',
    miniprogram: '小程序',
    phone: '电话',
    douyin_live: '抖音直播',
    taobao_live: '淘宝直播',
    wechat_oa: '微信公众号',
    wecom: '企业微信',
    weibo: '微博',
    sms: '短信',
    email: '邮件',
    video: '视频通话',
  },
};

export type WidgetLanguage = 'zh-CN' | 'en';

/**
 * The widget's language: the first of the element's `lang` (the app's setting, from `init({ lang })`
 * or `data-lang`), the page's `<html lang>`, then the browser's languages, that the widget speaks
 * (zh*, en*). A Chinese shop thus gets a Chinese widget in an English browser; anything unknown
 * falls back to English.
 */
export function resolveLanguage(
  ...candidates: Array<string | null | undefined | readonly string[]>
): WidgetLanguage {
  for (const candidate of candidates.flat()) {
    if (!candidate) continue;
    if (/^zh\b/i.test(candidate)) return 'zh-CN';
    if (/^en\b/i.test(candidate)) return 'en';
  }
  return 'en';
}

export function stringsFor(language: WidgetLanguage): WidgetStrings {
  return language === 'zh-CN' ? zh : en;
}

/** `zh*` gets Chinese, everything else English; unset follows the page, then the browser. */
export function pickStrings(lang: string | null | undefined): WidgetStrings {
  const nav = globalThis.navigator;
  return stringsFor(
    resolveLanguage(lang, globalThis.document?.documentElement?.lang, nav?.languages, nav?.language),
  );
}
