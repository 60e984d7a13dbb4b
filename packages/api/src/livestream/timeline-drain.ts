import { sql } from 'drizzle-orm';
import { bulkInsertWith, rawExecutor, selectIn } from '../db/bulk-insert';
import type { Db } from '../db/database';
import { registerDeferredWrites } from '../db/deferred-writes';
import { conversations, messages } from '../db/schema';
import type { ServiceDeps } from '../platform/deps';
import { sha256 } from '../platform/secrets';
import { createDrainThread, type DrainThreadOptions } from './timeline-drain-thread';

/**
 * The timeline copies of question comments, written after the ack.
 *
 * A comment batch's transaction stores every comment in the room log (`live_comments`, with the
 * question's message id, its customer and sealed text) and queues each new question's `seq` in
 * `live_timeline_queue`; the batch is acknowledged after that COMMIT, so an acknowledged question
 * is durable. The drain then writes the room conversations and `messages` rows from the log, for
 * every queued question of every room at once, and deletes the queue rows, in one transaction:
 * a message is written exactly once (the queue row goes with it; the message id, fixed at ingest,
 * is the primary key besides), whichever process drains and however often it crashes between.
 *
 * Why: a question's message is ~4× the cost of its comment row (five indexes on `messages`, two of
 * them taking random inserts per customer and per conversation). Written once a second for all
 * batches, the same index pages are dirtied and committed once instead of once per batch.
 *
 * When it runs: every `intervalMs` (1 s) in each API process when the queue is not empty (a
 * process killed before its drain leaves the rows to the next drain of any process); before an
 * answer round, inside the round's transaction (the bot's answer replies to the question and must
 * follow it on the timeline); and before a read of a customer's timeline (`settleDeferredWrites`).
 * So a customer's timeline always shows their acknowledged questions; other readers of `messages`
 * (search, insights, export) see them at most ~1 s (one interval plus the drain) after the ack.
 */

/**
 * The conversation a viewer's questions in one room live in: one per viewer and room, found
 * without a look-up. The room's (time-ordered) id leads, so a room's conversations sit together
 * in the index rather than on random pages.
 */
export function roomConversationId(roomPk: string, viewerId: string): string {
  return `cnv_live_${roomPk.slice(4, 13)}${sha256(`${roomPk}\n${viewerId}`).slice(0, 16)}`;
}

/** Questions per drain transaction; a larger backlog (after an outage) drains in several. */
export const DRAIN_MAX = 10_000;

const CONVERSATION_COLUMNS = [
  'id',
  'appId',
  'customerId',
  'status',
  'channel',
  'lastChannel',
  'context',
  'createdAt',
  'updatedAt',
  'resolvedAt',
] as const;

const MESSAGE_COLUMNS = [
  'id',
  'appId',
  'customerId',
  'conversationId',
  'channel',
  'authorType',
  'authorName',
  'text',
  'intent',
  'meta',
  'createdAt',
] as const;

/** Room conversations (id + customer) this database is known to hold: bounded, per database. */
const KNOWN_THREADS_MAX = 200_000;
const knownThreads = new WeakMap<object, Set<string>>();

// The comment's customer as it is now: a merge since the comment left its customer an alias
// (aliases point straight at the survivor), and the question belongs on the survivor's timeline.
const PENDING_SQL = `select c.seq, c.room_id, c.viewer_id, coalesce(cu.merged_into, c.customer_id),
  c.nickname, c.text, c.intent, c.message_id, c.item_id, c.at, r.app_id, r.channel, r.platform_room_id
  from live_timeline_queue q
  join live_comments c on c.seq = q.seq
  join live_rooms r on r.id = c.room_id
  left join customers cu on cu.id = c.customer_id
  where q.seq <= ? and c.message_id is not null and c.kind = 'question'
  order by q.seq`;

/** A queued question as the drain writes it: its comment's columns, its room's and its customer now. */
export interface QueuedQuestion {
  seq: number;
  roomId: string;
  viewerId: string;
  customerId: string;
  nickname: string | null;
  /** Sealed with the viewer's data key (the comment's ciphertext). */
  text: string;
  intent: string | null;
  messageId: string;
  itemId: string;
  at: number;
  appId: string;
  channel: string;
  platformRoomId: string;
}

/**
 * The questions this process queued, as its batches wrote them: the drain takes them from here
 * instead of reading the batch's rows back (that read, a join over four tables, was ~3.5 µs of
 * every comment on the request thread, mostly re-reading comment pages another connection's
 * commit had pushed out of the cache). Per database handle, so another connection (the drain
 * worker, another process, this process after a restart) has none and reads the log as before.
 *
 * Exact, not a cache that may be stale. The drain still reads which rows the queue holds (a few
 * pages of integers): a row another process drained or queued is taken or left as before, and one
 * without its entry here sends the whole drain to the log. An entry is known good once its batch
 * committed (`committed`, set in the batch's onCommit, which runs before any later transaction):
 * until then — a drain later in the same group commit, or a batch that failed and whose seqs a
 * later row took — the drain checks the comment row's message id against it (rows written in
 * this very transaction, so their pages are at hand). What a queue row cannot say is whether its
 * comment's customer was merged since, or the comment erased: the `identity_changes` counter can —
 * a merge moves the viewer's identity, an erase deletes it (an erase takes a viewer's comments
 * only with that viewer's identity, or after it moved away, which raised the counter then), and
 * the triggers raise it in that same transaction. Entries carry the counter their batch read in
 * its transaction; the drain reads it in its own and, if it moved, forgets them all and reads the
 * log (`coalesce(merged_into, …)`, erased rows gone) as before. (An erase is the only delete of
 * `live_comments` rows; a new one must raise the counter too, or check the rows as above.)
 *
 * Local databases only: a remote one runs writes concurrently and retries a whole write on its own
 * (live-runtime.ts `timelineFromMemory`).
 */
interface QueueMemory {
  /** The counter every entry was read at (entries of another counter are dropped on arrival). */
  changes: number | null;
  bySeq: Map<number, RememberedQuestion>;
  /** Drains that wrote from memory, and from the log (tests, diagnostics). */
  fromMemory: number;
  fromLog: number;
}

/** Entries kept at most: past it (no drain for a while, or drains on a worker) the log is read again. */
const MEMORY_MAX = 4 * DRAIN_MAX;
const memories = new WeakMap<object, QueueMemory>();

function memoryOf(database: object): QueueMemory {
  let memory = memories.get(database);
  if (!memory) {
    memory = { changes: null, bySeq: new Map(), fromMemory: 0, fromLog: 0 };
    memories.set(database, memory);
  }
  return memory;
}

/** An entry: the question, and whether its batch committed (else the drain checks its row). */
export interface RememberedQuestion extends QueuedQuestion {
  committed: boolean;
}

/**
 * Called by a comment batch inside its transaction, right after it queued these questions (with
 * `committed` false): `identityChanges` is the counter that transaction read (null: none, then
 * nothing is kept). They are marked committed with the batch; a batch whose write fails should
 * `forgetQueued` them (not needed for exactness: see QueueMemory).
 */
export function rememberQueued(
  database: object,
  onCommit: (callback: () => void) => void,
  identityChanges: number | null,
  questions: readonly RememberedQuestion[],
): void {
  const memory = memoryOf(database);
  if (identityChanges === null || identityChanges !== memory.changes) {
    memory.bySeq.clear();
    memory.changes = identityChanges;
    if (identityChanges === null) return;
  }
  if (memory.bySeq.size + questions.length > MEMORY_MAX) memory.bySeq.clear();
  for (const question of questions) memory.bySeq.set(question.seq, question);
  onCommit(() => {
    for (const question of questions) question.committed = true;
  });
}

/** Takes back what `rememberQueued` added for a batch that did not commit (entries a later batch replaced stay). */
export function forgetQueued(database: object, questions: readonly RememberedQuestion[]): void {
  const bySeq = memoryOf(database).bySeq;
  for (const question of questions) if (bySeq.get(question.seq) === question) bySeq.delete(question.seq);
}

/** Where this database handle's drains read their questions so far (tests, diagnostics). */
export function timelineDrainSources(database: object): { fromMemory: number; fromLog: number } {
  const memory = memoryOf(database);
  return { fromMemory: memory.fromMemory, fromLog: memory.fromLog };
}

/** The queue's first rows: which questions a drain takes. */
const QUEUE_SQL = 'select seq from live_timeline_queue order by seq limit ?';

/**
 * Writes the timeline messages of up to `DRAIN_MAX` queued questions in the caller's transaction
 * and takes them off the queue; returns how many queue rows it took (questions plus queue rows
 * whose comment an erase removed). Safe in any write transaction, in any process.
 */
export async function drainTimelineIn(
  database: object,
  db: Db,
  onCommit: (callback: () => void) => void,
): Promise<number> {
  const execute = rawExecutor(db);
  const memory = memoryOf(database);
  let pending: QueuedQuestion[] | null = null;
  let through = 0;
  let taken = 0;
  if (memory.bySeq.size > 0) {
    const { rows: counter } = await execute('select changes from identity_changes where id = 1', []);
    const changes = counter[0] ? Number(counter[0][0]) : null;
    if (changes === null || changes !== memory.changes) {
      // A merge, re-link or erase since: the log says which customer each question is now.
      memory.bySeq.clear();
      memory.changes = changes;
    } else {
      const { rows } = await execute(QUEUE_SQL, [DRAIN_MAX]);
      taken = rows.length;
      if (taken === 0) return 0;
      through = Number(rows[taken - 1]![0]);
      pending = [];
      let unsure: RememberedQuestion[] | null = null;
      for (const row of rows) {
        const question = memory.bySeq.get(Number(row[0]));
        if (question === undefined) {
          pending = null;
          break;
        }
        if (!question.committed) {
          unsure ??= [];
          unsure.push(question);
        }
        pending.push(question);
      }
      if (pending && unsure) {
        // Not committed yet: the rows are this transaction's, or a failed batch's seqs reused.
        const stored = new Map(
          (
            await selectIn(
              db,
              { select: 'seq, message_id', from: 'live_comments', column: 'seq' },
              unsure.map((question) => question.seq),
            )
          ).map((row) => [Number(row[0]), row[1] as string | null]),
        );
        if (unsure.some((question) => stored.get(question.seq) !== question.messageId)) pending = null;
      }
    }
  }
  if (pending) {
    memory.fromMemory++;
  } else {
    if (taken === 0) {
      const { rows: top } = await execute(
        'select max(seq), count(*) from (select seq from live_timeline_queue order by seq limit ?)',
        [DRAIN_MAX],
      );
      through = Number(top[0]?.[0] ?? 0);
      taken = Number(top[0]?.[1] ?? 0);
      if (taken === 0) return 0;
    }
    const { rows } = await execute(PENDING_SQL, [through]);
    pending = rows.map((row) => ({
      seq: Number(row[0]),
      roomId: row[1] as string,
      viewerId: row[2] as string,
      customerId: row[3] as string,
      nickname: (row[4] as string | null) ?? null,
      text: row[5] as string,
      intent: (row[6] as string | null) ?? null,
      messageId: row[7] as string,
      itemId: row[8] as string,
      at: Number(row[9]),
      appId: row[10] as string,
      channel: row[11] as string,
      platformRoomId: row[12] as string,
    }));
    memory.fromLog++;
  }

  // Questions join the asker's timeline in their conversation for the room (opened closed: the
  // room answers; the next message on any channel opens a normal conversation). One the database
  // is known to hold for the same customer is not inserted again.
  const threads = knownThreadsOf(database);
  const conversationOf: string[] = [];
  const idOf = new Map<string, string>();
  const newThreads = new Map<string, QueuedQuestion>();
  for (const question of pending) {
    const key = `${question.roomId}\n${question.viewerId}`;
    let id = idOf.get(key);
    if (id === undefined) {
      id = roomConversationId(question.roomId, question.viewerId);
      idOf.set(key, id);
      if (!threads.has(`${id}\n${question.customerId}`)) newThreads.set(id, question);
    }
    conversationOf.push(id);
  }
  const threadRows = [...newThreads];
  await bulkInsertWith(
    db,
    { table: conversations, columns: CONVERSATION_COLUMNS, skipConflicts: true },
    threadRows.length,
    (r, args) => {
      const [id, question] = threadRows[r]!;
      args.push(
        id,
        question.appId,
        question.customerId,
        'resolved',
        question.channel,
        question.channel,
        JSON.stringify({ liveRoom: { channel: question.channel, roomId: question.platformRoomId } }),
        question.at,
        question.at,
        question.at,
      );
    },
  );
  await bulkInsertWith(
    db,
    // The message id is the primary key: a question drained twice (it cannot be, see above) would
    // still be one message.
    { table: messages, columns: MESSAGE_COLUMNS, skipConflicts: true },
    pending.length,
    (r, args) => {
      const question = pending[r]!;
      args.push(
        question.messageId,
        question.appId,
        question.customerId,
        conversationOf[r],
        question.channel,
        'customer',
        question.nickname,
        question.text,
        question.intent,
        liveMeta(question),
        question.at,
      );
    },
  );
  await execute('delete from live_timeline_queue where seq <= ?', [through]);
  onCommit(() => {
    if (threads.size + newThreads.size > KNOWN_THREADS_MAX) threads.clear();
    for (const [id, question] of newThreads) threads.add(`${id}\n${question.customerId}`);
    // Everything queued at or below `through` is drained (or erased): its entries are done with.
    for (const seq of memory.bySeq.keys()) if (seq <= through) memory.bySeq.delete(seq);
  });
  return taken;
}

/** `{"live":{"channel":…,"roomId":…,"` per room: a drain's thousands of metas differ only by comment id. */
const metaPrefixes = new Map<string, string>();

/**
 * The message's `meta`, the same text as `JSON.stringify({ live: { channel, roomId, commentId } })`
 * (a test holds them equal) without building and serialising two objects per question.
 */
export function liveMeta(question: Pick<QueuedQuestion, 'channel' | 'platformRoomId' | 'itemId'>): string {
  const key = `${question.channel}\n${question.platformRoomId}`;
  let prefix = metaPrefixes.get(key);
  if (prefix === undefined) {
    if (metaPrefixes.size >= 1000) metaPrefixes.clear();
    prefix = `{"live":{"channel":${JSON.stringify(question.channel)},"roomId":${JSON.stringify(question.platformRoomId)},"commentId":`;
    metaPrefixes.set(key, prefix);
  }
  return `${prefix}${JSON.stringify(question.itemId)}}}`;
}

function knownThreadsOf(database: object): Set<string> {
  let set = knownThreads.get(database);
  if (!set) {
    set = new Set();
    knownThreads.set(database, set);
  }
  return set;
}

/**
 * The process's drain: a timer every `intervalMs` (0: none, tests drive it with `settle`), and
 * `settle()` — every question acknowledged before the call, by any process, is on its timeline
 * when it resolves. Registered with `settleDeferredWrites` for timeline reads.
 *
 * With `worker: true` and a local file, the drain runs on a worker thread with its own connection
 * (timeline-drain-thread.ts), started on the first drain; by default, and for a remote database or
 * `:memory:`, it drains in-thread, and so does any drain the worker failed (it died, or its write failed): the caller still gets its
 * questions drained, and the errors are this thread's own (a busy database's retryable 503).
 */
export function createTimelineDrain(
  deps: Pick<ServiceDeps, 'database' | 'logger'>,
  intervalMs: number,
  options: { worker?: boolean } & DrainThreadOptions = {},
) {
  let running: Promise<void> | null = null;
  let closed = false;
  /** Drain calls that emptied the queue on the worker, and in this thread (tests, diagnostics). */
  const stats = { onWorker: 0, inThread: 0 };
  // Opt-in: on a 2-core machine shared with other work its gain was inside the noise (and while
  // it holds the lent lock turn, our writes wait on a thread the OS may not have scheduled).
  const thread = options.worker === true ? createDrainThread(deps, options) : null;

  async function queued(): Promise<boolean> {
    const rows = await deps.database.db.all(sql`select 1 from live_timeline_queue limit 1`);
    return rows.length > 0;
  }

  /** Drains in this thread, one transaction per pass. */
  async function drainHere(passes: number): Promise<void> {
    for (let pass = 0; pass < passes && !closed; pass++) {
      const taken = await deps.database.write((db, onCommit) => drainTimelineIn(deps.database, db, onCommit));
      if (taken < DRAIN_MAX) break;
    }
  }

  /** Drains until the queue is empty (bounded: a backlog of 100 drains is left to the next call). */
  function drainAll(): Promise<void> {
    running ??= (async () => {
      try {
        if (thread && !thread.broken && !closed && !deps.database.inWrite?.()) {
          try {
            await thread.drain(100);
            stats.onWorker++;
            return;
          } catch (error) {
            deps.logger.warn('livestream timeline drain: worker failed, draining in-thread', {
              error: String(error),
            });
          }
        }
        await drainHere(100);
        stats.inThread++;
      } finally {
        running = null;
      }
    })();
    return running;
  }

  async function settle(): Promise<void> {
    // A drain already running may have read the queue before our caller's questions committed.
    if (running) await running.catch(() => {});
    if (await queued()) await drainAll();
  }

  const timer =
    intervalMs > 0
      ? setInterval(() => {
          if (running || closed) return;
          settle().catch((error) =>
            deps.logger.warn('livestream timeline drain failed', { error: String(error) }),
          );
        }, intervalMs)
      : null;
  timer?.unref?.();
  const unregister = registerDeferredWrites(deps.database, settle);

  return {
    settle,
    /** Where drains ran so far, and whether the next one goes to a worker thread. */
    stats(): { onWorker: number; inThread: number; worker: boolean } {
      return { ...stats, worker: thread !== null && !thread.broken };
    },
    close(): void {
      closed = true;
      if (timer) clearInterval(timer);
      unregister();
      thread?.close();
    },
  };
}
