import { useRef } from 'preact/hooks';
import {
  channelMark,
  channelName,
  customerName,
  FIRST_RESPONSE_SLA_SEC,
  secondsSince,
  slaLeft,
  statusName,
} from './format';
import { type ConsoleStore, type Row, useNow, type View } from './store';

const TABS: Exclude<View, 'supervisor' | 'rooms' | 'webhooks' | 'insights' | 'shop'>[] = [
  'queued',
  'mine',
  'all',
  'snoozed',
];

export function ChannelMark({ channel, label }: { channel: string; label: string }) {
  return (
    <span class={`ch ch-${channel}`} title={label} data-channel={channel}>
      <span aria-hidden="true">{channelMark(channel)}</span>
      <span class="sr">{label}</span>
    </span>
  );
}

function InboxRowItem({ store, row, now }: { store: ConsoleStore; row: Row; now: number }) {
  const s = store.t();
  const selected = store.state.selectedId === row.id;
  const unread = store.state.unread.has(row.id);
  const name = customerName(s, row.customer);
  // The two latest intents: after a handoff the latest is often the ask for a person itself, and
  // the one before says what the matter is (保质期 · 转人工).
  const intents = [
    ...new Set(row.summary?.intents.length ? row.summary.intents : [row.lastMessage?.intent].filter(Boolean)),
  ]
    .slice(-2)
    .map((id) => store.intentName(id!));
  const left = row.status === 'queued' ? slaLeft(row.waitingSince, now, FIRST_RESPONSE_SLA_SEC) : null;
  const waited = secondsSince(row.waitingSince ?? row.lastMessage?.createdAt, now);
  return (
    <div
      role="option"
      id={`row-${row.id}`}
      aria-selected={selected}
      tabIndex={selected ? 0 : -1}
      class={`row ${unread ? 'unread' : ''}`}
      data-conversation-id={row.id}
      data-status={row.status}
      onClick={() => store.select(row.id)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          void store.select(row.id);
        }
      }}
    >
      <div class="row-top">
        <span class="channels">
          {row.channels.map((c) => (
            <ChannelMark key={c} channel={c} label={channelName(s, c)} />
          ))}
        </span>
        <b class="name">{name}</b>
        {row.customer.vip && (
          <span class="vip" data-part="vip">
            {s.vip}
          </span>
        )}
        {unread && (
          <span class="dot-unread">
            <span class="sr">{s.unread(1)}</span>
          </span>
        )}
        <span class="wait" title={s.waiting}>
          {s.ago(waited)}
        </span>
      </div>
      <div class="row-last">
        {row.lastMessage ? row.lastMessage.text : <i>{statusName(s, row.status)}</i>}
      </div>
      <div class="row-meta">
        {intents.map((name) => (
          <span class="intent" key={name}>
            {name}
          </span>
        ))}
        {row.skill && (
          <span class="skill" data-skill={row.skill}>
            {store.skillName(row.skill)}
          </span>
        )}
        {(row.labels ?? []).map((l) => (
          <span class="label" key={l}>
            {l}
          </span>
        ))}
        {row.csat && <span class="csat-mark">★{row.csat.rating}</span>}
        {row.status === 'assigned' && row.assignedAgent && row.assignedAgent.id !== store.state.me?.id && (
          <span class="owner">{row.assignedAgent.name}</span>
        )}
        {row.status !== 'queued' && row.status !== 'assigned' && (
          <span class="state">{statusName(s, row.status)}</span>
        )}
        {left !== null && (
          <span
            class={`sla ${left < 0 ? 'sla-breached' : left < FIRST_RESPONSE_SLA_SEC / 4 ? 'sla-warn' : ''}`}
            data-part="sla"
            title={left < 0 ? s.slaBreached : s.slaLeft}
          >
            <span class="sr">{left < 0 ? s.slaBreached : s.slaLeft} </span>
            SLA {left < 0 ? `−${s.ago(-left)}` : s.ago(left)}
          </span>
        )}
      </div>
    </div>
  );
}

export function InboxPane({ store }: { store: ConsoleStore }) {
  const s = store.t();
  const now = useNow();
  const { view, channel, skill, search, skills, rows: all } = store.state;
  const rows = store.visibleRows();
  const searchRef = useRef<HTMLInputElement>(null);
  const me = store.state.me?.id;
  const count = (tab: View) =>
    [...all.values()].filter((r) =>
      tab === 'queued'
        ? r.status === 'queued'
        : tab === 'mine'
          ? r.status === 'assigned' && r.assignedAgent?.id === me
          : false,
    ).length;
  const unreadIn = (tab: View) =>
    [...store.state.unread].filter((id) => {
      const r = all.get(id);
      return (
        r &&
        (tab === 'queued' ? r.status === 'queued' : r.status === 'assigned' && r.assignedAgent?.id === me)
      );
    }).length;
  const channels = [...store.state.channelsSeen].sort();
  const onListKey = (event: KeyboardEvent) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      void store
        .step(event.key === 'ArrowDown' ? 1 : -1)
        .then(() => document.getElementById(`row-${store.state.selectedId}`)?.focus());
    }
  };
  return (
    <nav class="inbox" aria-label={s.inbox}>
      <search>
        <form
          class="search"
          onSubmit={(e) => {
            e.preventDefault();
            void store.runSearch(searchRef.current?.value ?? '');
          }}
        >
          <label for="search" class="sr">
            {s.search}
          </label>
          <input id="search" ref={searchRef} type="search" placeholder={s.searchHint} autoComplete="off" />
          {search && (
            <button
              type="button"
              class="link"
              onClick={() => {
                if (searchRef.current) searchRef.current.value = '';
                store.clearSearch();
              }}
            >
              {s.clearSearch}
            </button>
          )}
        </form>
      </search>
      {!search && (
        <div class="tabs" role="tablist" aria-label={s.views}>
          {TABS.map((tab) => {
            const n = tab === 'queued' || tab === 'mine' ? store.tabCount(tab, count(tab)) : null;
            const unread = tab === 'queued' || tab === 'mine' ? unreadIn(tab) : 0;
            return (
              <button
                key={tab}
                type="button"
                role="tab"
                id={`tab-${tab}`}
                aria-selected={view === tab}
                aria-controls="inbox-list"
                data-view={tab}
                onClick={() => store.setView(tab)}
              >
                {s[tab]}
                {n !== null && <span class="count">{n}</span>}
                {unread > 0 && (
                  <span class="badge" data-part="unread">
                    <span class="sr">{s.unread(unread)}</span>
                    <span aria-hidden="true">{unread}</span>
                  </span>
                )}
              </button>
            );
          })}
        </div>
      )}
      {!search && (
        <div class="filters">
          <label>
            <span class="sr">{s.channelFilter}</span>
            <select value={channel} onChange={(e) => store.setFilter({ channel: e.currentTarget.value })}>
              <option value="">{s.allChannels}</option>
              {channels.map((c) => (
                <option key={c} value={c}>
                  {channelName(s, c)}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span class="sr">{s.skillFilter}</span>
            <select value={skill} onChange={(e) => store.setFilter({ skill: e.currentTarget.value })}>
              <option value="">{s.allSkills}</option>
              {skills.map((k) => (
                <option key={k} value={k}>
                  {store.skillName(k)}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      {search && <p class="results">{s.searchResults(search.results.length)}</p>}
      <div
        id="inbox-list"
        class="rows"
        role="listbox"
        aria-label={
          search
            ? s.searchResults(search.results.length)
            : s[
                view === 'supervisor'
                  ? 'all'
                  : view === 'rooms' ||
                      view === 'webhooks' ||
                      view === 'followups' ||
                      view === 'shop' ||
                      view === 'insights'
                    ? 'queued'
                    : view
              ]
        }
        tabIndex={rows.length && !rows.some((r) => r.id === store.state.selectedId) ? 0 : -1}
        onKeyDown={onListKey}
      >
        {rows.map((row) => (
          <InboxRowItem key={row.id} store={store} row={row} now={now} />
        ))}
      </div>
      {rows.length === 0 && <p class="empty">{s.noConversations}</p>}
      {!search && (view === 'queued' || view === 'mine' || view === 'all') && store.state.more[view] && (
        <button type="button" class="link more" data-action="load-more" onClick={() => store.loadMore()}>
          {s.loadMore(rows.length)}
        </button>
      )}
    </nav>
  );
}
