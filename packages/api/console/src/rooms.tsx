import type { LiveHotQuestions, LiveRoom } from '@threadline/sdk-core/protocol';
import { useEffect, useState } from 'preact/hooks';
import { openEventStream } from './api';
import { channelName } from './format';
import { ChannelMark } from './inbox';
import type { ConsoleStore } from './store';

/**
 * The default livestream channels (sdk-core's DEFAULT_CHANNELS that end in _live), written out: the
 * protocol module is imported for types only, so zod stays out of the console's bundle.
 */
const DEFAULT_LIVE_CHANNELS = ['douyin_live', 'taobao_live'];

const roomKey = (r: Pick<LiveRoom, 'channel' | 'roomId'>) => `${r.channel}/${r.roomId}`;
const roomPath = (r: Pick<LiveRoom, 'channel' | 'roomId'>) =>
  `/v1/channels/${encodeURIComponent(r.channel)}/rooms/${encodeURIComponent(r.roomId)}`;

/**
 * Livestream rooms (issue 16's API): the rooms of every livestream channel this console knows of,
 * and for the chosen one the questions viewers ask, live over the room's hot-questions stream. The
 * stream sends the whole view on every (re)connection, so a reconnect loses nothing.
 */
export function RoomsView({ store }: { store: ConsoleStore }) {
  const s = store.t();
  const api = store.state.api!;
  const [rooms, setRooms] = useState<LiveRoom[] | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const [view, setView] = useState<LiveHotQuestions | null>(null);
  const [live, setLive] = useState(false);

  // Livestream channels are named <platform>_live: the default ones and any this console has seen.
  const channels = [
    ...new Set([...DEFAULT_LIVE_CHANNELS, ...store.state.channelsSeen].filter((c) => c.endsWith('_live'))),
  ];
  useEffect(() => {
    let stale = false;
    void Promise.all(
      channels.map((c) =>
        api
          .get<{ rooms: LiveRoom[] }>(`/v1/channels/${encodeURIComponent(c)}/rooms`)
          .then((a) => a.rooms)
          .catch(() => [] as LiveRoom[]),
      ),
    ).then((lists) => {
      if (stale) return;
      const all = lists.flat().sort((a, b) => (b.lastCommentAt ?? '').localeCompare(a.lastCommentAt ?? ''));
      setRooms(all);
      setChosen((current) => current ?? (all[0] ? roomKey(all[0]) : null));
    });
    return () => {
      stale = true;
    };
  }, [api, channels.join()]);

  const room = rooms?.find((r) => roomKey(r) === chosen) ?? null;
  useEffect(() => {
    setView(null);
    setLive(false);
    if (!room) return;
    const stream = openEventStream(api, () => `${roomPath(room)}/hot-questions/stream`, {
      onEvent(event) {
        if (event.type === 'live.hot_questions') setView(event.data as LiveHotQuestions);
      },
      onState: (state) => setLive(state === 'live'),
      onUnauthorized: () => void store.signOut(false),
    });
    return () => stream.close();
  }, [api, chosen, rooms === null]);

  return (
    <main class="supervisor rooms" aria-labelledby="rooms-title" data-part="rooms">
      <h1 id="rooms-title">{s.rooms}</h1>
      {rooms?.length === 0 && <p class="muted">{s.noRooms}</p>}
      {rooms && rooms.length > 0 && (
        <div class="room-picker" role="tablist" aria-label={s.rooms}>
          {rooms.map((r) => (
            <button
              key={roomKey(r)}
              type="button"
              role="tab"
              aria-selected={roomKey(r) === chosen}
              data-room={roomKey(r)}
              onClick={() => setChosen(roomKey(r))}
            >
              <ChannelMark channel={r.channel} label={channelName(s, r.channel)} /> {r.title ?? r.roomId}
            </button>
          ))}
        </div>
      )}
      {room && (
        <section aria-labelledby="room-title" data-part="room" data-live={live}>
          <h2 id="room-title">
            {room.title ?? room.roomId}{' '}
            <output class={`room-live ${live ? 'on' : ''}`}>{live ? s.live : s.reconnecting}</output>
          </h2>
          {room.shelf.products.length > 0 && (
            <p class="muted">
              {s.onShelf}: {room.shelf.products.map((p) => p.name ?? p.id).join(' · ')}
            </p>
          )}
          {room.pinned && (
            <p class="muted">
              {s.pinnedAnswer}: {room.pinned.text}
            </p>
          )}
          {view && (
            <p data-part="room-totals">
              {s.commentsPerWindow(
                view.totals.comments.m1,
                view.totals.comments.m5,
                view.totals.comments.m15,
              )}
            </p>
          )}
          <table data-part="questions">
            <caption>{s.roomQuestions}</caption>
            <thead>
              <tr>
                <th scope="col">{s.roomQuestions}</th>
                <th scope="col">{s.asked}</th>
                <th scope="col">{s.askers}</th>
                <th scope="col">{s.suggestedAnswer}</th>
              </tr>
            </thead>
            <tbody>
              {view && view.questions.length === 0 && (
                <tr>
                  <td colSpan={4}>{s.noQuestions}</td>
                </tr>
              )}
              {view?.questions.map((q) => (
                <tr key={q.key} data-question={q.key} data-hot={q.hot} class={q.hot ? 'hot' : ''}>
                  <th scope="row">
                    {q.hot && <span class="hot-mark">{s.hot}</span>} {q.label}
                    {q.examples.length > 0 && <div class="muted">“{q.examples.slice(0, 2).join('” “')}”</div>}
                  </th>
                  <td>
                    {q.counts.m1} / {q.counts.m5} / {q.counts.m15}
                  </td>
                  <td>
                    {q.askers.m15}
                    <div class="muted">{s.answeredWaiting(q.answered.askers, q.answered.waiting)}</div>
                  </td>
                  <td>{q.suggestedAnswer ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {rooms && rooms.length > 0 && !room && <p class="muted">{s.pickRoom}</p>}
    </main>
  );
}
