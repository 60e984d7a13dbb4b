import type { ConversationStateAnswer, ConversationStatus } from '@threadline/sdk-core';
import type { ThreadlineClient } from './create-threadline';
import type { WidgetStrings } from './i18n';

/**
 * The shopper's side of a handoff in the widget: while the conversation waits for a person it says
 * honestly where they stand (their place in the queue, or that nobody is online and the reply will
 * come here) and offers to go back to the assistant; after an agent resolved the matter it asks for
 * a 1–5 rating with an optional comment (CSAT). The header's honest subtitle is the element's own
 * (by status); this module only adds the details. Kept apart from the chat element so the element
 * only forwards status changes here. Its words are the element's (`i18n.ts`), in the element's language.
 */

export const WAIT_AND_RATING_CSS = `
[data-part=wait],[data-part=csat]{margin:8px 14px 0;padding:10px 12px;border:1px solid var(--bd);border-radius:12px;font-size:13px;background:var(--bg);color:var(--fg)}
[data-part=wait][hidden],[data-part=csat][hidden]{display:none}
[data-part=wait] p,[data-part=csat] p{margin:0 0 6px}
[data-part=wait] button,[data-part=csat] button{border:1px solid var(--bd);background:var(--bg);color:var(--fg);border-radius:14px;padding:3px 10px;font-size:12px}
.stars{display:flex;gap:4px;margin-bottom:6px}
.stars button{font-size:18px;line-height:1;padding:4px 6px;color:#8a6d00}
.stars button[aria-pressed=true]{background:#fff4cc;border-color:#d4a800}
[data-part=csat] textarea{width:100%;border:1px solid var(--bd);border-radius:8px;padding:6px;font:inherit;margin-bottom:6px;resize:none}
[data-part=csat] .row{display:flex;gap:6px;justify-content:flex-end}
`;

type Build = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes?: Record<string, string>,
  ...children: Array<Node | string>
) => HTMLElementTagNameMap[K];

/**
 * The wait and rating blocks, built with the element's DOM helper (no HTML strings: pages that
 * require Trusted Types refuse them). Placed just before the typing line.
 */
export function waitAndRatingParts(h: Build): HTMLElement[] {
  const button = (part: string) => h('button', { type: 'button', 'data-part': part });
  return [
    h(
      'div',
      { 'data-part': 'wait', role: 'status', hidden: '' },
      h('p', { class: 'wt' }),
      button('back-to-bot'),
    ),
    h(
      'div',
      { 'data-part': 'csat', role: 'group', hidden: '' },
      h('p', { class: 'ct' }),
      h('div', { class: 'stars' }),
      h('label', { class: 'sr', for: 'tl-csat-comment' }),
      h('textarea', { id: 'tl-csat-comment', rows: '2', maxlength: '1000' }),
      h('div', { class: 'row' }, button('csat-dismiss'), button('csat-submit')),
    ),
  ];
}

/** How often the place in the queue is refreshed while waiting (positions move as others are served). */
const WAIT_REFRESH_MS = 15_000;

export function createWaitAndRating(host: {
  root: ShadowRoot;
  client(): ThreadlineClient | undefined;
  strings(): WidgetStrings;
  /** The app's language as the API says (GET /v1/conversation `language`), when it says one. */
  onAppLanguage?(language: string | null): void;
  /** The wait note or the rating card just appeared (the log above it got shorter). */
  onShown?(): void;
}) {
  const $ = (part: string) => host.root.querySelector(`[data-part=${part}]`) as HTMLElement;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let status: ConversationStatus | undefined;
  let rating = 0;
  let rateable: ConversationStateAnswer['rateable'] = null;
  const strings = host.strings;

  function showWait(state: ConversationStateAnswer) {
    const s = strings();
    const wait = state.wait;
    const box = $('wait');
    const appeared = box.hidden && !!wait;
    box.hidden = !wait;
    if (wait) {
      box.querySelector('.wt')!.textContent =
        wait.agentsOnline === 0 ? s.waitNobody : s.waitPosition(wait.position);
      box.dataset.agentsOnline = String(wait.agentsOnline);
      box.dataset.position = String(wait.position);
    }
    if (appeared) host.onShown?.();
  }

  function showRating(next: ConversationStateAnswer['rateable']) {
    rateable = next;
    const s = strings();
    const box = $('csat');
    const appeared = box.hidden && !!next;
    box.hidden = !next;
    if (!next) return;
    delete box.dataset.rated;
    for (const part of box.querySelectorAll<HTMLElement>('textarea,.row')) part.hidden = false;
    box.querySelector('.ct')!.textContent = s.rateTitle(next.agentName);
    box.setAttribute('aria-label', s.rateTitle(next.agentName));
    const stars = box.querySelector('.stars')!;
    stars.replaceChildren(
      ...[1, 2, 3, 4, 5].map((n) => {
        const star = document.createElement('button');
        star.type = 'button';
        star.textContent = n <= rating ? '★' : '☆';
        star.dataset.rating = String(n);
        star.setAttribute('aria-label', s.star(n));
        star.setAttribute('aria-pressed', String(n === rating));
        star.addEventListener('click', () => {
          rating = n;
          showRating(rateable);
          (stars.children[n - 1] as HTMLElement | undefined)?.focus();
        });
        return star;
      }),
    );
    box.querySelector('label')!.textContent = s.rateComment;
    box.querySelector('textarea')!.setAttribute('placeholder', s.rateComment);
    const submit = $('csat-submit') as HTMLButtonElement;
    submit.textContent = s.rateSubmit;
    submit.disabled = rating === 0;
    $('csat-dismiss').textContent = s.rateDismiss;
    if (appeared) host.onShown?.();
  }

  async function check() {
    clearTimeout(timer);
    const client = host.client();
    if (!client) return;
    try {
      const state = await client.conversationState();
      host.onAppLanguage?.(state.language ?? null);
      status = state.conversation?.status ?? status;
      showWait(state);
      if (state.rateable?.conversationId !== rateable?.conversationId) rating = 0;
      showRating(state.rateable);
    } catch {
      // Offline or not started: the status line already says so; the next change checks again.
    }
    if (status === 'queued') timer = setTimeout(check, WAIT_REFRESH_MS);
  }

  $('back-to-bot').addEventListener('click', async () => {
    const button = $('back-to-bot') as HTMLButtonElement;
    button.disabled = true;
    try {
      await host.client()?.backToBot();
    } catch {
      // An agent took it meanwhile: the conversation event shows that.
    } finally {
      button.disabled = false;
      void check();
    }
  });
  $('csat-dismiss').addEventListener('click', () => {
    $('csat').hidden = true;
  });
  $('csat-submit').addEventListener('click', async () => {
    const client = host.client();
    if (!client || !rateable || rating === 0) return;
    const comment = (host.root.querySelector('#tl-csat-comment') as HTMLTextAreaElement).value.trim();
    try {
      await client.rate(rating, comment || undefined, rateable.conversationId);
      const box = $('csat');
      box.querySelector('.ct')!.textContent = strings().rateThanks;
      box.querySelector('.stars')!.replaceChildren();
      for (const hide of box.querySelectorAll<HTMLElement>('textarea,.row')) hide.hidden = true;
      rateable = null;
      box.dataset.rated = 'true';
    } catch {
      // Kept open: the shopper can try again.
    }
  });

  return {
    /** The conversation's status changed (event, send answer or start). */
    onStatus(next: ConversationStatus) {
      const changed = next !== status;
      status = next;
      if (changed || next === 'queued' || next === 'resolved') void check();
    },
    /** Language changed: redraw. */
    relabel() {
      void check();
    },
    check,
    stop() {
      clearTimeout(timer);
    },
  };
}
