import type { ConversationStatus, HandoffAnswer, Message } from '@threadline/sdk-core';
import { createThreadline, type ThreadlineClient } from './create-threadline';
import { pickStrings, type WidgetStrings } from './i18n';
import { qrSvg } from './qr-code';
import { createWaitAndRating, WAIT_AND_RATING_CSS, WAIT_AND_RATING_HTML } from './wait-and-rating';
import { CHAT_ICON, WIDGET_CSS } from './widget-styles';

type Connection = 'online' | 'offline' | 'reconnecting' | 'connecting';
type Ticket = Record<string, unknown> & { id?: string };

const h = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  text?: string,
): HTMLElementTagNameMap[K] => {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (text !== undefined) element.textContent = text;
  return element;
};

const TEMPLATE = `<button type="button" data-part="launcher" aria-haspopup="dialog" aria-expanded="false" aria-controls="tl-panel">${CHAT_ICON}<span data-part="badge" hidden></span></button>
<section data-part="panel" id="tl-panel" role="dialog" aria-modal="false" aria-labelledby="tl-title" hidden>
<header role="none"><h2 id="tl-title"><span class="ttl"></span><small class="sub"></small></h2><button type="button" class="x" data-part="close">×</button></header>
<div data-part="status" role="status" data-connection="connecting"></div>
<div data-part="handoff-prompt" role="alertdialog" aria-labelledby="tl-hp" aria-describedby="tl-hpd" hidden><b id="tl-hp"></b><p id="tl-hpd"></p><div><button type="button" data-part="handoff-decline"></button><button type="button" data-part="handoff-accept"></button></div></div>
<div data-part="log" role="log" aria-live="polite" aria-relevant="additions" tabindex="0"><p class="empty"></p></div>
<div data-part="handoff-view" hidden><h3 class="hv-title"></h3><p class="hv-hint"></p><div data-part="short-code"></div><div data-part="qr"></div><p class="hv-exp"></p><button type="button" data-part="back"></button></div>
${WAIT_AND_RATING_HTML}
<div data-part="typing" aria-live="polite" hidden></div>
<div class="actions"><button type="button" data-part="escalate"></button><button type="button" data-part="handoff"></button></div>
<form><label class="sr" for="tl-input"></label><textarea id="tl-input" data-part="input" rows="1" enterkeyhint="send"></textarea><button type="submit" data-part="send"></button></form>`;

/**
 * `<threadline-chat app-key="pk_…" api-url="https://…" lang="zh-CN">`: the chat widget. Give it a
 * client through the `client` property instead of the attributes to share one with the page.
 */
// Importing the package where there is no DOM (server rendering, tests in Node) must not throw.
/** Own properties only: labels are looked up by channel slugs, which users choose ("constructor"…). */
const hasOwn = (record: object, key: string) => Object.hasOwn(record, key);

const ElementBase = (typeof HTMLElement === 'undefined' ? class {} : HTMLElement) as typeof HTMLElement;

export class ThreadlineChatElement extends ElementBase {
  static get observedAttributes() {
    return ['lang'];
  }

  private clientValue: ThreadlineClient | undefined;
  private ownsClient = false;
  private root: ShadowRoot;
  private strings: WidgetStrings = pickStrings(null);
  private unsubscribe: Array<() => void> = [];
  private seen = new Map<string, HTMLElement>();
  private unread = 0;
  private connection: Connection = 'connecting';
  private conversation: ConversationStatus | undefined;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private started: Promise<void> | undefined;
  private waiting: ReturnType<typeof createWaitAndRating>;
  /** The code of the link this page was opened with, until the shopper answers the prompt. */
  private linkCode: string | undefined;

  constructor() {
    super();
    this.root = this.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    style.textContent = WIDGET_CSS + WAIT_AND_RATING_CSS;
    this.root.append(style);
    const template = document.createElement('template');
    template.innerHTML = TEMPLATE;
    this.root.append(template.content);
    // Queue position / nobody online / back to the bot, and the CSAT question after resolve.
    this.waiting = createWaitAndRating({
      root: this.root,
      client: () => this.clientValue,
      lang: () => this.getAttribute('lang') || globalThis.navigator?.language || 'en',
      setSubtitle: (text) => {
        const sub = this.root.querySelector('.sub');
        if (sub) sub.textContent = text ?? this.strings.subtitle;
      },
    });
    this.$('launcher').addEventListener('click', () => this.toggle());
    this.$('close').addEventListener('click', () => this.toggle(false));
    this.$('back').addEventListener('click', () => this.showHandoff(undefined));
    this.$('escalate').addEventListener('click', () => this.escalate());
    this.$('handoff').addEventListener('click', () => this.handoff());
    this.$('handoff-accept').addEventListener('click', () => this.answerLink(true));
    this.$('handoff-decline').addEventListener('click', () => this.answerLink(false));
    const form = this.root.querySelector('form')!;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    const input = this.$('input');
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    this.root.addEventListener('keydown', (event) => {
      if ((event as KeyboardEvent).key === 'Escape' && this.isOpen) {
        event.stopPropagation();
        this.toggle(false);
      }
    });
    this.applyStrings();
  }

  /** The client the widget talks through; set it to share the page's own client. */
  get client(): ThreadlineClient | undefined {
    return this.clientValue;
  }

  set client(client: ThreadlineClient | undefined) {
    if (client === this.clientValue) return;
    this.detach();
    this.clientValue = client;
    this.ownsClient = false;
    if (this.isConnected && client) this.attach();
  }

  get isOpen(): boolean {
    return this.hasAttribute('open');
  }

  connectedCallback() {
    if (!this.clientValue) {
      const appKey = this.getAttribute('app-key');
      const apiUrl = this.getAttribute('api-url');
      if (!appKey || !apiUrl) return;
      this.clientValue = createThreadline({ appKey, apiUrl, channel: this.getAttribute('channel') || 'web' });
      this.ownsClient = true;
    }
    this.attach();
  }

  disconnectedCallback() {
    this.detach();
    this.waiting.stop();
    if (this.ownsClient) {
      this.clientValue?.close();
      this.clientValue = undefined;
    }
  }

  attributeChangedCallback() {
    this.applyStrings();
    this.waiting?.relabel();
  }

  /** Opens or closes the panel; focus moves into it and back to the launcher. */
  toggle(open = !this.isOpen) {
    const panel = this.$('panel');
    const launcher = this.$('launcher');
    this.toggleAttribute('open', open);
    panel.hidden = !open;
    launcher.setAttribute('aria-expanded', String(open));
    launcher.setAttribute('aria-label', open ? this.strings.close : this.strings.open);
    if (open) {
      this.unread = 0;
      this.renderBadge();
      this.$<HTMLTextAreaElement>('input').focus();
      this.scrollToEnd();
    } else launcher.focus();
    this.dispatchEvent(new CustomEvent(open ? 'threadline:open' : 'threadline:close'));
  }

  private $<T extends HTMLElement = HTMLElement>(name: string): T {
    return this.root.querySelector(`[data-part=${name}]`) as T;
  }

  private applyStrings() {
    this.strings = pickStrings(this.getAttribute('lang'));
    const s = this.strings;
    const set = (selector: string, text: string) => {
      const element = this.root.querySelector(selector);
      if (element) element.textContent = text;
    };
    set('.ttl', s.title);
    set('.sub', s.subtitle);
    set('.empty', s.empty);
    set('.hv-title', s.handoffTitle);
    set('.hv-hint', s.handoffHint);
    set('.hv-exp', s.handoffExpires);
    set('[data-part=back]', s.back);
    set('#tl-hp', s.resumeQuestion);
    set('#tl-hpd', s.resumeHint);
    set('[data-part=handoff-accept]', s.resumeAccept);
    set('[data-part=handoff-decline]', s.resumeDecline);
    set('[data-part=escalate]', s.escalate);
    set('[data-part=handoff]', s.handoff);
    set('[data-part=send]', s.send);
    set('label', s.placeholder);
    this.$('input').setAttribute('placeholder', s.placeholder);
    this.$('close').setAttribute('aria-label', s.close);
    this.$('launcher').setAttribute('aria-label', this.isOpen ? s.close : s.open);
    this.$('log').setAttribute('aria-label', s.messages);
    this.renderStatus();
    this.renderBadge();
  }

  private attach() {
    const client = this.clientValue;
    if (!client || this.unsubscribe.length) return;
    this.unsubscribe = [
      client.on('message', (message) => this.place(message, true)),
      client.on('delta', (delta) => this.streamDelta(delta.replyId, delta.delta)),
      client.on('typing', (typing) => this.showTyping(typing.typing ? typing.author : undefined)),
      client.on('conversation', (conversation) => this.setConversation(conversation.status)),
      client.on('ticket', (event) => this.placeTicket(event.ticket)),
      client.on('connection', (status) => {
        const wasOnline = this.connection === 'online';
        this.connection = status;
        this.renderStatus();
        // Back online: pick up anything the timeline gained meanwhile.
        if (status === 'online' && !wasOnline) this.refresh();
      }),
      // Another person (logout, a continued link, a renewal onto someone else) or the same one with
      // merged history.
      client.on('session', ({ reason }) => {
        if (reason === 'reset' || reason === 'renewed' || reason === 'resumed') this.clear();
        this.refresh();
      }),
    ];
    this.started = client
      .start()
      .then(() => this.refresh())
      .then(() => this.waiting.check())
      .then(() => this.resumeFromLink())
      .catch(() => {
        // Start failures surface through the client's `error` and `connection` events.
      });
  }

  private detach() {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
  }

  /** Forgets what is shown (the person on this device changed). */
  private clear() {
    this.seen.clear();
    for (const element of this.$('log').querySelectorAll('[data-part=message],[data-part=ticket]'))
      element.remove();
    this.conversation = undefined;
    delete this.$('status').dataset.conversation;
    this.renderStatus();
    this.afterInsert();
  }

  /** Reloads the latest page of the timeline (after start, reconnect, identify). */
  async refresh(): Promise<void> {
    const client = this.clientValue;
    if (!client) return;
    try {
      const page = await client.timeline({ limit: 50 });
      for (const message of page.messages) this.place(message, false);
    } catch {
      // Offline: the status line says so; the next `online` refreshes again.
    }
  }

  /**
   * A page opened from a handoff link (`?handoff=…`) asks before it continues anything: the link may
   * be someone else's. Nothing of the linked conversation is shown until the shopper says yes and
   * the API allows the claim; whatever the answer, the parameter leaves the address bar and the
   * shopper's own chat stays where it was.
   */
  private resumeFromLink() {
    const code = new URL(location.href).searchParams.get('handoff');
    if (!code || !this.clientValue) return;
    this.linkCode = code;
    this.$('handoff-prompt').hidden = false;
    if (!this.isOpen) this.toggle(true);
    this.$('handoff-accept').focus();
  }

  private async answerLink(accept: boolean) {
    const code = this.linkCode;
    this.linkCode = undefined;
    this.$('handoff-prompt').hidden = true;
    const url = new URL(location.href);
    if (url.searchParams.has('handoff')) {
      url.searchParams.delete('handoff');
      history.replaceState(history.state, '', url.href);
    }
    this.$('input').focus();
    if (!accept || !code || !this.clientValue) return;
    const s = this.strings;
    try {
      // The `session` event that follows reloads the resumed history.
      const resumed = await this.clientValue.resume(code);
      const from = resumed.handoff?.fromChannel ?? '';
      this.flash(s.resumed((hasOwn(s.channels, from) ? s.channels[from] : undefined) ?? from));
    } catch (error) {
      const reason = (error as { code?: string }).code;
      this.flash(
        reason === 'handoff_code_used'
          ? s.resumeUsed
          : reason === 'identity_conflict'
            ? s.resumeOther
            : reason === 'handoff_code_invalid' || reason === 'handoff_code_expired'
              ? s.resumeInvalid
              : s.error,
      );
    }
  }

  private submit() {
    const input = this.$<HTMLTextAreaElement>('input');
    const text = input.value.trim();
    const client = this.clientValue;
    if (!text || !client) return;
    input.value = '';
    const bubble = this.bubble('customer', text, this.getAttribute('channel') || 'web');
    bubble.toggleAttribute('data-pending', true);
    bubble.querySelector('.m')!.textContent = this.strings.sending;
    this.$('log').append(bubble);
    this.afterInsert();
    client
      .send(text)
      .then((answer) => {
        this.place(answer.message, false);
        for (const reply of answer.replies) this.place(reply, false);
        this.setConversation(answer.conversation.status);
      })
      .catch(() => {
        if (bubble.isConnected) bubble.querySelector('.m')!.textContent = this.strings.error;
      });
  }

  private async escalate() {
    const button = this.$<HTMLButtonElement>('escalate');
    button.disabled = true;
    try {
      const answer = await this.clientValue?.escalate();
      if (answer) this.setConversation(answer.conversation.status);
    } catch {
      this.flash(this.strings.error);
    } finally {
      button.disabled = false;
    }
  }

  private async handoff() {
    const button = this.$<HTMLButtonElement>('handoff');
    button.disabled = true;
    try {
      const answer = await this.clientValue?.handoff({ toChannel: 'miniprogram' });
      if (answer) this.showHandoff(answer);
    } catch {
      this.flash(this.strings.error);
    } finally {
      button.disabled = false;
    }
  }

  private showHandoff(answer: HandoffAnswer | undefined) {
    const view = this.$('handoff-view');
    view.hidden = !answer;
    this.$('log').hidden = Boolean(answer);
    if (!answer) return this.$('handoff').focus();
    const link = new URL(answer.url ?? location.href);
    if (!answer.url) link.searchParams.set('handoff', answer.code);
    this.$('short-code').textContent = answer.shortCode;
    this.$('qr').innerHTML = qrSvg(link.href, this.strings.handoffQr);
    this.$('qr').setAttribute('data-link', link.href);
    this.$('back').focus();
  }

  private bubble(author: string, text: string, channel: string): HTMLElement {
    const s = this.strings;
    const element = h('div', { 'data-part': 'message', 'data-author': author, 'data-channel': channel });
    const name =
      author === 'customer' ? s.you : author === 'agent' ? s.agent : author === 'bot' ? s.bot : s.system;
    element.append(h('span', { class: 'sr' }, `${name}: `), h('div', { class: 't' }, text));
    const meta = h('div', { class: 'm' });
    if (channel !== (this.getAttribute('channel') || 'web'))
      meta.append(
        h(
          'span',
          { class: 'via', 'data-part': 'via' },
          s.via((hasOwn(s.channels, channel) ? s.channels[channel] : undefined) ?? channel),
        ),
      );
    element.append(meta);
    return element;
  }

  /** Shows a message once, in time order; replaces its pending or streamed stand-in. */
  private place(message: Message, live: boolean) {
    if (this.seen.has(message.id)) return;
    const log = this.$('log');
    const author = message.author.type;
    const element = this.bubble(author, message.text, message.channel);
    element.dataset.id = message.id;
    element.dataset.at = message.createdAt;
    if (author === 'agent' && message.author.name)
      element.querySelector('.m')!.prepend(`${message.author.name} `);
    this.seen.set(message.id, element);

    if (author === 'customer') {
      const pending = [...log.querySelectorAll<HTMLElement>('[data-pending]')].find(
        (candidate) => candidate.querySelector('.t')?.textContent === message.text,
      );
      pending?.remove();
    } else {
      const streamed =
        log.querySelector(`[data-reply-id="${CSS.escape(message.id)}"]`) ??
        log.querySelector('[data-streaming]');
      streamed?.remove();
      this.showTyping(undefined);
    }
    // Keep time order: before the first later message, else before pending ones.
    const later = [...log.querySelectorAll<HTMLElement>('[data-at]')].find(
      (other) => (other.dataset.at ?? '') > message.createdAt,
    );
    log.insertBefore(element, later ?? log.querySelector('[data-pending],[data-streaming]'));
    if (live && author !== 'customer' && !this.isOpen) {
      this.unread++;
      this.renderBadge();
    }
    this.afterInsert();
  }

  private streamDelta(replyId: string, delta: string) {
    const log = this.$('log');
    if (this.seen.has(replyId)) return;
    let element = log.querySelector<HTMLElement>(`[data-reply-id="${CSS.escape(replyId)}"]`);
    if (!element) {
      element = this.bubble('bot', '', this.getAttribute('channel') || 'web');
      element.dataset.replyId = replyId;
      element.toggleAttribute('data-streaming', true);
      element.setAttribute('aria-busy', 'true');
      log.append(element);
      this.showTyping(undefined);
    }
    element.querySelector('.t')!.textContent += delta;
    this.afterInsert();
  }

  private placeTicket(ticket: Ticket) {
    const s = this.strings;
    const id = String(ticket.id ?? '');
    const log = this.$('log');
    const existing = id ? log.querySelector(`[data-ticket-id="${CSS.escape(id)}"]`) : null;
    const card = h('div', { 'data-part': 'ticket', 'data-ticket-id': id, role: 'note' });
    const type = String(ticket.type ?? '');
    card.append(h('b', {}, `${s.ticket} · ${s.ticketTypes[type] ?? type}`));
    const details = [
      ticket.orderId ? `${s.order} ${ticket.orderId}` : '',
      String(ticket.reason ?? ''),
      String(ticket.status ?? ''),
    ];
    card.append(h('span', {}, details.filter(Boolean).join(' · ')));
    if (existing) existing.replaceWith(card);
    else log.append(card);
    this.afterInsert();
  }

  private showTyping(author: { type: string; name?: string } | undefined) {
    const typing = this.$('typing');
    clearTimeout(this.typingTimer);
    typing.hidden = !author || author.type === 'customer';
    if (typing.hidden) return;
    const s = this.strings;
    typing.textContent = `${author!.name ?? (author!.type === 'agent' ? s.agent : s.bot)} ${s.typing}`;
    this.typingTimer = setTimeout(() => this.showTyping(undefined), 10_000);
  }

  private setConversation(status: ConversationStatus) {
    this.conversation = status;
    this.renderStatus();
    this.waiting.onStatus(status);
  }

  private renderStatus() {
    const status = this.$('status');
    const s = this.strings;
    status.dataset.connection = this.connection;
    if (this.conversation) status.dataset.conversation = this.conversation;
    const words =
      this.connection === 'online' && this.conversation
        ? s.conversation[this.conversation]
        : s.connection[this.connection];
    status.textContent = words ?? '';
    const escalate = this.$<HTMLButtonElement>('escalate');
    escalate.hidden = this.conversation === 'queued' || this.conversation === 'assigned';
  }

  private renderBadge() {
    const badge = this.$('badge');
    badge.hidden = this.unread === 0;
    badge.textContent = this.unread > 99 ? '99+' : String(this.unread);
    badge.setAttribute('aria-label', this.strings.unread(this.unread));
  }

  private flash(text: string) {
    const note = this.bubble('system', text, this.getAttribute('channel') || 'web');
    this.$('log').append(note);
    this.afterInsert();
  }

  private afterInsert() {
    const empty = this.root.querySelector<HTMLElement>('.empty');
    if (empty) empty.hidden = Boolean(this.$('log').querySelector('[data-part=message],[data-part=ticket]'));
    this.scrollToEnd();
  }

  private scrollToEnd() {
    const log = this.$('log');
    log.scrollTop = log.scrollHeight;
  }

  /** Resolves once the client started and the first timeline page is shown. */
  whenReady(): Promise<void> {
    return this.started ?? Promise.resolve();
  }
}

/** Registers `<threadline-chat>` once (safe to call from several bundles). */
export function defineThreadlineChat(tagName = 'threadline-chat'): void {
  if (typeof customElements !== 'undefined' && !customElements.get(tagName))
    customElements.define(tagName, class extends ThreadlineChatElement {});
}
