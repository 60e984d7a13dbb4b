import type {
  Agent,
  ConversationDetail,
  CustomerProfile,
  InboxAnswer,
  InboxRow,
  InboxUpdate,
  IntentNamesAnswer,
  Message,
  Note,
  ProductSuggestion,
  QueueAnswer,
  RoutingSettings,
} from '@threadline/sdk-core/protocol';
import { useEffect, useState } from 'preact/hooks';
import { type ConsoleApi, ConsoleApiError, createConsoleApi, openAgentStream, type StreamEvent } from './api';
import { channelName, term } from './format';
import { initialLang, type Lang, STRINGS } from './i18n';
import { playChime } from './sound';

export type View =
  | 'queued'
  | 'mine'
  | 'all'
  | 'snoozed'
  | 'supervisor'
  | 'rooms'
  | 'webhooks'
  | 'followups'
  | 'shop'
  | 'insights';
type PagedView = 'queued' | 'mine' | 'all';
const PAGED_VIEWS: PagedView[] = ['queued', 'mine', 'all'];

/** A conversation row as the console keeps it: the API's inbox row plus the console's own marks. */
export type Row = InboxRow & { labels?: string[]; snoozedUntil?: string | null; csat?: Csat | null };
export interface Csat {
  rating: number;
  comment: string | null;
  createdAt: string;
}
export interface CannedReply {
  id: string;
  title: string;
  answer: string;
}
type Detail = ConversationDetail & { conversation: Row };

export interface ConsoleState {
  lang: Lang;
  api: ConsoleApi | null;
  me: Agent | null;
  appName: string;
  view: View;
  channel: string;
  skill: string;
  rows: Map<string, Row>;
  /**
   * Every channel this console has seen a conversation on: the channel filter's options. Not the
   * rows loaded now — those are already filtered, so the list would shrink to the chosen channel.
   */
  channelsSeen: Set<string>;
  /** Intent id → the name the knowledge base gives it (保质期 for shelf_life); ids not known show as is. */
  intentNames: Record<string, string>;
  search: { q: string; results: Row[] } | null;
  /**
   * The next page of each loaded view (null when it is all here) and the app's counts when the
   * inbox was read: with a thousand waiting, the tabs say a thousand, not the hundred loaded.
   */
  more: Record<PagedView, string | null>;
  counts: { queued: number; mine: number } | null;
  selectedId: string | null;
  detail: Detail | null;
  profile: CustomerProfile | null;
  agents: Agent[];
  queue: QueueAnswer | null;
  skills: string[];
  /** The merchant's names for skills, per language (routing settings' `skillNames`). */
  skillNames: NonNullable<RoutingSettings['skillNames']>;
  stream: 'connecting' | 'live' | 'reconnecting' | 'busy';
  unread: Set<string>;
  typing: { conversationId: string; who: string; until: number } | null;
  sound: boolean;
  notify: boolean;
  toast: { text: string; kind: 'info' | 'error' } | null;
  /** Why the agent is at the sign-in form again (token revoked or expired), shown there. */
  signedOutReason: string | null;
  dialog: 'transfer' | 'shortcuts' | null;
  focusReply: number;
}

const storage = {
  get: (key: string) => {
    try {
      return sessionStorage.getItem(key) ?? localStorage.getItem(key);
    } catch {
      return null;
    }
  },
  set: (key: string, value: string | null, session = false) => {
    try {
      const where = session ? sessionStorage : localStorage;
      if (value === null) where.removeItem(key);
      else where.setItem(key, value);
    } catch {
      // Private mode: the console still works, it only forgets on reload.
    }
  },
};
const TOKEN_KEY = 'threadline.console.token';
/** The open conversation and unsent drafts, per tab: a reload (or a crash of the tab) keeps the agent's place. */
const SELECTED_KEY = 'threadline.console.selected';
const DRAFTS_KEY = 'threadline.console.drafts';
const readDrafts = (): Record<string, string> => {
  try {
    return JSON.parse(storage.get(DRAFTS_KEY) ?? '{}') as Record<string, string>;
  } catch {
    return {};
  }
};

type Listener = () => void;

/** The console's state and every action on it; components re-render through `useConsole()`. */
export function createConsoleStore() {
  const listeners = new Set<Listener>();
  let stream: { close(): void } | undefined;
  const state: ConsoleState = {
    lang: initialLang(storage.get('threadline.console.lang'), globalThis.navigator?.language),
    api: null,
    me: null,
    appName: '',
    view: 'queued',
    channel: '',
    skill: '',
    rows: new Map(),
    channelsSeen: new Set(),
    intentNames: {},
    search: null,
    more: { queued: null, mine: null, all: null },
    counts: null,
    selectedId: null,
    detail: null,
    profile: null,
    agents: [],
    queue: null,
    skills: [],
    skillNames: {},
    stream: 'connecting',
    unread: new Set(),
    typing: null,
    sound: storage.get('threadline.console.sound') === 'on',
    notify: storage.get('threadline.console.notify') === 'on',
    toast: null,
    signedOutReason: null,
    dialog: null,
    focusReply: 0,
  };
  const emit = () => {
    for (const listener of listeners) listener();
  };
  const set = (patch: Partial<ConsoleState>) => {
    Object.assign(state, patch);
    emit();
  };
  const t = () => STRINGS[state.lang];

  const fail = (error: unknown) => {
    const text = error instanceof ConsoleApiError ? (t().errors[error.code] ?? error.message) : t().error;
    set({ toast: { text, kind: 'error' } });
  };
  const info = (text: string) => set({ toast: { text, kind: 'info' } });

  const upsert = (row: Row) => {
    const previous = state.rows.get(row.id);
    for (const channel of [...row.channels, row.lastChannel]) state.channelsSeen.add(channel);
    // Marks the API does not carry in every event survive the update.
    state.rows.set(row.id, {
      ...row,
      labels: row.labels ?? previous?.labels ?? [],
      snoozedUntil: row.snoozedUntil !== undefined ? row.snoozedUntil : (previous?.snoozedUntil ?? null),
      csat: row.csat !== undefined ? row.csat : (previous?.csat ?? null),
    });
    if (state.detail?.conversation.id === row.id)
      state.detail = { ...state.detail, conversation: state.rows.get(row.id)! };
    if (state.search)
      state.search = {
        ...state.search,
        results: state.search.results.map((r) => (r.id === row.id ? state.rows.get(row.id)! : r)),
      };
  };

  async function loadInbox() {
    const api = state.api!;
    const pages = await Promise.all(PAGED_VIEWS.map((v) => api.get<InboxAnswer>(inboxQuery(v))));
    state.rows = new Map();
    for (const page of pages) for (const row of page.conversations) upsert(row as Row);
    state.more = { queued: pages[0]!.nextCursor, mine: pages[1]!.nextCursor, all: pages[2]!.nextCursor };
    state.counts = { queued: pages[0]!.counts.queued, mine: pages[0]!.counts.mine };
    emit();
  }

  const inboxQuery = (view: PagedView, cursor?: string) =>
    `/v1/agent/inbox?view=${view}&limit=100${state.channel ? `&channel=${encodeURIComponent(state.channel)}` : ''}${state.skill ? `&skill=${encodeURIComponent(state.skill)}` : ''}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;

  /** Puts notes the open conversation does not show yet into its timeline. */
  function addNotes(notes: Note[]) {
    const detail = state.detail;
    if (!detail) return;
    const fresh = notes.filter(
      (n) => belongsToDetail(n.conversationId) && !detail.timeline.notes.some((x) => x.id === n.id),
    );
    if (fresh.length)
      set({
        detail: { ...detail, timeline: { ...detail.timeline, notes: [...detail.timeline.notes, ...fresh] } },
      });
  }

  async function refreshNotes(conversationId: string) {
    const page = await state.api!.get<Detail['timeline']>(
      `/v1/agent/conversations/${encodeURIComponent(conversationId)}/timeline`,
    );
    if (state.detail?.conversation.id === conversationId) addNotes(page.notes);
  }

  async function loadIntentNames() {
    // Names are a nicety: without them the console shows the ids, so a failure here is not fatal.
    const answer = await state
      .api!.get<IntentNamesAnswer>('/v1/agent/intents')
      .catch(() => ({ intents: [] }));
    set({ intentNames: Object.fromEntries(answer.intents.map((i) => [i.id, i.name])) });
  }

  async function loadTeam() {
    const api = state.api!;
    const [queue, agents, routing] = await Promise.all([
      api.get<QueueAnswer>('/v1/agent/queue'),
      api.get<{ agents: Agent[] }>('/v1/agents'),
      // Names are a nicety: without them skills show by the console's own words.
      api.get<{ routing: RoutingSettings }>('/v1/routing').catch(() => null),
    ]);
    state.skillNames = routing?.routing.skillNames ?? {};
    const skills = [
      ...new Set([...agents.agents.flatMap((a) => a.skills), ...queue.skills.map((s) => s.skill)]),
    ].sort();
    for (const c of queue.channels) state.channelsSeen.add(c.channel);
    set({ queue, agents: agents.agents, skills });
  }

  let agentsTimer: ReturnType<typeof setTimeout> | undefined;
  function refreshAgentsSoon() {
    if (agentsTimer || !state.api) return;
    agentsTimer = setTimeout(() => {
      agentsTimer = undefined;
      void loadTeam().catch(() => {});
    }, 2000);
  }

  function notifyNew(row: Row) {
    if (state.sound) playChime();
    if (state.notify && typeof Notification !== 'undefined' && Notification.permission === 'granted') {
      if (document.hidden) {
        const name = row.customer.name ?? row.customer.handle ?? row.customer.id;
        const note = new Notification(t().newConversation, {
          body: `${name} · ${row.lastMessage?.text ?? ''}`.slice(0, 140),
          tag: row.id,
        });
        note.onclick = () => {
          window.focus();
          void actions.select(row.id);
        };
      }
    }
  }

  function onEvent(event: StreamEvent) {
    const data = event.data as Record<string, unknown>;
    switch (event.type) {
      case 'inbox.updated': {
        const update = data as unknown as InboxUpdate;
        const known = state.rows.has(update.conversation.id);
        upsert(update.conversation as Row);
        const mineNow =
          update.conversation.status === 'assigned' && update.conversation.assignedAgent?.id === state.me?.id;
        if ((update.change === 'queued' && !known) || (update.change !== 'released' && mineNow && !known)) {
          if (state.selectedId !== update.conversation.id) state.unread.add(update.conversation.id);
          notifyNew(update.conversation as Row);
        }
        if (update.change === 'assigned' || update.change === 'transferred') {
          if (mineNow && state.selectedId !== update.conversation.id) {
            state.unread.add(update.conversation.id);
            if (known) notifyNew(update.conversation as Row);
          }
        }
        emit();
        break;
      }
      case 'message.created': {
        const message = data as unknown as Message;
        const row = state.rows.get(message.conversationId);
        if (row) {
          upsert({
            ...row,
            lastMessage: message,
            lastChannel: message.author.type === 'customer' ? message.channel : row.lastChannel,
            channels: row.channels.includes(message.channel)
              ? row.channels
              : [...row.channels, message.channel],
            awaitingReply: message.author.type === 'customer',
            updatedAt: message.createdAt,
            snoozedUntil: message.author.type === 'customer' ? null : row.snoozedUntil,
          });
          if (message.author.type === 'customer' && state.selectedId !== row.id) state.unread.add(row.id);
        }
        const detail = state.detail;
        if (detail?.conversation.customer.id && belongsToDetail(message.conversationId)) {
          if (!detail.timeline.messages.some((m) => m.id === message.id))
            state.detail = {
              ...detail,
              timeline: { ...detail.timeline, messages: [...detail.timeline.messages, message] },
            };
          if (message.author.type === 'customer' && state.typing?.conversationId === message.conversationId)
            state.typing = null;
        }
        emit();
        break;
      }
      case 'note.created': {
        const note = data as unknown as Note;
        const detail = state.detail;
        if (
          !detail ||
          !belongsToDetail(note.conversationId) ||
          detail.timeline.notes.some((n) => n.id === note.id)
        )
          break;
        // The stream carries a colleague's note without its text (notes are sealed per customer);
        // the open conversation's newest timeline page has it.
        if (typeof note.text !== 'string') void act(() => refreshNotes(detail.conversation.id));
        else addNotes([note]);
        break;
      }
      case 'typing': {
        const typing = data as {
          conversationId: string;
          author: { type: string; name?: string };
          typing: boolean;
        };
        if (typing.author.type === 'agent' && typing.author.name === state.me?.name) break;
        const who =
          typing.author.type === 'customer'
            ? t().customerTyping
            : t().agentTyping(typing.author.name ?? t().agent);
        set({
          typing: typing.typing
            ? { conversationId: typing.conversationId, who, until: Date.now() + 8000 }
            : null,
        });
        break;
      }
      case 'agent.updated': {
        // The event carries what changed (presence, skills, capacity…), not the load: merge it.
        const change = data as Partial<Agent> & { id?: string };
        if (!change?.id) break;
        const known = state.agents.find((a) => a.id === change.id);
        if (!known) {
          refreshAgentsSoon();
          break;
        }
        const merged = { ...known, ...change } as Agent;
        set({
          agents: state.agents.map((a) => (a.id === merged.id ? merged : a)),
          me: state.me?.id === merged.id ? { ...state.me, ...change } : state.me,
        });
        break;
      }
      case 'queue.updated': {
        const queue = (data as { queue?: QueueAnswer }).queue ?? (data as unknown as QueueAnswer);
        if (queue?.total) set({ queue });
        // Loads moved with the queue; the agents' list is read again, at most every 2 s.
        refreshAgentsSoon();
        break;
      }
      case 'ticket.created':
      case 'ticket.updated': {
        // The customer-facing view of the ticket (no customer id, no details): matched by id, or
        // by the open conversation for a new one.
        const ticket = data as Partial<CustomerProfile['tickets'][number]> & { id?: string };
        const profile = state.profile;
        if (!profile || !ticket?.id) break;
        const known = profile.tickets.find((x) => x.id === ticket.id);
        if (!known && !(ticket.conversationId && belongsToDetail(ticket.conversationId))) break;
        const merged = {
          intent: null,
          details: {},
          ...known,
          ...ticket,
          customerId: profile.customer.id,
        } as CustomerProfile['tickets'][number];
        const tickets = known
          ? profile.tickets.map((x) => (x.id === merged.id ? merged : x))
          : [merged, ...profile.tickets];
        set({ profile: { ...profile, tickets } });
        break;
      }
      case 'csat.created': {
        const csat = data as unknown as { conversationId: string } & Csat;
        const row = state.rows.get(csat.conversationId);
        if (row) upsert({ ...row, csat });
        emit();
        break;
      }
    }
  }

  function belongsToDetail(conversationId: string) {
    const detail = state.detail;
    if (!detail) return false;
    return (
      detail.conversation.id === conversationId ||
      detail.timeline.messages.some((m) => m.conversationId === conversationId)
    );
  }

  async function act<T>(work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      fail(error);
      // A conflict means this console's picture is old (someone claimed, resolved or moved the
      // conversation a moment ago, or the stream is down): read the open conversation again.
      if (error instanceof ConsoleApiError && error.status === 409 && state.selectedId)
        void actions.select(state.selectedId);
      return undefined;
    }
  }

  const actions = {
    state,
    t,
    /** An intent's display name (the id when the knowledge base does not name it). */
    intentName: (id: string) => state.intentNames[id] ?? id,
    /** A skill's display name in the console's language (never the raw key). */
    skillName: (key: string) => {
      const named = state.skillNames[key];
      const other = state.lang === 'en' ? named?.['zh-CN'] : named?.en;
      return (
        named?.[state.lang] ??
        (t().terms.skills[key] ? term(t(), 'skills', key) : (other ?? term(t(), 'skills', key)))
      );
    },
    subscribe(listener: Listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setLang(lang: Lang) {
      storage.set('threadline.console.lang', lang);
      document.documentElement.lang = lang;
      set({ lang });
    },
    /** Restores a saved token, or one handed over in the URL fragment (`#token=at_…`). */
    async restore() {
      const fragment = new URLSearchParams(location.hash.slice(1)).get('token');
      if (fragment) history.replaceState(null, '', location.pathname + location.search);
      const token = fragment ?? storage.get(TOKEN_KEY);
      if (token) await actions.useToken(token).catch(() => storage.set(TOKEN_KEY, null, true));
    },
    async useToken(token: string) {
      // Whichever call first meets a 401 (revoked, expired, deactivated) ends this console's
      // session, not only the stream: an action must not leave the agent in a page that is dead.
      const ended = () => {
        if (state.api !== api) return;
        void actions.signOut(false).then(() => set({ signedOutReason: t().sessionEnded }));
      };
      const api = createConsoleApi(token, '', ended);
      const me = await api.get<{ agent: Agent; app: { id: string; name: string } }>('/v1/agent/me');
      storage.set(TOKEN_KEY, token, true);
      set({ api, me: me.agent, appName: me.app.name, signedOutReason: null });
      // The stream's cursor is read before the inbox: whatever happens while the inbox loads is
      // replayed by the stream, so a conversation queued in that moment still pops in.
      // Refused (e.g. the token's streams are all taken by other tabs): no cursor; the inbox is then
      // read again once the stream is live, so the gap closes either way.
      const cursor = await api.get<{ cursor: string | null }>('/v1/agent/updates?wait=0').then(
        (answer) => answer.cursor,
        () => null,
      );
      let reloadWhenLive = !cursor;
      // A failed read must not leave a signed-in page without a stream: say so, and go on.
      await Promise.all([loadInbox(), loadTeam(), loadIntentNames()]).catch(fail);
      const reopen = storage.get(SELECTED_KEY);
      if (reopen && !state.selectedId && state.rows.has(reopen)) void actions.select(reopen);
      stream?.close();
      stream = openAgentStream(
        api,
        {
          onEvent,
          onState: (s) => {
            set({ stream: s });
            if (s === 'live' && reloadWhenLive) {
              reloadWhenLive = false;
              void act(loadInbox);
            }
          },
          onUnauthorized: ended,
        },
        cursor ?? undefined,
      );
    },
    async signOut(tellServer = true) {
      stream?.close();
      if (tellServer) await state.api?.send('POST', '/v1/agent/sign-out').catch(() => {});
      storage.set(TOKEN_KEY, null, true);
      storage.set(SELECTED_KEY, null, true);
      storage.set(DRAFTS_KEY, null, true);
      // The next agent on this tab starts clean: no rows, channels, filters or unread marks of this one.
      set({
        api: null,
        me: null,
        rows: new Map(),
        channelsSeen: new Set(),
        unread: new Set(),
        channel: '',
        skill: '',
        search: null,
        more: { queued: null, mine: null, all: null },
        counts: null,
        detail: null,
        profile: null,
        selectedId: null,
        dialog: null,
        typing: null,
      });
    },
    async setPresence(presence: Agent['presence']) {
      await act(async () => {
        const answer = await state.api!.send<{ agent: Agent }>('POST', '/v1/agent/presence', { presence });
        set({ me: answer.agent });
      });
    },
    async setView(view: View) {
      set({ view, search: null });
    },
    async setFilter(filter: { channel?: string; skill?: string }) {
      set(filter);
      await act(loadInbox);
    },
    /** The rows of the current view, in the order agents work them. */
    visibleRows(): Row[] {
      if (state.search) return state.search.results;
      const now = Date.now();
      const me = state.me?.id;
      const snoozed = (r: Row) => Boolean(r.snoozedUntil && Date.parse(r.snoozedUntil) > now);
      const pick: Record<View, (r: Row) => boolean> = {
        queued: (r) => r.status === 'queued',
        mine: (r) => r.status === 'assigned' && r.assignedAgent?.id === me && !snoozed(r),
        all: () => true,
        snoozed: (r) => snoozed(r) && r.status !== 'resolved',
        supervisor: (r) => r.status === 'queued' || r.status === 'assigned',
        rooms: (r) => r.status === 'queued',
        webhooks: (r) => r.status === 'queued',
        followups: (r) => r.status === 'queued',
        shop: (r) => r.status === 'queued',
        insights: (r) => r.status === 'queued',
      };
      const rows = [...state.rows.values()].filter(
        (r) =>
          pick[state.view](r) &&
          (!state.channel || r.lastChannel === state.channel) &&
          (!state.skill || r.skill === state.skill),
      );
      const waitOf = (r: Row) => Date.parse(r.waitingSince ?? r.assignedAt ?? r.updatedAt);
      if (state.view === 'queued' || state.view === 'supervisor' || state.view === 'rooms')
        return rows.sort((a, b) => b.priority - a.priority || waitOf(a) - waitOf(b));
      return rows.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    },
    async runSearch(q: string) {
      const text = q.trim();
      if (!text) return set({ search: null });
      await act(async () => {
        const answer = await state.api!.get<{ conversations: Row[] }>(
          `/v1/agent/search?q=${encodeURIComponent(text)}&limit=50`,
        );
        for (const row of answer.conversations) if (state.rows.has(row.id)) upsert(row);
        set({ search: { q: text, results: answer.conversations } });
      });
    },
    /** The unsent text of a conversation's composer (kept when the agent looks elsewhere or reloads). */
    draft: (id: string) => readDrafts()[id] ?? '',
    saveDraft(id: string, text: string) {
      const drafts = readDrafts();
      if (text) drafts[id] = text;
      else delete drafts[id];
      storage.set(DRAFTS_KEY, Object.keys(drafts).length ? JSON.stringify(drafts) : null, true);
    },
    /** The view's next page, appended (the inbox loads 100 per view at first). */
    async loadMore() {
      const view = state.view as PagedView;
      const cursor = PAGED_VIEWS.includes(view) ? state.more[view] : null;
      if (!cursor) return;
      await act(async () => {
        const page = await state.api!.get<InboxAnswer>(inboxQuery(view, cursor));
        for (const row of page.conversations) upsert(row as Row);
        set({ more: { ...state.more, [view]: page.nextCursor } });
      });
    },
    /**
     * What a tab's badge counts: the loaded rows when they are all here; otherwise the app's figure
     * (the live queue total for `queued`, the count read with the inbox for `mine`).
     */
    tabCount(view: 'queued' | 'mine', loaded: number) {
      if (!state.more[view] || state.channel || state.skill) return loaded;
      const server =
        view === 'queued' ? (state.queue?.total.waiting ?? state.counts?.queued) : state.counts?.mine;
      return Math.max(loaded, server ?? 0);
    },
    clearSearch() {
      set({ search: null });
    },
    async select(id: string | null) {
      state.unread.delete(id ?? '');
      storage.set(SELECTED_KEY, id, true);
      if (!id) return set({ selectedId: null, detail: null, profile: null });
      const view =
        state.view === 'supervisor' ||
        state.view === 'rooms' ||
        state.view === 'webhooks' ||
        state.view === 'followups' ||
        state.view === 'shop'
          ? 'all'
          : state.view;
      set({ selectedId: id, typing: null, view });
      await act(async () => {
        const detail = await state.api!.get<Detail>(`/v1/agent/conversations/${encodeURIComponent(id)}`);
        if (state.selectedId !== id) return;
        upsert(detail.conversation);
        set({ detail: { ...detail, conversation: state.rows.get(id)! } });
        const profile = await state.api!.get<CustomerProfile>(
          `/v1/agent/customers/${encodeURIComponent(detail.conversation.customer.id)}`,
        );
        if (state.selectedId === id) set({ profile });
      });
    },
    /** j / k: the next or previous conversation of the current view. */
    async step(delta: 1 | -1) {
      const rows = actions.visibleRows();
      if (rows.length === 0) return;
      const index = rows.findIndex((r) => r.id === state.selectedId);
      const next = rows[Math.max(0, Math.min(rows.length - 1, index === -1 ? 0 : index + delta))]!;
      await actions.select(next.id);
    },
    async loadOlder() {
      const detail = state.detail;
      if (!detail?.timeline.nextBefore) return;
      await act(async () => {
        const page = await state.api!.get<Detail['timeline']>(
          `/v1/agent/conversations/${encodeURIComponent(detail.conversation.id)}/timeline?before=${detail.timeline.nextBefore}`,
        );
        set({
          detail: {
            ...detail,
            timeline: {
              messages: [...page.messages, ...detail.timeline.messages],
              notes: [...page.notes, ...detail.timeline.notes],
              nextBefore: page.nextBefore,
            },
          },
        });
      });
    },
    async conversationAction(verb: 'claim' | 'release' | 'resolve', id = state.selectedId) {
      if (!id) return;
      await act(async () => {
        const answer = await state.api!.send<{ conversation: Row }>(
          'POST',
          `/v1/agent/conversations/${encodeURIComponent(id)}/${verb}`,
        );
        upsert(answer.conversation);
        emit();
      });
    },
    async transfer(body: { agentId?: string; skill?: string; note?: string }, id = state.selectedId) {
      if (!id) return false;
      const done = await act(async () => {
        const answer = await state.api!.send<{ conversation: Row }>(
          'POST',
          `/v1/agent/conversations/${encodeURIComponent(id)}/transfer`,
          body,
        );
        upsert(answer.conversation);
        set({ dialog: null });
        return true;
      });
      return done ?? false;
    },
    async reply(text: string) {
      const id = state.selectedId;
      if (!id || !text.trim()) return false;
      const done = await act(async () => {
        const answer = await state.api!.send<{ message: Message }>(
          'POST',
          `/v1/agent/conversations/${encodeURIComponent(id)}/messages`,
          { text, clientMessageId: `console-${crypto.randomUUID()}` },
        );
        onEvent({ id: '', type: 'message.created', data: answer.message });
        return true;
      });
      return done ?? false;
    },
    typing: (() => {
      let last = 0;
      return (typing: boolean) => {
        const id = state.selectedId;
        const row = id ? state.rows.get(id) : undefined;
        if (!id || !row || row.status !== 'assigned' || row.assignedAgent?.id !== state.me?.id) return;
        const now = Date.now();
        if (typing && now - last < 3000) return;
        last = typing ? now : 0;
        void state
          .api!.send('POST', `/v1/agent/conversations/${encodeURIComponent(id)}/typing`, { typing })
          .catch(() => {});
      };
    })(),
    async note(text: string) {
      const id = state.selectedId;
      if (!id || !text.trim()) return false;
      const done = await act(async () => {
        const answer = await state.api!.send<{ note: Note }>(
          'POST',
          `/v1/agent/conversations/${encodeURIComponent(id)}/notes`,
          { text },
        );
        onEvent({ id: '', type: 'note.created', data: answer.note });
        return true;
      });
      return done ?? false;
    },
    async cannedReplies(q: string): Promise<CannedReply[]> {
      return (
        (await act(async () => {
          const answer = await state.api!.get<{ replies: CannedReply[] }>(
            `/v1/agent/replies?q=${encodeURIComponent(q)}&limit=8`,
          );
          return answer.replies;
        })) ?? []
      );
    },
    async setLabels(labels: string[]) {
      const id = state.selectedId;
      if (!id) return;
      await act(async () => {
        const answer = await state.api!.send<{ labels: string[] }>(
          'PUT',
          `/v1/agent/conversations/${encodeURIComponent(id)}/labels`,
          { labels },
        );
        const row = state.rows.get(id);
        if (row) upsert({ ...row, labels: answer.labels });
        emit();
      });
    },
    async snooze(until: Date | null) {
      const id = state.selectedId;
      if (!id) return;
      await act(async () => {
        const answer = await state.api!.send<{ snoozedUntil: string | null }>(
          'POST',
          `/v1/agent/conversations/${encodeURIComponent(id)}/snooze`,
          { until: until ? until.toISOString() : null },
        );
        const row = state.rows.get(id);
        if (row) upsert({ ...row, snoozedUntil: answer.snoozedUntil });
        emit();
      });
    },
    async sendHandoffCode() {
      const id = state.selectedId;
      if (!id) return;
      await act(async () => {
        const answer = await state.api!.send<{ shortCode: string; sms: { to: string } | null }>(
          'POST',
          `/v1/agent/conversations/${encodeURIComponent(id)}/handoff`,
          { toChannel: 'app', sendSms: true },
        );
        info(t().handoffSent(answer.shortCode, answer.sms?.to ?? ''));
      });
    },
    /**
     * A suggested product as a link card in the open conversation. The API picks where it shows:
     * on a phone call, the customer's mini-program / app / web chat.
     */
    async sendSuggestion(suggestion: ProductSuggestion) {
      const id = state.selectedId;
      if (!id || !suggestion.url) return false;
      const done = await act(async () => {
        const answer = await state.api!.send<{ message: Message }>(
          'POST',
          `/v1/agent/conversations/${encodeURIComponent(id)}/cards`,
          {
            card: {
              title: suggestion.name,
              ...(suggestion.price !== null ? { description: `¥${suggestion.price}` } : {}),
              ...(suggestion.imageUrl ? { imageUrl: suggestion.imageUrl } : {}),
              targetUrl: suggestion.url,
            },
            clientMessageId: `console-${crypto.randomUUID()}`,
          },
        );
        onEvent({ id: '', type: 'message.created', data: answer.message });
        info(t().cardSent(channelName(t(), answer.message.channel)));
        return true;
      });
      return done ?? false;
    },
    /** What the customer told the agent about marketing: an opt-out cancels their scheduled follow-ups. */
    async setMarketingOptOut(optOut: boolean) {
      const profile = state.profile;
      if (!profile) return;
      await act(async () => {
        const answer = await state.api!.send<{ cancelled: number }>(
          'POST',
          `/v1/agent/customers/${encodeURIComponent(profile.customer.id)}/consent`,
          { marketingOptOut: optOut },
        );
        const attributes = { ...profile.attributes };
        if (optOut) attributes.marketingOptOut = true;
        else delete attributes.marketingOptOut;
        if (state.profile === profile) set({ profile: { ...profile, attributes } });
        info(optOut ? t().optedOut(answer.cancelled) : t().optedIn);
      });
    },
    async setTicketStatus(ticketId: string, status: string) {
      await act(async () => {
        const answer = await state.api!.send<{ ticket: CustomerProfile['tickets'][number] }>(
          'PATCH',
          `/v1/tickets/${encodeURIComponent(ticketId)}`,
          { status },
        );
        const profile = state.profile;
        if (profile)
          set({
            profile: {
              ...profile,
              tickets: profile.tickets.map((x) => (x.id === ticketId ? answer.ticket : x)),
            },
          });
      });
    },
    setSound(on: boolean) {
      storage.set('threadline.console.sound', on ? 'on' : null);
      if (on) playChime();
      set({ sound: on });
    },
    async setNotify(on: boolean) {
      if (on && typeof Notification !== 'undefined' && Notification.permission !== 'granted')
        on = (await Notification.requestPermission()) === 'granted';
      storage.set('threadline.console.notify', on ? 'on' : null);
      set({ notify: on });
    },
    openDialog(dialog: ConsoleState['dialog']) {
      set({ dialog });
    },
    focusReply() {
      set({ focusReply: state.focusReply + 1 });
    },
    dismissToast() {
      set({ toast: null });
    },
    refreshTeam: () => act(loadTeam),
  };
  return actions;
}

export type ConsoleStore = ReturnType<typeof createConsoleStore>;

/** Re-renders the component whenever the store changes; returns the store. */
export function useStore(store: ConsoleStore): ConsoleStore {
  const [, setVersion] = useState(0);
  useEffect(() => store.subscribe(() => setVersion((v) => v + 1)), [store]);
  return store;
}

/** A clock that ticks every second, for waiting times and SLA timers. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
