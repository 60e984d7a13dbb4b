import type { HandoffSummary, Message, Note } from '@threadline/sdk-core/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import { channelName, clock, customerName, dateTime, humanize, statusName, term } from './format';
import { ChannelMark } from './inbox';
import type { CannedReply, ConsoleStore, Row } from './store';

function Summary({ store, summary }: { store: ConsoleStore; summary: HandoffSummary }) {
  const s = store.t();
  const items: [string, string][] = [
    [s.reason, s.reasons[summary.reason] ?? humanize(summary.reason)],
    [s.channelsUsed, summary.channels.map((c) => channelName(s, c)).join(' → ')],
    [s.intents, summary.intents.map((id) => store.intentName(id)).join(' · ')],
    [s.products, summary.products.map((p) => p.name ?? p.id).join(' · ')],
    [s.orders, summary.orderIds.join(' · ')],
    [
      s.openTickets,
      summary.openTickets
        .map(
          (t) =>
            `${term(s, 'ticketTypes', t.type)}${t.orderId ? ` ${t.orderId}` : ''} (${s.ticketStatuses[t.status] ?? humanize(t.status)})`,
        )
        .join(' · '),
    ],
    [s.botAnswered, summary.botAnswered.map((a) => a.title ?? a.articleId).join(' · ')],
    [
      s.sentiment,
      [
        ...summary.sentiment.flags.map((f) => s.sentimentFlags[f] ?? humanize(f)),
        summary.sentiment.negativeMessages ? s.negativeMessages(summary.sentiment.negativeMessages) : '',
      ]
        .filter(Boolean)
        .join(' · '),
    ],
  ];
  return (
    <section class="summary" aria-labelledby="summary-title" data-part="summary">
      <h2 id="summary-title">{s.summary}</h2>
      <dl>
        {items
          .filter(([, v]) => v)
          .map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
      </dl>
    </section>
  );
}

type Entry = { kind: 'message'; at: string; message: Message } | { kind: 'note'; at: string; note: Note };

function Timeline({ store }: { store: ConsoleStore }) {
  const s = store.t();
  const detail = store.state.detail!;
  const lang = store.state.lang;
  const ref = useRef<HTMLDivElement>(null);
  const entries: Entry[] = [
    ...detail.timeline.messages.map((m) => ({ kind: 'message' as const, at: m.createdAt, message: m })),
    ...detail.timeline.notes.map((n) => ({ kind: 'note' as const, at: n.createdAt, note: n })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  const lastKey = entries.at(-1)?.at;
  useEffect(() => {
    const list = ref.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [lastKey, detail.conversation.id]);
  const author = (m: Message) =>
    m.author.type === 'agent'
      ? (m.author.name ?? s.agent)
      : m.author.type === 'customer'
        ? s.customer
        : m.author.type === 'bot'
          ? s.bot
          : s.system;
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus so keyboard users can scroll it (axe scrollable-region-focusable)
    <div class="timeline" role="log" aria-live="polite" aria-label={s.timeline} tabIndex={0} ref={ref}>
      {detail.timeline.nextBefore && (
        <div class="older">
          <button type="button" class="link" onClick={() => store.loadOlder()}>
            {s.olderMessages}
          </button>
        </div>
      )}
      {entries.map((entry) =>
        entry.kind === 'message' ? (
          <div
            key={entry.message.id}
            class={`msg msg-${entry.message.author.type}`}
            data-part="message"
            data-author={entry.message.author.type}
            data-channel={entry.message.channel}
          >
            <div class="msg-head">
              <ChannelMark channel={entry.message.channel} label={channelName(s, entry.message.channel)} />
              <b>{author(entry.message)}</b>
              {entry.message.intent && <span class="intent">{store.intentName(entry.message.intent)}</span>}
              <time dateTime={entry.message.createdAt}>{dateTime(entry.message.createdAt, lang)}</time>
            </div>
            <p>{entry.message.text}</p>
          </div>
        ) : (
          <div key={entry.note.id} class="msg msg-note" data-part="note">
            <div class="msg-head">
              <b>
                {s.note} · {entry.note.author.name}
              </b>
              <time dateTime={entry.note.createdAt}>{clock(entry.note.createdAt, lang)}</time>
            </div>
            <p>{entry.note.text}</p>
          </div>
        ),
      )}
    </div>
  );
}

function CannedReplies({ store, onInsert }: { store: ConsoleStore; onInsert(text: string): void }) {
  const s = store.t();
  const [query, setQuery] = useState('');
  const [replies, setReplies] = useState<CannedReply[]>([]);
  useEffect(() => {
    const q = query.trim();
    if (!q) return setReplies([]);
    const timer = setTimeout(() => void store.cannedReplies(q).then(setReplies), 150);
    return () => clearTimeout(timer);
  }, [query, store]);
  return (
    <div class="canned" data-part="canned">
      <label>
        <span class="sr">{s.cannedSearch}</span>
        <input
          type="search"
          placeholder={`${s.canned}: ${s.cannedSearch}`}
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
      </label>
      {replies.length > 0 && (
        <ul aria-label={s.canned}>
          {replies.map((r) => (
            <li key={r.id}>
              <button
                type="button"
                onClick={() => {
                  onInsert(r.answer);
                  setQuery('');
                }}
              >
                <b>{r.title}</b>
                <span>{r.answer}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Assigned to another agent than `me`. */
const isOthers = (row: Row, me: string | undefined) =>
  row.status === 'assigned' && Boolean(row.assignedAgent) && row.assignedAgent?.id !== me;

function Composer({ store, row }: { store: ConsoleStore; row: Row }) {
  const s = store.t();
  const [chosenMode, setMode] = useState<'reply' | 'note'>('reply');
  // A colleague is helping this customer: the API refuses anyone else's reply (a supervisor takes
  // over first), so the box writes internal notes only.
  const others = isOthers(row, store.state.me?.id);
  const mode = others ? 'note' : chosenMode;
  const [text, setTextState] = useState(() => store.draft(row.id));
  const setText = (value: string) => {
    setTextState(value);
    store.saveDraft(row.id, value);
  };
  const [busy, setBusy] = useState(false);
  const ref = useRef<HTMLTextAreaElement>(null);
  const focusTick = store.state.focusReply;
  useEffect(() => {
    if (focusTick) {
      setMode('reply');
      ref.current?.focus();
    }
  }, [focusTick]);
  // Each conversation keeps its own unsent draft: looking at another one (or reloading) loses nothing.
  useEffect(() => setTextState(store.draft(row.id)), [row.id, store]);
  const submit = async () => {
    if (!text.trim() || busy) return;
    setBusy(true);
    const ok = mode === 'reply' ? await store.reply(text) : await store.note(text);
    setBusy(false);
    if (ok) {
      setText('');
      store.typing(false);
    }
  };
  const disabled = row.status === 'resolved';
  return (
    <form
      class={`composer composer-${mode}`}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div class="modes">
        {(['reply', 'note'] as const).map((m) => (
          <button
            key={m}
            type="button"
            aria-pressed={mode === m}
            data-mode={m}
            disabled={m === 'reply' && others}
            title={m === 'reply' && others ? s.colleagueHelping(row.assignedAgent?.name ?? '') : undefined}
            onClick={() => setMode(m)}
          >
            {m === 'reply' ? s.reply : s.note}
          </button>
        ))}
        {mode === 'note' && <small>{s.noteHint}</small>}
      </div>
      {mode === 'reply' && (
        <CannedReplies store={store} onInsert={(t) => setText(text ? `${text}\n${t}` : t)} />
      )}
      <label for="reply-box" class="sr">
        {mode === 'reply' ? s.reply : s.note}
      </label>
      <textarea
        id="reply-box"
        ref={ref}
        data-part="reply"
        rows={3}
        value={text}
        disabled={disabled}
        placeholder={mode === 'reply' ? s.replyPlaceholder : s.notePlaceholder}
        onInput={(e) => {
          setText(e.currentTarget.value);
          if (mode === 'reply') store.typing(e.currentTarget.value.length > 0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            void submit();
          }
        }}
      />
      <button type="submit" class="primary" disabled={disabled || busy || !text.trim()} data-part="send">
        {mode === 'reply' ? s.send : s.addNote}
      </button>
    </form>
  );
}

function Labels({ store, row }: { store: ConsoleStore; row: Row }) {
  const s = store.t();
  const labels = row.labels ?? [];
  const [draft, setDraft] = useState('');
  return (
    <fieldset class="labels">
      <legend class="sr">{s.labels}</legend>
      {labels.map((l) => (
        <span class="label" key={l} title={l}>
          <span class="label-text">{l}</span>
          <button
            type="button"
            aria-label={s.removeLabel(l)}
            onClick={() => store.setLabels(labels.filter((x) => x !== l))}
          >
            ×
          </button>
        </span>
      ))}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const label = draft.trim();
          if (label && !labels.includes(label)) void store.setLabels([...labels, label]);
          setDraft('');
        }}
      >
        <label>
          <span class="sr">{s.addLabel}</span>
          <input
            class="label-input"
            value={draft}
            maxLength={32}
            placeholder={`+ ${s.addLabel}`}
            onInput={(e) => setDraft(e.currentTarget.value)}
          />
        </label>
      </form>
    </fieldset>
  );
}

function SnoozeMenu({ store, row }: { store: ConsoleStore; row: Row }) {
  const s = store.t();
  const snoozed = row.snoozedUntil && Date.parse(row.snoozedUntil) > Date.now();
  if (snoozed)
    return (
      <button type="button" onClick={() => store.snooze(null)}>
        {s.unsnooze}
      </button>
    );
  const tomorrow = new Date();
  tomorrow.setDate(tomorrow.getDate() + 1);
  tomorrow.setHours(9, 0, 0, 0);
  return (
    <label class="snooze">
      <span class="sr">{s.snooze}</span>
      <select
        value=""
        onChange={(e) => {
          const v = e.currentTarget.value;
          if (!v) return;
          const until = v === 'tomorrow' ? tomorrow : new Date(Date.now() + Number(v) * 3600_000);
          void store.snooze(until);
        }}
      >
        <option value="">{s.snooze}…</option>
        <option value="1">{s.snooze1h}</option>
        <option value="4">{s.snooze4h}</option>
        <option value="tomorrow">{s.snoozeTomorrow}</option>
      </select>
    </label>
  );
}

export function ConversationView({ store }: { store: ConsoleStore }) {
  const s = store.t();
  const { detail, me, typing } = store.state;
  if (!detail)
    return (
      <main class="conversation empty-state" id="conversation">
        <p>{s.selectConversation}</p>
      </main>
    );
  const row = detail.conversation;
  const mine = row.status === 'assigned' && row.assignedAgent?.id === me?.id;
  const others = isOthers(row, me?.id);
  // The owner acts on their conversation; on a colleague's only a supervisor does (the API says so too).
  const mayAct = !others || me?.role === 'supervisor';
  const name = customerName(s, row.customer);
  const typingHere =
    typing && typing.conversationId === row.id && typing.until > Date.now() ? typing.who : '';
  return (
    <main
      class="conversation"
      id="conversation"
      tabIndex={-1}
      aria-labelledby="conversation-title"
      data-conversation-id={row.id}
    >
      <div class="conv-head">
        <div>
          <h1 id="conversation-title">
            {name}
            {row.customer.vip && <span class="vip">{s.vip}</span>}
          </h1>
          <p class="conv-sub">
            <span class={`status status-${row.status}`} data-part="status">
              {statusName(s, row.status)}
            </span>
            {row.assignedAgent && (
              <span>
                {s.assignedTo}: {row.assignedAgent.name}
              </span>
            )}
            <span class="channels">
              {row.channels.map((c) => (
                <ChannelMark key={c} channel={c} label={channelName(s, c)} />
              ))}
            </span>
            {row.csat && (
              <span class="csat-mark" data-part="csat">
                {s.csat}: {'★'.repeat(row.csat.rating)}
                {row.csat.comment ? ` “${row.csat.comment}”` : ''}
              </span>
            )}
          </p>
          <Labels store={store} row={row} />
        </div>
        <div class="actions">
          {row.status !== 'resolved' && !mine && mayAct && (
            <button
              type="button"
              class="primary"
              data-action="claim"
              onClick={() => store.conversationAction('claim')}
            >
              {s.claim}
            </button>
          )}
          {row.status !== 'resolved' && mayAct && (
            <button type="button" data-action="transfer" onClick={() => store.openDialog('transfer')}>
              {s.transfer}
            </button>
          )}
          {row.status === 'assigned' && mayAct && (
            <button type="button" data-action="release" onClick={() => store.conversationAction('release')}>
              {s.release}
            </button>
          )}
          {row.status !== 'resolved' && mayAct && (
            <button type="button" data-action="resolve" onClick={() => store.conversationAction('resolve')}>
              {s.resolve}
            </button>
          )}
          {row.status !== 'resolved' && <SnoozeMenu store={store} row={row} />}
          {row.status !== 'resolved' && !others && (
            <button type="button" data-action="handoff" onClick={() => store.sendHandoffCode()}>
              {s.handoffCode}
            </button>
          )}
        </div>
      </div>
      {row.summary && <Summary store={store} summary={row.summary} />}
      <Timeline store={store} />
      <p class="typing" aria-live="polite" data-part="typing">
        {typingHere}
      </p>
      <Composer store={store} row={row} />
    </main>
  );
}
