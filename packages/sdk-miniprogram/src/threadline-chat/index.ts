// The <threadline-chat> custom component. Built to miniprogram_dist/threadline-chat/index.js, which
// requires the package entry (`../index`) so the component and the host app share one client.
import { type ConversationUpdate, cardClickUrl, isSafeCardUrl } from '@threadline/sdk-core';
import { createThreadline, getThreadline, type MiniProgramThreadline, parseHandoffCode } from '../index';
import {
  applyDelta,
  type ChatItem,
  type ChatText,
  channelName,
  connectionText,
  mergeHistory,
  messageItem,
  onlyLatestOptions,
  resumeRefusal,
  statusText,
  textFor,
  ticketItem,
  upsert,
  waitText,
} from './chat-view';

/** What a card tap uses of `wx` (optional: hosts and tests without it just get the event). */
interface CardHost {
  navigateTo?(options: { url: string }): void;
  setClipboardData?(options: { data: string; success?: () => void }): void;
  showToast?(options: { title: string; icon?: string }): void;
}

/** How often the place in the queue is refreshed while waiting. */
const WAIT_REFRESH_MS = 15_000;

interface ChatData {
  items: ChatItem[];
  draft: string;
  status: ConversationUpdate['status'];
  statusText: string;
  connectionText: string;
  scrollTo: string;
  handoffCode: string;
  handoffHint: string;
  busy: boolean;
  ready: boolean;
  /** A handoff link is waiting for the shopper's yes or no. */
  resumePrompt: boolean;
  /** What happened to the last link (continued, used, expired…); '' when nothing to say. */
  notice: string;
  text: Omit<ChatText, 'from' | 'handoffHint' | 'resumed' | 'waitPosition' | 'rateTitle'>;
  /** While waiting for a person: the place in the queue, or that nobody is online. */
  waitText: string;
  agentsOnline: number;
  /** After an agent resolved: the CSAT question (conversation id, title), the stars, the comment. */
  rateConversationId: string;
  rateTitle: string;
  rating: number;
  stars: { value: number; on: boolean }[];
  rateComment: string;
  rated: boolean;
}

interface ChatProperties {
  appKey: string;
  apiUrl: string;
  locale: string;
  handoffChannel: string;
  handoff: string;
  cardPage: string;
}

interface ChatInstance {
  data: ChatData & ChatProperties;
  setData(data: Partial<ChatData>): void;
  triggerEvent(name: string, detail?: unknown): void;
  client: MiniProgramThreadline | null;
  _off: Array<() => void>;
  _local: number;
  _text: ChatText;
  /** The code of the link the page was opened with, until the shopper answers. */
  _linkCode: string | null;
  _ready: boolean;
  _update(items: ChatItem[]): void;
  _send(text: string): void;
  _reload(): Promise<void>;
  _checkState(): Promise<void>;
  _waitTimer?: ReturnType<typeof setTimeout>;
  _fail(error: unknown): void;
  _askToResume(): void;
}

declare function Component(options: Record<string, unknown>): void;
declare function getApp(options?: {
  allowDefault?: boolean;
}): { threadline?: MiniProgramThreadline } | undefined;

const HERE = 'miniprogram';

/** The host's client: `getApp().threadline`, else the one createThreadline() made, else our own. */
function findClient(properties: ChatProperties): MiniProgramThreadline | null {
  try {
    const app = typeof getApp === 'function' ? getApp({ allowDefault: true }) : undefined;
    if (app?.threadline) return app.threadline;
  } catch {
    // Outside a running app (tests, previews) there is no getApp.
  }
  const shared = getThreadline();
  if (shared) return shared;
  if (properties.appKey && properties.apiUrl)
    return createThreadline({ appKey: properties.appKey, apiUrl: properties.apiUrl });
  return null;
}

function labels(text: ChatText): ChatData['text'] {
  const {
    from: _from,
    handoffHint: _hint,
    resumed: _resumed,
    waitPosition: _wait,
    rateTitle: _rate,
    ...rest
  } = text;
  return rest;
}

const stars = (rating: number) => [1, 2, 3, 4, 5].map((value) => ({ value, on: value <= rating }));

Component({
  options: { styleIsolation: 'isolated' },
  properties: {
    appKey: { type: String, value: '' },
    apiUrl: { type: String, value: '' },
    locale: { type: String, value: 'zh-CN' },
    /** Where "转电话" hands the conversation to. */
    handoffChannel: { type: String, value: 'phone' },
    /**
     * The page's handoff link, e.g. `handoff="{{query.handoff || query.scene}}"` from onLoad(query).
     * The component asks the shopper before it continues anything.
     */
    /**
     * A page of the host that shows a link in a <web-view> (its domain set as a business domain),
     * e.g. `/pages/web/index`: a tapped card opens `cardPage?url=<encoded link>`. Without it the
     * link is copied for the shopper. Either way the page gets a `cardtap` event first.
     */
    cardPage: { type: String, value: '' },
    handoff: {
      type: String,
      value: '',
      observer(this: ChatInstance, value: string) {
        this._linkCode = value ? parseHandoffCode(value) : null;
        this._askToResume();
      },
    },
  },
  data: {
    items: [],
    draft: '',
    status: 'bot',
    statusText: '',
    connectionText: '',
    scrollTo: '',
    handoffCode: '',
    handoffHint: '',
    busy: false,
    ready: false,
    resumePrompt: false,
    notice: '',
    text: labels(textFor('zh-CN')),
    waitText: '',
    agentsOnline: 0,
    rateConversationId: '',
    rateTitle: '',
    rating: 0,
    stars: stars(0),
    rateComment: '',
    rated: false,
  },
  lifetimes: {
    attached(this: ChatInstance) {
      const text = textFor(this.data.locale);
      this._text = text;
      this._local = 0;
      this._off = [];
      this.setData({ text: labels(text), statusText: statusText('bot', text) });
      const client = findClient(this.data);
      this.client = client;
      if (!client) {
        this.triggerEvent('error', {
          code: 'invalid_input',
          message: 'threadline-chat needs createThreadline() first',
        });
        return;
      }
      const items = () => this.data.items;
      this._off.push(
        client.on('message', (message) =>
          this._update(upsert(items(), messageItem(message, HERE, text, client.apiUrl))),
        ),
        client.on('delta', (delta) => this._update(applyDelta(items(), delta, HERE, text))),
        client.on('ticket', ({ ticket }) => this._update(upsert(items(), ticketItem(ticket, HERE, text)))),
        client.on('conversation', (update) => {
          this.setData({
            status: update.status,
            statusText: statusText(update.status, text, update.assignedAgent?.name),
          });
          this.triggerEvent('status', { status: update.status });
          this._checkState().catch((error) => this._fail(error));
        }),
        client.on('connection', (status) => this.setData({ connectionText: connectionText(status, text) })),
        // loginWithWechat / identify merged another history in; reset and a continued link are
        // someone else's history, so what is shown goes first.
        client.on('session', ({ reason }) => {
          if (reason === 'reset' || reason === 'renewed' || reason === 'resumed') this._update([]);
          this._reload().catch((error) => this._fail(error));
        }),
        client.on('error', (error) =>
          this.triggerEvent('error', { code: error.code, message: error.message }),
        ),
      );
      client
        .start()
        .then((started) => {
          const status = started.conversation?.status ?? 'bot';
          this.setData({ status, statusText: statusText(status, text) });
          return this._reload();
        })
        .then(() => this._checkState())
        .then(() => {
          this._ready = true;
          this.setData({ ready: true });
          this._askToResume();
        })
        .catch((error) => this._fail(error));
    },
    detached(this: ChatInstance) {
      // The client belongs to the app (it keeps realtime and the send queue); only unsubscribe.
      for (const off of this._off ?? []) off();
      this._off = [];
      clearTimeout(this._waitTimer);
    },
  },
  methods: {
    onInput(this: ChatInstance, event: { detail: { value: string } }) {
      this.setData({ draft: event.detail.value });
    },
    onSend(this: ChatInstance) {
      const text = (this.data.draft || '').trim();
      if (!text || !this.client) return;
      this.setData({ draft: '' });
      this._send(text);
    },
    /** A tapped link card: the page hears `cardtap` {url, title, messageId}; then it opens or is copied. */
    onCard(
      this: ChatInstance,
      event: { currentTarget: { dataset: { url?: string; title?: string; messageId?: string } } },
    ) {
      const { url, title, messageId } = event.currentTarget.dataset;
      // The item was built from a card that passed `isSafeCardUrl` (or is its click-through on our
      // API, see `cardClickUrl`); checked again at the door.
      if (!isSafeCardUrl(url) && cardClickUrl({ clickUrl: url }, this.client?.apiUrl) !== url) return;
      this.triggerEvent('cardtap', { url, title, messageId });
      const host = (globalThis as { wx?: CardHost }).wx;
      if (!host) return;
      if (this.data.cardPage)
        host.navigateTo?.({ url: `${this.data.cardPage}?url=${encodeURIComponent(url)}` });
      else
        host.setClipboardData?.({
          data: url,
          success: () => host.showToast?.({ title: this._text.cardCopied, icon: 'none' }),
        });
    },
    /** A tapped quick-reply chip: its text goes out as the shopper's next message. */
    onOption(this: ChatInstance, event: { currentTarget: { dataset: { option?: string } } }) {
      const text = event.currentTarget.dataset.option;
      if (text) this._send(text);
    },
    _send(this: ChatInstance, text: string) {
      const client = this.client;
      if (!client) return;
      const key = `local-${++this._local}`;
      const local: ChatItem = {
        ...messageItem(
          {
            id: key,
            conversationId: '',
            channel: HERE,
            author: { type: 'customer' },
            text,
            createdAt: '',
          },
          HERE,
          this._text,
        ),
        key,
        pending: true,
      };
      this._update(upsert(this.data.items, local));
      client.send(text).then(
        // The acknowledged message came through the `message` event just before.
        () => this._update(this.data.items.filter((item) => item.key !== key)),
        (error) => {
          this._update(this.data.items.map((item) => (item.key === key ? { ...item, failed: true } : item)));
          this._fail(error);
        },
      );
    },
    onEscalate(this: ChatInstance) {
      const client = this.client;
      if (!client || this.data.busy) return;
      this.setData({ busy: true });
      client
        .escalate()
        .catch((error) => this._fail(error))
        .then(() => this.setData({ busy: false }));
    },
    onHandoff(this: ChatInstance) {
      const client = this.client;
      if (!client || this.data.busy) return;
      this.setData({ busy: true });
      client
        .handoff({ toChannel: this.data.handoffChannel || 'phone' })
        .then((answer) => {
          this.setData({
            handoffCode: answer.shortCode,
            handoffHint: this._text.handoffHint(answer.shortCode),
          });
          this.triggerEvent('handoff', answer);
        })
        .catch((error) => this._fail(error))
        .then(() => this.setData({ busy: false }));
    },
    onBackToBot(this: ChatInstance) {
      const client = this.client;
      if (!client || this.data.busy) return;
      this.setData({ busy: true });
      client
        .backToBot()
        .catch((error) => this._fail(error))
        .then(() => this.setData({ busy: false }));
    },
    onRate(this: ChatInstance, event: { currentTarget: { dataset: { rating?: number | string } } }) {
      const rating = Number(event.currentTarget.dataset.rating);
      if (rating >= 1 && rating <= 5) this.setData({ rating, stars: stars(rating) });
    },
    onRateComment(this: ChatInstance, event: { detail: { value: string } }) {
      this.setData({ rateComment: event.detail.value });
    },
    onSubmitRating(this: ChatInstance) {
      const client = this.client;
      const { rating, rateComment, rateConversationId } = this.data;
      if (!client || !rating || !rateConversationId || this.data.busy) return;
      this.setData({ busy: true });
      client
        .rate(rating, rateComment.trim() || undefined, rateConversationId)
        .then(() => this.setData({ rated: true, rateTitle: this._text.rateThanks }))
        .catch((error) => this._fail(error))
        .then(() => this.setData({ busy: false }));
    },
    onDismissRating(this: ChatInstance) {
      this.setData({ rateConversationId: '', rateTitle: '' });
    },
    /** The honest wait (refreshed while queued) and whether a resolved conversation awaits a rating. */
    _checkState(this: ChatInstance): Promise<void> {
      const client = this.client;
      clearTimeout(this._waitTimer);
      if (!client) return Promise.resolve();
      return client.conversationState().then((state) => {
        const patch: Partial<ChatData> = {
          waitText: waitText(state.wait, this._text),
          agentsOnline: state.wait?.agentsOnline ?? 0,
        };
        if (state.rateable && state.rateable.conversationId !== this.data.rateConversationId)
          Object.assign(patch, {
            rateConversationId: state.rateable.conversationId,
            rateTitle: this._text.rateTitle(state.rateable.agentName),
            rating: 0,
            stars: stars(0),
            rateComment: '',
            rated: false,
          });
        this.setData(patch);
        if (state.conversation?.status === 'queued')
          this._waitTimer = setTimeout(() => {
            this._checkState().catch((error) => this._fail(error));
          }, WAIT_REFRESH_MS);
      });
    },
    onCloseHandoff(this: ChatInstance) {
      this.setData({ handoffCode: '', handoffHint: '' });
    },
    /** The shopper continues the linked conversation; only now is it shown, and whose it was. */
    onResumeAccept(this: ChatInstance) {
      const code = this._linkCode;
      this._linkCode = null;
      this.setData({ resumePrompt: false });
      const client = this.client;
      if (!client || !code) return;
      client.resume(code).then(
        (answer) => {
          const from = answer.handoff?.fromChannel;
          this.setData({ notice: this._text.resumed(channelName(from ?? '', this._text)) });
          this.triggerEvent('resume', { ok: true, fromChannel: from });
        },
        (error: { code?: string }) => {
          this.setData({ notice: resumeRefusal(error?.code, this._text) });
          this.triggerEvent('resume', { ok: false, code: error?.code });
        },
      );
    },
    /** The shopper stays in their own chat; the link is forgotten. */
    onResumeDecline(this: ChatInstance) {
      this._linkCode = null;
      this.setData({ resumePrompt: false });
      this.triggerEvent('resume', { ok: false, code: 'declined' });
    },
    onCloseNotice(this: ChatInstance) {
      this.setData({ notice: '' });
    },
    /** Shows the question once the chat is up and a link is waiting. */
    _askToResume(this: ChatInstance) {
      if (this._ready && this._linkCode && !this.data.resumePrompt) this.setData({ resumePrompt: true });
    },
    /** The latest timeline page, merged with what arrived live meanwhile. */
    _reload(this: ChatInstance): Promise<void> {
      const client = this.client;
      if (!client) return Promise.resolve();
      return client.timeline({ limit: 50 }).then((page) => {
        const history = page.messages.map((message) => messageItem(message, HERE, this._text, client.apiUrl));
        this._update(mergeHistory(history, this.data.items));
      });
    },
    _update(this: ChatInstance, next: ChatItem[]) {
      const items = onlyLatestOptions(next);
      const last = items[items.length - 1];
      this.setData({ items, scrollTo: last ? `i-${last.key}` : '' });
    },
    _fail(this: ChatInstance, error: unknown) {
      const failure = error as { code?: string; message?: string };
      this.triggerEvent('error', {
        code: failure?.code ?? 'unexpected',
        message: failure?.message ?? String(error),
      });
    },
  },
});
