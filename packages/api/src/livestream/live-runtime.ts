import type { LiveHotQuestions } from '@threadline/sdk-core/protocol';
import { and, asc, count, eq, gt, gte, inArray, max } from 'drizzle-orm';
import type { AppRow } from '../apps';
import { openAllForCustomers } from '../identity';
import type { EngineRegistry } from '../knowledge';
import { iso } from '../platform/clock';
import type { ServiceDeps } from '../platform/deps';
import type { BusEvent } from '../realtime';
import type { LiveQuestionInfo } from './comment-reader';
import { createCommentReader } from './comment-reader';
import { type EscalatedComment, escalateComment, escalateComments, pendingEscalations } from './escalations';
import { type RoomView, RoomWindow, WINDOW_SEC, type WindowComment } from './hot-questions';
import { createReplyDelivery } from './reply-delivery';
import { type AnsweredNotice, recordAnswerRound } from './room-answers';
import { type EffectiveLiveSettings, ensureRoom, type LiveRoomRow, liveSettingsOf, roomById } from './rooms';
import { liveComments, liveMentions, liveQuestions } from './schema';
import { createTimelineDrain } from './timeline-drain';

/** What a room's stream carries: a fresh view of its hot questions, or news of an answer round. */
export type RoomEvent =
  | { type: 'live.hot_questions'; data: LiveHotQuestions }
  | { type: 'live.answer'; data: { questionKey: string; replyId: string; mentions: number; at: string } };

/** Bus notices about a room (never stored; they travel between API processes on the bus). */
export interface CommentsNotice {
  questions: LiveQuestionInfo[];
  comments: WindowComment[];
}

const BUS_COMMENTS = 'live.comments';
const BUS_ANSWERED = 'live.answered';
const BUS_ROOM = 'live.room';
/** Rooms kept in memory at most; the least recently active without listeners go first. */
const MAX_ROOMS = 500;
/** Escalations handed over in one transaction at most (see runEscalations). */
const ESCALATION_CHUNK = 250;
/** A room without listeners or comments for this long is let go (rebuilt from the log when needed). */
const IDLE_MS = 20 * 60_000;
const SETTINGS_TTL_MS = 1000;

export const roomBusKey = (roomPk: string) => `live:${roomPk}`;

interface LoadedRoom {
  room: LiveRoomRow;
  /** `appId \n channel \n platform room id`, the key batches find the room by. */
  platformKey: string;
  window: RoomWindow;
  ready: Promise<void>;
  /** Question keys stored in live_questions (so a batch inserts only the new ones). */
  storedKeys: Set<string>;
  listeners: Set<(event: RoomEvent) => void>;
  unsubscribe: () => void;
  lastActive: number;
  lastCommentAt: number | null;
  roundsInFlight: Set<string>;
  view: RoomView | null;
  /** A read of the comment log after the window's last sequence number, under way (shared bus). */
  catchingUp: Promise<void> | null;
  /** Another wake-up came while `catchingUp` ran: read again when it is done. */
  catchUpAgain: boolean;
}

/** What a room window takes of a logged comment. */
const WINDOW_COLUMNS = {
  seq: liveComments.seq,
  viewerId: liveComments.viewerId,
  customerId: liveComments.customerId,
  nickname: liveComments.nickname,
  text: liveComments.text,
  at: liveComments.at,
  kind: liveComments.kind,
  questionKey: liveComments.questionKey,
  messageId: liveComments.messageId,
};

/** Comments read from the log in one catch-up round, at most. */
const CATCH_UP_BATCH = 2_000;

export interface LiveRuntimeOptions {
  engines: EngineRegistry;
  /** How often (ms, real time) rooms are re-judged without new comments; 0 turns the timer off. */
  tickMs?: number;
  /**
   * How often (ms) queued questions are written to their askers' timelines (timeline-drain.ts);
   * default 1000; 0 turns the timer off (timeline reads and answer rounds still drain first).
   */
  timelineDrainMs?: number;
  /**
   * Whether the drain runs on a worker thread with its own connection (local files only, see
   * timeline-drain-thread.ts); default false: it drains in the request thread.
   */
  timelineDrainWorker?: boolean;
  /**
   * How long (ms) a batch's escalations wait for the next batches' before they are handed to
   * agents together (one transaction, set statements: `escalateComments`); default 500. A room
   * makes about one per 1,000-comment batch, so without the wait each went alone. Nothing is lost
   * by waiting: the comment row is committed, and a restart's sweep hands it over.
   */
  escalateEveryMs?: number;
}

/**
 * The livestream rooms this process holds in memory: each room's sliding windows, fed from the
 * event bus after every committed batch (so several API processes sharing a bus see the same
 * room) and rebuilt from the comment log when a room is first needed or after a restart. After each
 * batch the room is re-judged: its hot questions go to every open stream, due answer rounds run,
 * escalations are handed to agents; the reply outbox posts what the rounds recorded.
 */
export function createLiveRuntime(deps: ServiceDeps, options: LiveRuntimeOptions) {
  const rooms = new Map<string, LoadedRoom>();
  const byPlatform = new Map<string, string>();
  const platformKeyOf = (room: Pick<LiveRoomRow, 'appId' | 'channel' | 'platformRoomId'>) =>
    `${room.appId}\n${room.channel}\n${room.platformRoomId}`;
  const settingsCache = new Map<
    string,
    { at: number; value: EffectiveLiveSettings | null; loading: Promise<EffectiveLiveSettings> | null }
  >();
  const reader = createCommentReader();
  const delivery = createReplyDelivery(deps);
  const escalations: { room: LiveRoomRow; comment: EscalatedComment }[] = [];
  let escalating: Promise<void> | null = null;
  let gathering: ReturnType<typeof setTimeout> | null = null;
  const escalateEveryMs = options.escalateEveryMs ?? 500;
  const roundsRunning = new Set<Promise<unknown>>();
  let closed = false;

  const timeline = createTimelineDrain(deps, options.timelineDrainMs ?? 1000, {
    worker: options.timelineDrainWorker,
  });
  const tickMs = options.tickMs ?? 1000;
  const ticker = tickMs > 0 ? setInterval(tick, tickMs) : null;
  ticker?.unref?.();
  // Replies left pending by a previous run of the process go out once it is up.
  const startup = setTimeout(() => delivery.kick(), 1000);
  // Notices may have been lost (the link to Redis dropped and came back): every loaded room reads
  // its log again, and the outbox looks for replies another process left.
  const stopResync = deps.bus.onResync(() => {
    for (const entry of rooms.values()) {
      entry.ready = entry.ready
        .then(() => rebuild(entry, true))
        .then(() => judge(entry))
        .catch((error) => deps.logger.error('livestream room catch-up failed', { error: String(error) }));
    }
    delivery.kick();
  });
  startup.unref?.();

  /** The app's settings, loaded (and reloaded after SETTINGS_TTL_MS) from the database. */
  function settings(appId: string): Promise<EffectiveLiveSettings> {
    let cached = settingsCache.get(appId);
    if (!cached) {
      cached = { at: 0, value: null, loading: null };
      settingsCache.set(appId, cached);
    }
    const entry = cached;
    if (entry.value && Date.now() - entry.at < SETTINGS_TTL_MS) return Promise.resolve(entry.value);
    entry.loading ??= liveSettingsOf(deps, appId)
      .then((value) => {
        entry.value = value;
        entry.at = Date.now();
        return value;
      })
      .finally(() => {
        entry.loading = null;
      });
    return entry.loading;
  }

  /** The settings as last loaded, at once (a stale copy triggers a reload for next time). */
  function settingsNow(appId: string): EffectiveLiveSettings | null {
    const cached = settingsCache.get(appId);
    if (!cached?.value || Date.now() - cached.at >= SETTINGS_TTL_MS) {
      settings(appId).catch((error) => deps.logger.error('livestream settings', { error: String(error) }));
    }
    return cached?.value ?? null;
  }

  /** The room's windows, rebuilt from the log the first time; later batches arrive on the bus. */
  function load(room: LiveRoomRow): LoadedRoom {
    const loaded = rooms.get(room.id);
    if (loaded) {
      loaded.room = room;
      loaded.lastActive = Date.now();
      return loaded;
    }
    evictIfFull();
    const window = new RoomWindow();
    const buffered: BusEvent[] = [];
    let rebuilt = false;
    const entry: LoadedRoom = {
      room,
      platformKey: platformKeyOf(room),
      window,
      ready: Promise.resolve(),
      storedKeys: new Set(),
      listeners: new Set(),
      unsubscribe: () => undefined,
      lastActive: Date.now(),
      lastCommentAt: null,
      roundsInFlight: new Set(),
      view: null,
      catchingUp: null,
      catchUpAgain: false,
    };
    // Subscribe before reading the log: a batch committed in between is in one or the other, and
    // the windows skip what they already applied (by log sequence number).
    entry.unsubscribe = deps.bus.subscribe(roomBusKey(room.id), (event) => {
      if (!rebuilt) buffered.push(event);
      else onBus(entry, event);
    });
    entry.ready = rebuild(entry).then(() => {
      rebuilt = true;
      for (const event of buffered.splice(0)) onBus(entry, event);
    });
    entry.ready.catch(() => drop(entry));
    rooms.set(room.id, entry);
    byPlatform.set(entry.platformKey, room.id);
    return entry;
  }

  /**
   * Reads the room's last 15 minutes from the log into its windows. Also a catch-up (`catchUp`):
   * the windows count each comment once by its sequence number, so reading again adds only what
   * bus notices missed (Redis was away), and leaves escalations to the first load.
   */
  async function rebuild(entry: LoadedRoom, catchUp = false): Promise<void> {
    const db = deps.database.db;
    const roomPk = entry.room.id;
    const since = deps.clock.now() - WINDOW_SEC * 1000;
    const [questions, [totals], recent, mentioned] = await Promise.all([
      db.select().from(liveQuestions).where(eq(liveQuestions.roomId, roomPk)),
      db
        .select({ n: count(), last: max(liveComments.seq), lastAt: max(liveComments.at) })
        .from(liveComments)
        .where(eq(liveComments.roomId, roomPk)),
      db
        .select(WINDOW_COLUMNS)
        .from(liveComments)
        .where(and(eq(liveComments.roomId, roomPk), gte(liveComments.at, since)))
        .orderBy(liveComments.seq),
      db
        .select({ key: liveMentions.questionKey, viewerId: liveMentions.viewerId, at: max(liveMentions.at) })
        .from(liveMentions)
        .where(and(eq(liveMentions.roomId, roomPk), gte(liveMentions.at, since)))
        .groupBy(liveMentions.questionKey, liveMentions.viewerId),
    ]);
    for (const q of questions) {
      const state = knowStored(entry, q);
      // Answered before the restart: keep answering its askers while the window lasts.
      if (q.lastRoundAt !== null && q.lastRoundAt >= since) state.lastHotAt = q.lastRoundAt;
    }
    // Texts are sealed per viewer; only questions' are shown (as examples), so only those are opened.
    const questionRows = recent.filter((r) => r.kind === 'question');
    const texts = await openAllForCustomers(
      deps,
      questionRows.map((r) => r.text),
    );
    questionRows.forEach((row, i) => {
      row.text = texts[i] ?? '';
    });
    entry.window.apply(recent);
    entry.window.ingested = totals?.n ?? 0;
    entry.window.appliedThrough = Math.max(entry.window.appliedThrough, totals?.last ?? 0);
    entry.lastCommentAt = totals?.lastAt ?? null;
    for (const m of mentioned) if (m.at !== null) entry.window.markAnswered(m.key, [m.viewerId], m.at);
    await settings(entry.room.appId);
    if (catchUp) return;
    for (const comment of await pendingEscalations(deps, entry.room)) {
      escalations.push({ room: entry.room, comment });
    }
    runEscalations();
  }

  /** Registers a question stored in live_questions with the room's windows. */
  function knowStored(entry: LoadedRoom, q: typeof liveQuestions.$inferSelect) {
    entry.storedKeys.add(q.key);
    return entry.window.know(
      {
        key: q.key,
        label: q.label,
        intent: q.intent,
        articleId: q.articleId,
        productId: q.productId,
        productName: null,
        answer: q.answer,
      },
      { rounds: q.rounds, lastRoundAt: q.lastRoundAt },
    );
  }

  function onBus(entry: LoadedRoom, event: BusEvent): void {
    if (closed) return;
    entry.lastActive = Date.now();
    if (event.type === BUS_COMMENTS) {
      const notice = event.data as CommentsNotice;
      for (const info of notice.questions) {
        entry.storedKeys.add(info.key);
        entry.window.know(info);
      }
      if (deps.bus.shared) {
        // Batches committed by several processes reach this one in any order, and a notice can be
        // lost (Redis away, a process killed after COMMIT): the window skips what is at or below
        // its last sequence number, so applying notices as they come would drop the earlier batch
        // of two. The notice is a wake-up; the log, read in sequence order, is the truth.
        void catchUp(entry);
        return;
      }
      entry.window.apply(notice.comments);
      const last = notice.comments.at(-1);
      if (last) entry.lastCommentAt = Math.max(entry.lastCommentAt ?? 0, last.at);
    } else if (event.type === BUS_ANSWERED) {
      const notice = event.data as AnsweredNotice;
      if (notice.replyId === null) {
        entry.window.markAnswered(notice.questionKey, notice.viewerIds, notice.at);
        judge(entry);
        return;
      }
      entry.window.markAnswered(notice.questionKey, notice.viewerIds, notice.at, notice.round);
      emit(entry, {
        type: 'live.answer',
        data: {
          questionKey: notice.questionKey,
          replyId: notice.replyId,
          mentions: notice.viewerIds.length,
          at: iso(notice.at),
        },
      });
    } else if (event.type === BUS_ROOM) {
      const room = (event.data as { room: LiveRoomRow }).room;
      entry.room = room;
    }
    judge(entry);
  }

  /**
   * Applies the room's comments committed after the window's last sequence number, read from the
   * log in order (several API processes on a shared bus). One read at a time per room; wake-ups
   * during a read ask for one more. Question texts are opened as the rebuild opens them.
   */
  function catchUp(entry: LoadedRoom): Promise<void> {
    if (entry.catchingUp) {
      entry.catchUpAgain = true;
      return entry.catchingUp;
    }
    const run = async () => {
      do {
        entry.catchUpAgain = false;
        for (let round = 0; round < 50 && !closed; round++) {
          const read = await readCommentsAfter(entry, entry.window.appliedThrough);
          if (read.length > 0) {
            entry.window.apply(read);
            entry.lastCommentAt = Math.max(entry.lastCommentAt ?? 0, read.at(-1)!.at);
          }
          if (read.length < CATCH_UP_BATCH) break;
        }
      } while (entry.catchUpAgain && !closed);
      judge(entry);
    };
    entry.catchingUp = run()
      .catch((error) => deps.logger.warn('livestream room catch-up failed', { error: String(error) }))
      .finally(() => {
        entry.catchingUp = null;
      });
    return entry.catchingUp;
  }

  async function readCommentsAfter(entry: LoadedRoom, afterSeq: number): Promise<WindowComment[]> {
    const db = deps.database.db;
    const rows = await db
      .select(WINDOW_COLUMNS)
      .from(liveComments)
      .where(and(eq(liveComments.roomId, entry.room.id), gt(liveComments.seq, afterSeq)))
      .orderBy(asc(liveComments.seq))
      .limit(CATCH_UP_BATCH);
    // Keys this process has not heard of (their notice was lost): registered before their comments.
    const unknown = [
      ...new Set(
        rows.flatMap((r) => (r.questionKey && !entry.storedKeys.has(r.questionKey) ? [r.questionKey] : [])),
      ),
    ];
    if (unknown.length > 0) {
      const questions = await db
        .select()
        .from(liveQuestions)
        .where(and(eq(liveQuestions.roomId, entry.room.id), inArray(liveQuestions.key, unknown)));
      for (const q of questions) knowStored(entry, q);
    }
    const questionRows = rows.filter((r) => r.kind === 'question');
    const texts = await openAllForCustomers(
      deps,
      questionRows.map((r) => r.text),
    );
    questionRows.forEach((row, i) => {
      row.text = texts[i] ?? '';
    });
    return rows as WindowComment[];
  }

  /** Re-judges the room now: a fresh view to every stream, and any answer round that is due. */
  function judge(entry: LoadedRoom): void {
    if (closed) return;
    const current = settingsNow(entry.room.appId);
    if (!current) {
      void settings(entry.room.appId).then(() => judge(entry));
      return;
    }
    const now = deps.clock.now();
    entry.view = entry.window.view(now, current.hot);
    if (entry.listeners.size > 0)
      emit(entry, { type: 'live.hot_questions', data: toWire(entry, entry.view) });
    if (!current.answers.enabled) return;
    const replyUrl = entry.room.replyUrl ?? current.replyUrl;
    for (const question of entry.window.dueForAnswer(now, current.answers.intervalSec * 1000)) {
      const key = question.info.key;
      if (entry.roundsInFlight.has(key)) continue;
      entry.roundsInFlight.add(key);
      const round = recordAnswerRound(deps, {
        room: entry.room,
        question: question.info,
        waiting: entry.window.waiting(key, now),
        replyUrl,
        mentionsPerMessage: current.answers.mentionsPerMessage,
        intervalMs: current.answers.intervalSec * 1000,
        onCommit: (notice) => {
          deps.bus.publish({
            id: 0,
            appId: entry.room.appId,
            topic: roomBusKey(entry.room.id),
            type: BUS_ANSWERED,
            data: notice,
          });
          if (replyUrl) delivery.kick();
        },
      })
        .catch((error) => deps.logger.error('room answer round failed', { error: String(error) }))
        .finally(() => {
          entry.roundsInFlight.delete(key);
          roundsRunning.delete(round);
        });
      roundsRunning.add(round);
    }
  }

  function toWire(entry: LoadedRoom, view: RoomView): LiveHotQuestions {
    const pinned = entry.room.pinned?.questionKey;
    return {
      channel: entry.room.channel,
      roomId: entry.room.platformRoomId,
      asOf: iso(view.asOf),
      totals: view.totals,
      questions: view.questions.map((q) => ({
        key: q.info.key,
        label: q.info.label,
        intent: q.info.intent,
        articleId: q.info.articleId,
        product: q.info.productId ? { id: q.info.productId, name: q.info.productName } : null,
        counts: q.counts,
        askers: q.askers,
        examples: q.examples,
        hot: q.hot,
        hotSince: q.hotSince === null ? null : iso(q.hotSince),
        suggestedAnswer: q.info.answer,
        answered: {
          askers: q.answeredAskers,
          waiting: q.waiting,
          rounds: q.rounds,
          lastAt: q.lastRoundAt === null ? null : iso(q.lastRoundAt),
        },
        pinned: pinned === q.info.key,
      })),
    };
  }

  function emit(entry: LoadedRoom, event: RoomEvent): void {
    for (const listener of entry.listeners) {
      try {
        listener(event);
      } catch {
        // One broken stream must not stop the others.
      }
    }
  }

  /** A batch's escalations: handed over after `escalateEveryMs`, with those of the batches in between. */
  function gatherEscalations(): void {
    if (gathering || escalating || closed) return;
    if (escalateEveryMs <= 0) {
      runEscalations();
      return;
    }
    gathering = setTimeout(runEscalations, escalateEveryMs);
    gathering.unref?.();
  }

  function runEscalations(): void {
    if (gathering) {
      clearTimeout(gathering);
      gathering = null;
    }
    if (escalating || escalations.length === 0 || closed) return;
    escalating = (async () => {
      // Bounded: each pass takes what is queued now; later arrivals start another pass. A room's
      // comments go together (one transaction, set statements); if that fails, one at a time, so
      // one comment that cannot be handed over does not hold back the others.
      const byRoom = new Map<string, { room: LiveRoomRow; comments: EscalatedComment[] }>();
      for (const { room, comment } of escalations.splice(0, escalations.length)) {
        const group = byRoom.get(room.id) ?? { room, comments: [] };
        group.comments.push(comment);
        byRoom.set(room.id, group);
      }
      // At most ESCALATION_CHUNK comments per transaction: a restart's sweep may hand over
      // thousands, and one transaction for all would hold the write turn (and the batch route)
      // for seconds and bind more SQL variables than SQLite takes.
      const chunks: { room: LiveRoomRow; comments: EscalatedComment[] }[] = [];
      for (const { room, comments } of byRoom.values()) {
        for (let i = 0; i < comments.length; i += ESCALATION_CHUNK) {
          chunks.push({ room, comments: comments.slice(i, i + ESCALATION_CHUNK) });
        }
      }
      for (const { room, comments } of chunks) {
        let oneByOne = comments;
        try {
          oneByOne = await escalateComments(deps, room, comments);
        } catch (error) {
          // Rolled back as a whole: each is tried alone below, where its own error is reported.
          deps.logger.warn('livestream escalations taken one at a time', {
            error: String(error),
            comments: comments.length,
          });
        }
        for (const comment of oneByOne) {
          try {
            await escalateComment(deps, room, comment);
          } catch (error) {
            deps.logger.error('livestream escalation failed', {
              error: String(error),
              comment: comment.itemId,
            });
          }
        }
      }
    })().finally(() => {
      escalating = null;
      if (escalations.length > 0) runEscalations();
    });
  }

  function drop(entry: LoadedRoom): void {
    entry.unsubscribe();
    rooms.delete(entry.room.id);
    byPlatform.delete(entry.platformKey);
  }

  /** The last comment sequence number the sweep has looked past (shared bus). */
  let sweptThrough: number | null = null;
  let sweeping = false;
  /**
   * With a shared bus, the notice of a batch committed by a process killed before it published
   * never comes; once a tick, one range read on the comment log's primary key finds rooms that
   * have comments this process has not applied, and they catch up.
   */
  async function sweepLog(): Promise<void> {
    if (sweeping || rooms.size === 0) return;
    sweeping = true;
    try {
      const db = deps.database.db;
      if (sweptThrough === null) {
        const [top] = await db.select({ top: max(liveComments.seq) }).from(liveComments);
        sweptThrough = top?.top ?? 0;
        return;
      }
      const fresh = await db
        .select({ roomId: liveComments.roomId, last: max(liveComments.seq) })
        .from(liveComments)
        .where(gt(liveComments.seq, sweptThrough))
        .groupBy(liveComments.roomId);
      for (const { roomId, last } of fresh) {
        if (last === null) continue;
        sweptThrough = Math.max(sweptThrough, last);
        const entry = rooms.get(roomId);
        if (entry && last > entry.window.appliedThrough) void entry.ready.then(() => catchUp(entry));
      }
    } finally {
      sweeping = false;
    }
  }

  function tick(): Promise<unknown> {
    const now = Date.now();
    const judged: Promise<void>[] = [];
    if (deps.bus.shared)
      judged.push(
        sweepLog().catch((error) =>
          deps.logger.warn('livestream log sweep failed', { error: String(error) }),
        ),
      );
    for (const entry of [...rooms.values()]) {
      if (entry.listeners.size === 0 && now - entry.lastActive > IDLE_MS) {
        drop(entry);
        continue;
      }
      // Windows slide and answer intervals pass without new comments.
      judged.push(entry.ready.then(() => judge(entry)));
    }
    return Promise.allSettled(judged);
  }

  function evictIfFull(): void {
    if (rooms.size < MAX_ROOMS) return;
    const idle = [...rooms.entries()]
      .filter(([, e]) => e.listeners.size === 0)
      .sort((a, b) => a[1].lastActive - b[1].lastActive);
    for (const [, entry] of idle.slice(0, Math.max(1, rooms.size - MAX_ROOMS + 1))) drop(entry);
  }

  return {
    engines: options.engines,
    reader,
    delivery,
    /**
     * Whether comment batches hand their queued questions to this thread's drain (timeline-drain.ts,
     * `rememberQueued`): not when the drain runs on a worker thread, whose connection reads the log,
     * nor on a remote database (no `inWrite`): its writes run concurrently, each in its own
     * transaction, and one the server found busy is run again whole, out of the batch's sight.
     */
    timelineFromMemory: options.timelineDrainWorker !== true && deps.database.inWrite !== undefined,

    /**
     * The room a batch goes to, with its windows loaded (rebuilt from the log if needed) before the
     * batch commits. A loaded room is kept current by the bus, so a batch reads nothing for it.
     */
    async openRoom(
      app: AppRow,
      channel: string,
      platformRoomId: string,
    ): Promise<{ room: LiveRoomRow; storedKeys: Set<string>; window: RoomWindow }> {
      const pk = byPlatform.get(`${app.id}\n${channel}\n${platformRoomId}`);
      let entry = pk ? rooms.get(pk) : undefined;
      if (!entry) entry = load(await ensureRoom(deps, app, channel, platformRoomId));
      await entry.ready;
      entry.lastActive = Date.now();
      return { room: entry.room, storedKeys: entry.storedKeys, window: entry.window };
    },

    /** After a batch committed: its comments go to every process's windows through the bus. */
    committed(room: LiveRoomRow, notice: CommentsNotice, escalated: EscalatedComment[]): void {
      deps.bus.publish({
        id: 0,
        appId: room.appId,
        topic: roomBusKey(room.id),
        type: BUS_COMMENTS,
        data: notice,
      });
      for (const comment of escalated) escalations.push({ room, comment });
      if (escalated.length > 0) gatherEscalations();
    },

    /** The room changed (shelf, pin, settings): streams and answers use the new state. */
    roomChanged(room: LiveRoomRow): void {
      deps.bus.publish({
        id: 0,
        appId: room.appId,
        topic: roomBusKey(room.id),
        type: BUS_ROOM,
        data: { room },
      });
      delivery.kick();
    },

    /** The app's livestream settings changed in this process: use them from now on. */
    settingsChanged(appId: string): void {
      settingsCache.delete(appId);
    },

    /** The room's hot questions now. */
    async snapshot(room: LiveRoomRow): Promise<LiveHotQuestions> {
      const entry = load(room);
      await entry.ready;
      const current = await settings(room.appId);
      entry.view = entry.window.view(deps.clock.now(), current.hot);
      return toWire(entry, entry.view);
    },

    /** When the room last heard a comment (for the room's wire shape). */
    async lastCommentAt(room: LiveRoomRow): Promise<number | null> {
      const entry = load(room);
      await entry.ready;
      return entry.lastCommentAt;
    },

    /** Listens to the room's events; the first is the current view. Returns the unsubscribe function. */
    async listen(room: LiveRoomRow, listener: (event: RoomEvent) => void): Promise<() => void> {
      const entry = load(room);
      await entry.ready;
      entry.listeners.add(listener);
      listener({ type: 'live.hot_questions', data: await this.snapshot(room) });
      return () => {
        entry.listeners.delete(listener);
        entry.lastActive = Date.now();
      };
    },

    /**
     * Re-judges every loaded room now, as the timer does: windows slide and answer intervals
     * pass without new comments. (Tests with a manual clock call it after moving the clock.)
     */
    async refreshRooms(): Promise<void> {
      await tick();
    },

    /**
     * Waits for the escalations and answer rounds under way to be written, and for every question
     * acknowledged so far to be on its asker's timeline (tests, shutdown).
     */
    async settled(): Promise<void> {
      // The timeline first: a round under way drains it in its own transaction anyway.
      await timeline.settle();
      for (let i = 0; i < 10 && (escalating || escalations.length > 0 || roundsRunning.size > 0); i++) {
        // Escalations still gathering go now.
        runEscalations();
        await Promise.all([escalating, ...roundsRunning]);
      }
    },

    /** Where this process's timeline drains ran (worker thread or in-thread); tests, diagnostics. */
    timelineDrains: () => timeline.stats(),

    /** Re-reads the room row by id (after a change made through another path). */
    async refresh(roomPk: string): Promise<void> {
      const room = await roomById(deps.database.db, roomPk);
      const entry = rooms.get(roomPk);
      if (room && entry) entry.room = room;
    },

    close(): void {
      closed = true;
      timeline.close();
      stopResync();
      if (ticker) clearInterval(ticker);
      if (gathering) clearTimeout(gathering);
      clearTimeout(startup);
      delivery.close();
      for (const entry of rooms.values()) entry.unsubscribe();
      rooms.clear();
    },
  };
}

export type LiveRuntime = ReturnType<typeof createLiveRuntime>;
