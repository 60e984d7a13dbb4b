import {
  type ConversationStatus,
  cardClickUrl,
  type HandoffAnswer,
  MESSAGE_MAX_LENGTH,
  type Message,
  messageLength,
  type RenderableCard,
  readLinkCard,
} from '@threadline/sdk-core';
import { createThreadline, type ThreadlineClient } from './create-threadline';
import { resolveLanguage, stringsFor, type WidgetLanguage, type WidgetStrings } from './i18n';
import { qrDrawing } from './qr-code';
import { type TicketLike, ticketWords } from './ticket-card';
import { createReadAloud, createVoiceInput, type VoiceInput } from './voice-controls';
import { createWaitAndRating, WAIT_AND_RATING_CSS, waitAndRatingParts } from './wait-and-rating';
import { adoptStyles, chatIcon, micIcon, speakerIcon, svgElement, WIDGET_CSS } from './widget-styles';

type Connection = 'online' | 'offline' | 'reconnecting' | 'connecting';

/** Where the shopper can continue a conversation, in the order the widget offers them. */
export const HANDOFF_TARGETS = ['app', 'miniprogram', 'phone'] as const;
type HandoffTarget = (typeof HANDOFF_TARGETS)[number];

/** Errors that mean "this text cannot be sent as it is" (the shopper should edit it), not "try again". */
const TEXT_REFUSALS = new Set(['invalid_input', 'validation_failed', 'payload_too_large']);

/** Shown once the text gets this close to the limit (80 %). */
const COUNTER_FROM = Math.floor(MESSAGE_MAX_LENGTH * 0.8);

/** An element with attributes and children, built node by node (no HTML strings: see `shadowContent`). */
const h = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] => {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
};

/**
 * The widget's shadow content, built with DOM calls rather than `innerHTML`: pages that require
 * Trusted Types (`require-trusted-types-for 'script'`) refuse every HTML string assignment.
 */
function shadowContent(): HTMLElement {
  const button = (part: string, ...children: Array<Node | string>) =>
    h('button', { type: 'button', 'data-part': part }, ...children);
  const hidden = { hidden: '' };
  return h(
    'div',
    { class: 'tl' },
    h(
      'button',
      {
        type: 'button',
        'data-part': 'launcher',
        'aria-haspopup': 'dialog',
        'aria-expanded': 'false',
        'aria-controls': 'tl-panel',
      },
      chatIcon(),
      h('span', { 'data-part': 'badge', ...hidden }),
    ),
    h(
      'section',
      {
        'data-part': 'panel',
        id: 'tl-panel',
        role: 'dialog',
        'aria-modal': 'false',
        'aria-labelledby': 'tl-title',
        ...hidden,
      },
      h(
        'header',
        // Not a second banner landmark on the merchant's page (axe on the demo shop).
        { role: 'none' },
        h(
          'h2',
          { id: 'tl-title' },
          h('span', { class: 'ttl' }),
          h('small', { class: 'sub', 'data-part': 'subtitle' }),
        ),
        h(
          'button',
          { type: 'button', class: 'x', 'data-part': 'read-aloud', 'aria-pressed': 'false' },
          speakerIcon(),
        ),
        h('button', { type: 'button', class: 'x', 'data-part': 'close' }, '×'),
      ),
      h('div', { 'data-part': 'status', role: 'status', 'data-connection': 'connecting' }),
      h(
        'div',
        {
          'data-part': 'handoff-prompt',
          role: 'alertdialog',
          'aria-labelledby': 'tl-hp',
          'aria-describedby': 'tl-hpd',
          ...hidden,
        },
        h('b', { id: 'tl-hp' }),
        h('p', { id: 'tl-hpd' }),
        h('div', {}, button('handoff-decline'), button('handoff-accept')),
      ),
      h(
        'div',
        {
          'data-part': 'log',
          role: 'log',
          'aria-live': 'polite',
          'aria-relevant': 'additions',
          tabindex: '0',
        },
        h('p', { class: 'empty' }),
      ),
      h(
        'div',
        { 'data-part': 'handoff-view', role: 'region', 'aria-labelledby': 'tl-hv-title', ...hidden },
        h(
          'div',
          { class: 'hv-top' },
          h('h3', { class: 'hv-title', id: 'tl-hv-title', tabindex: '-1' }),
          button('back'),
        ),
        h('p', { class: 'hv-choose' }),
        h('div', { 'data-part': 'handoff-targets', role: 'group' }),
        h('p', { class: 'hv-hint', 'aria-live': 'polite' }),
        h('div', { 'data-part': 'qr' }),
        h('p', { class: 'hv-label' }),
        h('div', { 'data-part': 'short-code' }),
        h('p', { class: 'hv-exp' }),
      ),
      ...waitAndRatingParts(h),
      h('div', { 'data-part': 'typing', 'aria-live': 'polite', ...hidden }),
      h('div', { class: 'actions' }, button('escalate'), button('handoff')),
      h('p', { 'data-part': 'composer-note', role: 'alert', ...hidden }),
      h('div', { 'data-part': 'counter', 'aria-live': 'polite', ...hidden }),
      // Send is not a submit button: a sandboxed frame without allow-forms blocks a form's submission
      // before any submit listener runs, so sending goes through the button's click instead.
      h(
        'form',
        {},
        h('label', { class: 'sr', for: 'tl-input' }),
        h('textarea', { id: 'tl-input', 'data-part': 'input', rows: '1', enterkeyhint: 'send', dir: 'auto' }),
        h('button', { type: 'button', 'data-part': 'mic', 'aria-pressed': 'false', ...hidden }, micIcon()),
        button('send'),
      ),
    ),
  );
}

/** Own properties only: labels are looked up by channel slugs, which users choose ("constructor"…). */
const hasOwn = (record: object, key: string) => Object.hasOwn(record, key);

// Importing the package where there is no DOM (server rendering, tests in Node) must not throw.
const ElementBase = (typeof HTMLElement === 'undefined' ? class {} : HTMLElement) as typeof HTMLElement;

/** A cookie without an expiry lives exactly as long as the browser session, across its tabs. */
const BROWSER_SESSION_COOKIE = 'threadline_browser_session';

/** True the first time it is asked in a browser session (after the browser was closed and opened). */
function startsBrowserSession(): boolean {
  try {
    if (document.cookie.split('; ').some((c) => c.startsWith(`${BROWSER_SESSION_COOKIE}=`))) return false;
    // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is not in every browser, and this cookie is one fixed value.
    document.cookie = `${BROWSER_SESSION_COOKIE}=1; path=/; SameSite=Lax`;
    // Cookies disabled: we cannot tell a new browser session, so we never forget on a guess.
    return document.cookie.includes(`${BROWSER_SESSION_COOKIE}=`);
  } catch {
    return false;
  }
}

/**
 * `<threadline-chat app-key="pk_…" api-url="https://…" lang="zh-CN">`: the chat widget. Give it a
 * client through the `client` property instead of the attributes to share one with the page.
 *
 * Attributes: `lang` (zh-CN, en; else the app's language from the API, the page's `<html lang>`,
 * then the browser's), `channel`,
 * `handoff-targets` (e.g. "miniprogram phone"; default "app miniprogram phone"), and
 * `forget-on-close`: the shopper's identity and history on this device last only as long as the
 * browser session, like a shop login kept in a session cookie (shared or public computers).
 */
export class ThreadlineChatElement extends ElementBase {
  /** Marks the element class of every copy of this package (see `isThreadlineChat`). */
  static readonly threadlineChatElement = true;

  static get observedAttributes() {
    return ['lang', 'handoff-targets', 'read-aloud'];
  }

  private clientValue: ThreadlineClient | undefined;
  private ownsClient = false;
  private root: ShadowRoot;
  private currentLanguage: WidgetLanguage = 'en';
  /** The app's language from the API (GET /v1/conversation), once the widget has asked. */
  private appLanguage: string | null = null;
  private strings: WidgetStrings = stringsFor('en');
  private unsubscribe: Array<() => void> = [];
  private seen = new Map<string, HTMLElement>();
  private unread = 0;
  private connection: Connection = 'connecting';
  private conversation: ConversationStatus | undefined;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private started: Promise<void> | undefined;
  private waiting: ReturnType<typeof createWaitAndRating>;
  /** Bumped whenever the person changes: answers for the previous person are dropped. */
  private generation = 0;
  private handoffTarget: HandoffTarget | undefined;
  private handoffRequest = 0;
  private pageLanguage: MutationObserver | undefined;
  /** The code of the link this page was opened with, until the shopper answers the prompt. */
  private linkCode: string | undefined;
  /** Dictation through the browser's SpeechRecognition; undefined where the browser has none. */
  private voiceInput: VoiceInput | undefined;
  private readingAloud = false;
  private reader = createReadAloud({
    client: () => this.clientValue,
    lang: () => this.speechLang,
    mode: () => this.getAttribute('read-aloud-voice'),
  });
  /** Rewrites the stylesheet that cancels the page's CSS `zoom` (see `fitToPage`). */
  private setZoomStyle: (css: string) => void;
  private readonly onResize = () => this.fitToPage();

  constructor() {
    super();
    this.root = this.attachShadow({ mode: 'open' });
    this.setZoomStyle = adoptStyles(this.root, WIDGET_CSS + WAIT_AND_RATING_CSS);
    this.root.append(shadowContent());
    // Queue position / nobody online / back to the bot, and the CSAT question after resolve.
    this.waiting = createWaitAndRating({
      root: this.root,
      client: () => this.clientValue,
      strings: () => this.strings,
      onAppLanguage: (language) => {
        if (language === this.appLanguage) return;
        this.appLanguage = language;
        this.applyStrings();
      },
      // The last message stays in sight above the wait note or the rating card.
      onShown: () => this.scrollToEnd(),
    });
    this.$('launcher').addEventListener('click', () => this.toggle());
    this.$('close').addEventListener('click', () => this.toggle(false));
    this.$('back').addEventListener('click', () => this.closeHandoff());
    this.$('escalate').addEventListener('click', () => this.escalate());
    this.$('handoff').addEventListener('click', () => this.openHandoff());
    this.$('handoff-accept').addEventListener('click', () => this.answerLink(true));
    this.$('handoff-decline').addEventListener('click', () => this.answerLink(false));
    this.$('handoff-targets').addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest<HTMLElement>('[data-part=handoff-target]');
      if (button?.dataset.channel) this.openHandoff(button.dataset.channel as HandoffTarget);
    });
    this.root.querySelector('form')!.addEventListener('submit', (event) => event.preventDefault());
    this.$('send').addEventListener('click', () => this.submit());
    const input = this.$<HTMLTextAreaElement>('input');
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    input.addEventListener('input', () => this.renderCounter());
    this.voiceInput = createVoiceInput({
      lang: () => this.speechLang,
      onInterim: (text) => {
        input.value = text;
      },
      onFinal: (text) => {
        input.value = text;
        this.submit();
      },
      onEnd: (error) => {
        this.renderMic();
        if (error === 'not-allowed' || error === 'service-not-allowed' || error === 'audio-capture') {
          // The microphone is refused or missing: every press would fail the same way, so the
          // button goes and the shopper is told why, not asked to "say it again".
          this.$('mic').hidden = true;
          this.note(this.strings.micBlocked);
        } else if (error && error !== 'aborted' && error !== 'no-speech') this.note(this.strings.micError);
      },
    });
    const mic = this.$('mic');
    mic.hidden = !this.voiceInput;
    mic.addEventListener('click', () => {
      this.voiceInput?.toggle();
      this.renderMic();
    });
    // Read-aloud is on from the start with the `read-aloud` attribute; the header button toggles it.
    this.readingAloud = this.hasAttribute('read-aloud');
    this.$('read-aloud').addEventListener('click', () => {
      this.readingAloud = !this.readingAloud;
      if (!this.readingAloud) this.reader.stop();
      this.renderReadAloud();
    });
    this.$('log').addEventListener('click', (event) => {
      const stepButton = (event.target as HTMLElement).closest<HTMLElement>('[data-step-move]');
      const walker = stepButton?.closest<HTMLElement>('[data-part=steps]');
      if (stepButton && walker) this.moveStep(walker, stepButton.dataset.stepMove!);
      const retry = (event.target as HTMLElement).closest('[data-part=retry]');
      const bubble = retry?.closest<HTMLElement>('[data-part=message][data-failed]');
      if (bubble) this.submit(bubble);
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
    // Without a language of its own the widget follows the page's, also when the page switches.
    this.pageLanguage ??= new MutationObserver(() => {
      this.applyStrings();
      this.waiting.relabel();
    });
    this.pageLanguage.observe(document.documentElement, { attributes: true, attributeFilter: ['lang'] });
    this.applyStrings();
    this.fitToPage();
    addEventListener('resize', this.onResize);
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
    this.pageLanguage?.disconnect();
    removeEventListener('resize', this.onResize);
    this.detach();
    this.waiting.stop();
    if (this.ownsClient) {
      this.clientValue?.close();
      this.clientValue = undefined;
    }
  }

  attributeChangedCallback(name: string, _old: string | null, value: string | null) {
    // A parser-created element gets its attributes after the constructor ran: `read-aloud` in the
    // page's markup arrives here, not in the constructor's hasAttribute.
    if (name === 'read-aloud' && this.readingAloud !== (value !== null)) {
      this.readingAloud = value !== null;
      if (!this.readingAloud) this.reader.stop();
      this.renderReadAloud();
    }
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

  /**
   * Keeps the widget where the shopper expects it, whatever the page does around it. In the top
   * layer (a manual popover) no ancestor's `transform`, `filter`, `contain` or `z-index` can turn
   * `position: fixed` into "fixed to the page's wrapper" or cover it; a CSS `zoom` on the page
   * (which the top layer still inherits) is cancelled, so the panel keeps its size and fits the
   * viewport. Browser zoom is not CSS zoom: it changes the viewport, and the widget follows it.
   */
  private fitToPage() {
    if (!this.isConnected) return;
    try {
      if (typeof this.showPopover === 'function') {
        if (this.getAttribute('popover') !== 'manual') this.setAttribute('popover', 'manual');
        if (!this.matches(':popover-open')) this.showPopover();
      }
    } catch {
      // Inside a modal dialog or an unusual document: position: fixed still applies.
    }
    const zoom = (this.parentElement as (HTMLElement & { currentCSSZoom?: number }) | null)?.currentCSSZoom;
    this.setZoomStyle(
      typeof zoom === 'number' && zoom > 0 && Math.abs(zoom - 1) > 0.001
        ? `:host{zoom:${1 / zoom}!important}`
        : '',
    );
  }

  /** The language the widget speaks now (`zh-CN` or `en`), whichever setting chose it. */
  get language(): WidgetLanguage {
    return this.currentLanguage;
  }

  private $<T extends HTMLElement = HTMLElement>(name: string): T {
    return this.root.querySelector(`[data-part=${name}]`) as T;
  }

  private get channel(): string {
    return this.getAttribute('channel') || 'web';
  }

  private applyStrings() {
    const nav = globalThis.navigator;
    // Precedence: the page's explicit choice, the app's setting, the page's language, the browser's.
    this.currentLanguage = resolveLanguage(
      this.getAttribute('lang'),
      this.appLanguage,
      document.documentElement.lang,
      nav?.languages,
      nav?.language,
    );
    this.strings = stringsFor(this.currentLanguage);
    const s = this.strings;
    this.root.querySelector('.tl')?.setAttribute('lang', this.currentLanguage);
    const set = (selector: string, text: string) => {
      const element = this.root.querySelector(selector);
      if (element) element.textContent = text;
    };
    set('.ttl', s.title);
    set('.empty', s.empty);
    set('.hv-title', s.handoffTitle);
    set('.hv-choose', s.handoffChoose);
    set('.hv-label', s.handoffCodeLabel);
    set('[data-part=back]', s.back);
    set('#tl-hp', s.resumeQuestion);
    set('#tl-hpd', s.resumeHint);
    set('[data-part=handoff-accept]', s.resumeAccept);
    set('[data-part=handoff-decline]', s.resumeDecline);
    set('[data-part=escalate]', s.escalate);
    set('[data-part=handoff]', s.handoff);
    set('[data-part=send]', s.send);
    set('[data-part=back-to-bot]', s.backToBot);
    this.renderMic();
    this.renderReadAloud();
    set('label', s.placeholder);
    this.$('input').setAttribute('placeholder', s.placeholder);
    this.$('close').setAttribute('aria-label', s.close);
    this.$('launcher').setAttribute('aria-label', this.isOpen ? s.close : s.open);
    this.$('log').setAttribute('aria-label', s.messages);
    this.$('handoff-targets').setAttribute('aria-label', s.handoffChoose);
    this.renderHandoffTargets();
    this.renderStatus();
    this.renderBadge();
    this.renderCounter();
    // Messages already shown keep their words; who wrote them and where are labelled anew.
    for (const message of this.root.querySelectorAll<HTMLElement>('[data-part=message]')) {
      const sr = message.querySelector(':scope > .sr');
      if (sr) sr.textContent = this.authorLabel(message.dataset.author);
      const via = message.querySelector('[data-part=via]');
      if (via && message.dataset.channel) via.textContent = this.viaLabel(message.dataset.channel);
    }
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
      // Whoever the client now speaks for (identify, resume, reset, a renewal onto someone else),
      // the log is rebuilt from their timeline: nothing of the previous person stays on screen.
      client.on('session', ({ reason, customer, previous }) => {
        // Unsent bubbles stay only when they are still this person's: an anonymous shopper who
        // logged in, or the same person again. Never across a logout or a switch of account.
        const samePerson = !previous?.identified || previous.id === customer?.id;
        this.clear({ keepPending: reason !== 'reset' && samePerson });
        this.refresh();
      }),
    ];
    const forget = this.hasAttribute('forget-on-close') && startsBrowserSession();
    this.started = (async () => {
      // A new browser session on a page that asked for it: the last person's identity and history go first.
      if (forget) await client.reset();
      await client.start();
      // The conversation state first: it brings the app's language, which the history is labelled in.
      await this.waiting.check();
      await this.refresh();
      this.resumeFromLink();
    })().catch(() => {
      // Start failures surface through the client's `error` and `connection` events.
    });
  }

  private detach() {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
  }

  /** Forgets what is shown (the person on this device changed); unsent messages stay unless they left with them. */
  private clear({ keepPending = false } = {}) {
    this.generation++;
    this.seen.clear();
    const shown = keepPending
      ? '[data-part=message]:not([data-pending]):not([data-failed]),[data-part=ticket]'
      : '[data-part=message],[data-part=ticket]';
    for (const element of this.$('log').querySelectorAll(shown)) element.remove();
    this.conversation = undefined;
    delete this.$('status').dataset.conversation;
    this.closeHandoff(false);
    this.renderStatus();
    this.afterInsert();
  }

  /** Reloads the latest page of the timeline, tickets included (after start, reconnect, identify). */
  async refresh(): Promise<void> {
    const client = this.clientValue;
    if (!client) return;
    const generation = this.generation;
    try {
      const page = await client.timeline({ limit: 50 });
      if (generation !== this.generation) return;
      for (const message of page.messages) this.place(message, false);
      for (const ticket of (page as { tickets?: TicketLike[] }).tickets ?? []) this.placeTicket(ticket);
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

  /** Sends what is typed, or again the text of a failed bubble. */
  private submit(retry?: HTMLElement) {
    const input = this.$<HTMLTextAreaElement>('input');
    const text = retry ? (retry.querySelector('.t')?.textContent ?? '') : input.value.trim();
    if (!text || !this.clientValue) return;
    const length = messageLength(text);
    if (length > MESSAGE_MAX_LENGTH) {
      // Refused here, before anything is sent: the text stays where the shopper can shorten it.
      this.note(this.strings.tooLong(length - MESSAGE_MAX_LENGTH, MESSAGE_MAX_LENGTH), 'too_long');
      return;
    }
    if (!retry) {
      input.value = '';
      this.renderCounter();
    }
    this.sendText(text, retry);
  }

  /**
   * Sends a message as the shopper typed it (the input, a tapped quick-reply option, or again the
   * text of a failed bubble, which keeps its place).
   */
  private sendText(text: string, retry?: HTMLElement) {
    const client = this.clientValue;
    if (!client) return;
    const input = this.$<HTMLTextAreaElement>('input');
    this.note(undefined);
    this.clearOptions();
    const bubble = retry ?? this.bubble('customer', text, this.channel);
    bubble.toggleAttribute('data-failed', false);
    bubble.toggleAttribute('data-pending', true);
    // Where it was sent in time, so later messages follow it and it never sinks below them.
    bubble.dataset.at = new Date().toISOString();
    bubble.querySelector('.m')!.textContent = this.strings.sending;
    this.insertInOrder(bubble, bubble.dataset.at);
    this.afterInsert();
    const generation = this.generation;
    client
      .send(text)
      .then((answer) => {
        if (generation !== this.generation) return;
        // The stand-in goes whatever the API made of the text (card numbers come back masked),
        // so a message never stays "sending…" beside its own acknowledged copy.
        bubble.remove();
        this.place(answer.message, false);
        for (const reply of answer.replies) this.place(reply, false, true);
        this.setConversation(answer.conversation.status);
      })
      .catch((error: { code?: string }) => {
        if (!bubble.isConnected || generation !== this.generation) return;
        if (error?.code === 'aborted') {
          // Dropped on purpose (the person changed): it must not be offered for a retry as someone else.
          bubble.remove();
          this.afterInsert();
          return;
        }
        if (TEXT_REFUSALS.has(String(error?.code))) {
          // The API refused the text itself: hand it back for editing rather than keep a dead bubble.
          bubble.remove();
          if (!input.value.trim()) input.value = text;
          this.renderCounter();
          this.note(this.strings.refused, 'refused');
          this.afterInsert();
          return;
        }
        this.markFailed(bubble);
      });
  }

  private markFailed(bubble: HTMLElement) {
    const s = this.strings;
    bubble.toggleAttribute('data-pending', false);
    bubble.toggleAttribute('data-failed', true);
    const meta = bubble.querySelector('.m')!;
    meta.textContent = '';
    const line = h('span', { class: 'failed' }, s.failed);
    line.append(h('button', { type: 'button', 'data-part': 'retry' }, s.retry));
    meta.append(line);
  }

  /** A line above the composer for refusals; `undefined` hides it. */
  private note(text: string | undefined, reason?: 'too_long' | 'refused') {
    const note = this.$('composer-note');
    note.hidden = !text;
    note.textContent = text ?? '';
    if (reason) note.dataset.reason = reason;
    else delete note.dataset.reason;
  }

  private renderCounter() {
    const input = this.$<HTMLTextAreaElement>('input');
    const counter = this.$('counter');
    const length = messageLength(input.value);
    const over = length > MESSAGE_MAX_LENGTH;
    counter.hidden = length < COUNTER_FROM;
    counter.textContent = this.strings.counter(length, MESSAGE_MAX_LENGTH);
    counter.toggleAttribute('data-over', over);
    input.setAttribute('aria-invalid', String(over));
    // Shortened enough: the "too long" note has done its job.
    if (!over && this.$('composer-note').dataset.reason === 'too_long') this.note(undefined);
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

  /** The channels this widget offers to continue on: `handoff-targets`, never its own channel. */
  private handoffTargets(): HandoffTarget[] {
    const wanted = (this.getAttribute('handoff-targets') ?? '').split(/[\s,]+/).filter(Boolean);
    const offered = HANDOFF_TARGETS.filter(
      (target) => target !== this.channel && (wanted.length === 0 || wanted.includes(target)),
    );
    return offered.length ? offered : ['phone'];
  }

  private renderHandoffTargets() {
    const group = this.$('handoff-targets');
    group.textContent = '';
    for (const target of this.handoffTargets()) {
      const button = h(
        'button',
        {
          type: 'button',
          'data-part': 'handoff-target',
          'data-channel': target,
          'aria-pressed': String(target === this.handoffTarget),
        },
        this.strings.handoffTargets[target] ?? target,
      );
      group.append(button);
    }
  }

  /**
   * The handoff view takes the log's place (and the composer's) while open, so its title, the
   * choice of channel, the code and the QR code are all in sight at desktop and phone sizes.
   * Each channel gets its own code: `toChannel` tells the API (and the agent) where it continues.
   */
  private async openHandoff(target = this.handoffTarget ?? this.handoffTargets()[0]!) {
    const client = this.clientValue;
    if (!client) return;
    const s = this.strings;
    const view = this.$('handoff-view');
    const panel = this.$('panel');
    const request = ++this.handoffRequest;
    this.handoffTarget = target;
    this.renderHandoffTargets();
    panel.dataset.view = 'handoff';
    view.hidden = false;
    view.dataset.channel = target;
    view.scrollTop = 0;
    this.root.querySelector('.hv-hint')!.textContent = s.handoffHints[target] ?? '';
    this.$('short-code').textContent = '······';
    this.$('short-code').setAttribute('aria-busy', 'true');
    this.$('qr').textContent = '';
    this.$('qr').removeAttribute('data-link');
    this.root.querySelector('.hv-exp')!.textContent = s.handoffLoading;
    this.root.querySelector<HTMLElement>('.hv-title')!.focus();
    const button = this.$<HTMLButtonElement>('handoff');
    button.disabled = true;
    try {
      const answer = await client.handoff({ toChannel: target });
      if (request !== this.handoffRequest || view.hidden) return;
      this.showHandoffCode(answer, target);
    } catch {
      if (request !== this.handoffRequest) return;
      this.$('short-code').textContent = '';
      this.root.querySelector('.hv-exp')!.textContent = s.error;
    } finally {
      button.disabled = false;
    }
  }

  private showHandoffCode(answer: HandoffAnswer, target: HandoffTarget) {
    const s = this.strings;
    this.$('short-code').textContent = answer.shortCode;
    this.$('short-code').removeAttribute('aria-busy');
    const minutes = Math.max(1, Math.round((Date.parse(answer.expiresAt) - Date.now()) / 60_000)) || 10;
    this.root.querySelector('.hv-exp')!.textContent = s.handoffExpires(minutes);
    // A phone call needs only the six digits; the other channels open a link from the QR code.
    // Their view shows no six digits: a 6-digit code is claimable only with the last four digits of
    // a phone on file (the API's guard against guessing), which no app or mini-program SDK sends.
    if (target === 'phone') return;
    const link = new URL(answer.url ?? location.href);
    if (!answer.url) link.searchParams.set('handoff', answer.code);
    const { size, path } = qrDrawing(link.href);
    const box = `0 0 ${size} ${size}`;
    this.$('qr').replaceChildren(
      svgElement(
        'svg',
        { viewBox: box, role: 'img', 'aria-label': s.handoffQr, 'shape-rendering': 'crispEdges' },
        svgElement('rect', { width: String(size), height: String(size), fill: '#fff' }),
        svgElement('path', { d: path, fill: '#000' }),
      ),
    );
    this.$('qr').setAttribute('data-link', link.href);
  }

  private closeHandoff(focus = true) {
    const view = this.$('handoff-view');
    if (view.hidden) return;
    this.handoffRequest++;
    view.hidden = true;
    delete this.$('panel').dataset.view;
    this.$('qr').textContent = '';
    if (focus) this.$('handoff').focus();
    this.scrollToEnd();
  }

  private authorLabel(author: string | undefined): string {
    const s = this.strings;
    return `${author === 'customer' ? s.you : author === 'agent' ? s.agent : author === 'bot' ? s.bot : s.system}: `;
  }

  private viaLabel(channel: string): string {
    const s = this.strings;
    return s.via((hasOwn(s.channels, channel) ? s.channels[channel] : undefined) ?? channel);
  }

  private bubble(author: string, text: string, channel: string): HTMLElement {
    const element = h('div', { 'data-part': 'message', 'data-author': author, 'data-channel': channel });
    // dir=auto: each bubble takes the direction of its own text (Arabic, Hebrew…), not the widget's.
    element.append(
      h('span', { class: 'sr' }, this.authorLabel(author)),
      h('div', { class: 't', dir: 'auto' }, text),
    );
    const meta = h('div', { class: 'm' });
    if (channel !== this.channel)
      meta.append(h('span', { class: 'via', 'data-part': 'via' }, this.viaLabel(channel)));
    element.append(meta);
    return element;
  }

  /** Inserts by time: before the first later item, else before a reply still streaming in. */
  private insertInOrder(element: HTMLElement, at: string) {
    const log = this.$('log');
    let later: HTMLElement | undefined;
    for (const other of log.querySelectorAll<HTMLElement>('[data-at]'))
      if (other !== element && (other.dataset.at ?? '') > at) {
        later = other;
        break;
      }
    log.insertBefore(element, later ?? log.querySelector('[data-streaming]'));
  }

  /**
   * Shows a message once, in time order; replaces its pending or streamed stand-in. `fresh`: it just
   * arrived (not history), so read-aloud reads it.
   */
  private place(message: Message, live: boolean, fresh = live) {
    if (this.seen.has(message.id)) return;
    const log = this.$('log');
    const author = message.author.type;
    const element = this.bubble(author, message.text, message.channel);
    element.dataset.id = message.id;
    element.dataset.at = message.createdAt;
    if (author === 'agent' && message.author.name)
      element.querySelector('.m')!.prepend(`${message.author.name} `);
    this.seen.set(message.id, element);
    // A link card (a follow-up, a product an agent suggests): only https links reach the page.
    const card = readLinkCard(message.meta?.card);
    if (card) {
      element.toggleAttribute('data-card', true);
      // The text usually repeats the title: shown only when it says something more.
      if (message.text.trim() === card.title.trim()) element.querySelector('.t')!.remove();
      // The link is the card's click-through on our API (the open is counted), else its target.
      const href = cardClickUrl(message.meta?.card, this.clientValue?.apiUrl) ?? card.targetUrl;
      element.insertBefore(this.cardElement(card, href), element.querySelector('.m'));
    }
    // The bot's clarifying options become chips; a tap sends the option as the shopper's answer.
    const options = message.meta?.quickReplies;
    if (author === 'bot' && Array.isArray(options) && options.length > 0) {
      this.clearOptions();
      const chips = h('div', { 'data-part': 'quick-replies', role: 'group' });
      for (const option of options.slice(0, 4)) {
        if (typeof option !== 'string') continue;
        const chip = h('button', { type: 'button', 'data-part': 'quick-reply' }, option);
        chip.addEventListener('click', () => this.sendText(option));
        chips.append(chip);
      }
      element.insertBefore(chips, element.querySelector('.m'));
    }
    // A how-to answer in steps: walked one step at a time with back / repeat / next.
    const steps = message.meta?.steps;
    const hasSteps =
      author === 'bot' &&
      Array.isArray(steps) &&
      steps.length > 1 &&
      steps.every((x) => typeof x === 'string');
    if (hasSteps) {
      const walker = h('div', { 'data-part': 'steps', role: 'group' });
      walker.append(h('p', { class: 'st', 'aria-live': 'polite' }));
      const buttons = h('div');
      for (const move of ['previous', 'repeat', 'next'] as const)
        buttons.append(h('button', { type: 'button', 'data-step-move': move, 'data-part': `step-${move}` }));
      walker.append(buttons);
      walker.dataset.steps = JSON.stringify(steps);
      element.insertBefore(walker, element.querySelector('.m'));
      this.renderStep(walker, Math.max(0, Math.min(steps.length - 1, Number(message.meta?.step ?? 1) - 1)));
    }
    if (fresh && author !== 'customer' && author !== 'system' && this.readingAloud) {
      const firstStep = element.querySelector<HTMLElement>('[data-part=steps] .st')?.textContent;
      this.reader.speak(firstStep || message.voiceText || message.text);
    }

    if (author === 'customer') {
      this.clearOptions();
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
    this.insertInOrder(element, message.createdAt);
    if (live && author !== 'customer' && !this.isOpen) {
      this.unread++;
      this.renderBadge();
    }
    this.afterInsert();
  }

  /** A card as a link built node by node (texts set as text, never HTML), opening in a new tab. */
  private cardElement(card: RenderableCard, href: string): HTMLElement {
    const link = h('a', {
      'data-part': 'card',
      href,
      target: '_blank',
      rel: 'noopener noreferrer',
    });
    if (card.imageUrl)
      link.append(h('img', { src: card.imageUrl, alt: '', loading: 'lazy', referrerpolicy: 'no-referrer' }));
    link.append(h('b', {}, card.title));
    if (card.description) link.append(h('span', {}, card.description));
    // Where it leads, in the browser's reading of the host: the shopper sees a look-alike for what it is.
    link.append(h('small', { 'data-part': 'card-host' }, `${card.host} · ${this.strings.openCard} ›`));
    return link;
  }

  /** Options answer the latest question only: once the shopper says anything, they go. */
  private clearOptions() {
    for (const chips of this.$('log').querySelectorAll('[data-part=quick-replies]')) chips.remove();
  }

  private streamDelta(replyId: string, delta: string) {
    const log = this.$('log');
    if (this.seen.has(replyId)) return;
    let element = log.querySelector<HTMLElement>(`[data-reply-id="${CSS.escape(replyId)}"]`);
    if (!element) {
      element = this.bubble('bot', '', this.channel);
      element.dataset.replyId = replyId;
      element.toggleAttribute('data-streaming', true);
      element.setAttribute('aria-busy', 'true');
      log.append(element);
      this.showTyping(undefined);
    }
    element.querySelector('.t')!.textContent += delta;
    this.afterInsert();
  }

  /** A ticket card in time order: human words in the widget's language, no internal ids in the text. */
  private placeTicket(ticket: TicketLike) {
    const id = typeof ticket.id === 'string' ? ticket.id : '';
    const log = this.$('log');
    const existing = id ? log.querySelector<HTMLElement>(`[data-ticket-id="${CSS.escape(id)}"]`) : null;
    const { title, details } = ticketWords(ticket, this.strings);
    const card = h('div', { 'data-part': 'ticket', 'data-ticket-id': id, role: 'note' });
    if (typeof ticket.status === 'string') card.dataset.status = ticket.status;
    card.append(h('b', {}, `${this.strings.ticket} · ${title}`));
    if (details) card.append(h('span', { class: 'tk-meta' }, details));
    const at = typeof ticket.createdAt === 'string' ? ticket.createdAt : new Date().toISOString();
    card.dataset.at = existing?.dataset.at ?? at;
    if (existing) existing.replaceWith(card);
    else this.insertInOrder(card, card.dataset.at);
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
    // The header says honestly who answers: while queued, the shopper is waiting for a person.
    const subtitle =
      this.conversation === 'queued'
        ? s.subtitleQueued
        : this.conversation === 'assigned'
          ? s.subtitleAssigned
          : s.subtitle;
    const sub = this.$('subtitle');
    sub.textContent = subtitle;
    sub.dataset.conversation = this.conversation ?? '';
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
    const note = this.bubble('system', text, this.channel);
    note.dataset.at = new Date().toISOString();
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

  /** The recognition and synthesis language for the widget's language. */
  private get speechLang(): string {
    return this.currentLanguage === 'en' ? 'en-US' : 'zh-CN';
  }

  private renderMic() {
    const mic = this.$('mic');
    const listening = !!this.voiceInput?.listening;
    mic.setAttribute('aria-pressed', String(listening));
    mic.toggleAttribute('data-listening', listening);
    mic.setAttribute('aria-label', listening ? this.strings.micStop : this.strings.mic);
    mic.title = mic.getAttribute('aria-label')!;
    if (listening) this.$<HTMLTextAreaElement>('input').placeholder = this.strings.listening;
    else this.$<HTMLTextAreaElement>('input').placeholder = this.strings.placeholder;
  }

  private renderReadAloud() {
    const button = this.$('read-aloud');
    button.setAttribute('aria-pressed', String(this.readingAloud));
    button.setAttribute('aria-label', this.strings.readAloud);
    button.title = this.strings.readAloud;
  }

  /** Shows step `index` of a how-to walker. */
  private renderStep(walker: HTMLElement, index: number) {
    const steps = JSON.parse(walker.dataset.steps ?? '[]') as string[];
    const s = this.strings;
    walker.dataset.step = String(index + 1);
    walker.querySelector('.st')!.textContent = `${s.stepOf(index + 1, steps.length)}${steps[index] ?? ''}`;
    const label = { previous: s.stepPrevious, repeat: s.stepRepeat, next: s.stepNext };
    for (const button of walker.querySelectorAll<HTMLButtonElement>('[data-step-move]')) {
      const move = button.dataset.stepMove as keyof typeof label;
      button.textContent = label[move];
      button.disabled =
        (move === 'previous' && index === 0) || (move === 'next' && index === steps.length - 1);
    }
  }

  /** Back / repeat / next on a walker; the step is read aloud when read-aloud is on (repeat: always). */
  private moveStep(walker: HTMLElement, move: string) {
    const steps = JSON.parse(walker.dataset.steps ?? '[]') as string[];
    const current = Number(walker.dataset.step ?? 1) - 1;
    const index = Math.max(
      0,
      Math.min(steps.length - 1, current + (move === 'next' ? 1 : move === 'previous' ? -1 : 0)),
    );
    this.renderStep(walker, index);
    if (this.readingAloud || move === 'repeat')
      this.reader.speak(walker.querySelector('.st')!.textContent ?? '');
  }

  /** Resolves once the client started and the first timeline page is shown. */
  whenReady(): Promise<void> {
    return this.started ?? Promise.resolve();
  }
}

/** True for a `<threadline-chat>` of any copy of this package (another bundle on the page included). */
export function isThreadlineChat(element: unknown): element is ThreadlineChatElement {
  const made = (element as { constructor?: { threadlineChatElement?: boolean } } | null)?.constructor;
  return made?.threadlineChatElement === true;
}

/**
 * Registers `<threadline-chat>` once and returns the tag it is registered under. Another copy of
 * the widget (a second `<script>` tag, the npm package beside the bundle) shares the registration;
 * when the page's own element already took the name, or a patched registry refuses it, the widget
 * takes `threadline-chat-2` (then -3…) rather than not appearing at all.
 */
export function defineThreadlineChat(tagName = 'threadline-chat'): string {
  if (typeof customElements === 'undefined') return tagName;
  for (let n = 1; n <= 9; n++) {
    const name = n === 1 ? tagName : `${tagName}-${n}`;
    const existing = customElements.get(name) as { threadlineChatElement?: boolean } | undefined;
    if (existing?.threadlineChatElement === true) return name;
    if (existing) continue;
    try {
      customElements.define(name, class extends ThreadlineChatElement {});
      return name;
    } catch {
      // Refused (a patched registry, a name another script registered meanwhile): try the next one.
    }
  }
  return tagName;
}
