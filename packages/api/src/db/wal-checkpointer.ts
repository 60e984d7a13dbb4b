import type { Worker } from 'node:worker_threads';
import type { Logger } from '../platform/deps';
import { startWorker, workerScript } from '../platform/worker-script';
import { type Database, WAL_AUTOCHECKPOINT_PAGES, WAL_HARD_CAP_PAGES } from './database';
import { localPathOf } from './local-client';
import type { CheckpointReply, CheckpointRequest, CheckpointWorkerData } from './wal-checkpoint-worker';
import { walIndexReader } from './wal-index';

/**
 * The write-ahead log's checkpoints off the request thread (issue 16). SQLite's autocheckpoint runs
 * inside the COMMIT that crosses `wal_autocheckpoint` pages: a copy of the log into the database
 * file and two fsyncs, with the event loop blocked — measured 10–17 times per 200,000-comment room,
 * 170–440 ms each (docs/notes/speed-16h.md). Here a worker thread with its own connection runs
 * them (wal-checkpoint-worker.ts: a PASSIVE checkpoint beside the writers, then a short RESTART
 * one with this process's write turn lent so the log can start again from its first frame).
 *
 * - **Only once it runs:** the request thread's connection keeps its autocheckpoint until the
 *   worker says it is connected; then its limit goes up to `WAL_HARD_CAP_PAGES`, not off, so a
 *   worker that lags (or readers that keep the log from restarting) still cannot let it grow
 *   without bound: past the cap a COMMIT checkpoints in-thread, as before.
 * - **A worker that ends** (crash, fault): the limit goes back to `WAL_AUTOCHECKPOINT_PAGES`, a
 *   write turn it held is given back, and a new worker starts after a pause; after
 *   `MAX_FAILURES` ends in a row the process checkpoints in-thread for good (logged).
 * - **Another process writing to the file** (`threadline serve --workers`, a cli command, a second
 *   deployment): each process lends only its own write turn, so the other's writers and checkpoints
 *   make the RESTART fail busy and the log does not start again from its first frame; with the
 *   request thread's limit at the hard cap the log then grows past what SQLite's own
 *   autocheckpoint allows (review-p; measured, limits scaled 300 / 900 pages: beside a process
 *   writing a little, often, 3,957 pages against 1,142 with the checkpointer off; handing back as
 *   below, 936). So as soon as frames of another process show in the log between two of this
 *   process's write groups (`share` below), or at the first lent RESTART that ends busy,
 *   the request thread's limit goes back to `fallbackPages` (as when the worker is gone; logged)
 *   and the worker cycles at half that limit, to find out when restarts succeed again; once this
 *   process writes alone again, `RESUME_AFTER_CLEAN` clean RESTARTs in a row bring the hard cap
 *   and the normal pace back. Beside another writer, a process that writes
 *   under a quarter of the log's frames runs no cycle at all and leaves the checkpoints to the
 *   other (its limit at the hard cap): its RESTARTs and checkpoints only held the checkpoint lock
 *   against the other's. One that writes over three quarters cycles with the lent RESTART alone
 *   (no PASSIVE beside its own writers, which made its COMMITs' checkpoints fail busy); see
 *   docs/notes/ckpt-34.md for the figures.
 *   Why the first busy and not a few: a cycle starts only once `thresholdPages` frames wait, so
 *   each failed restart lets the log grow by about that much; two would reach the hard cap. Why
 *   the worker cycles at half the limit meanwhile: at the limit itself the request thread's COMMIT
 *   always checkpoints first (it checks at every commit, the worker every `pollMs`), the worker
 *   would never cycle and never see that the other process stopped. Yielding costs a single
 *   process little: its RESTARTs rarely meet a reader for their 20 ms, and three clean ones end it.
 *   Yielding never bounds the log worse than with the checkpointer off: the same limit in the
 *   same COMMIT, plus the worker's extra checkpoints (test/wal-checkpointer-processes.test.ts).
 *   Two processes that both flood keep the log from restarting with it off too (it grew with
 *   every write there: 20,608–26,555 pages); the worker's restarts that do succeed kept it at
 *   2,263–2,579 (docs/notes/speed-16k.md).
 * - **Durability** is SQLite's: a checkpoint only copies committed frames into the file and the
 *   log is reset only once they are all there and synced, so a crash at any point loses nothing
 *   committed (test/wal-checkpointer.test.ts kills a process mid-flood).
 * - **Where it is not used** (`startWalCheckpointer` returns null): remote and in-memory databases,
 *   or no worker script next to this module.
 */

export interface WalCheckpointerOptions {
  /** Frames waiting in the log that start a cycle (default `WAL_AUTOCHECKPOINT_PAGES`). */
  thresholdPages?: number;
  /**
   * Frames in the log from which a cycle also restarts it, with the write turn lent (default
   * `thresholdPages`: every cycle). Higher: fewer lent turns, a longer -wal file.
   */
  restartPages?: number;
  /** The request thread's autocheckpoint while the worker runs (default `WAL_HARD_CAP_PAGES`; 0: off). */
  hardCapPages?: number;
  /** How often the worker reads the wal-index header (default 25 ms). */
  pollMs?: number;
  /** Frames left waiting this long with no new commit are checkpointed too (default 2 s). */
  idleMs?: number;
  /** The request thread's autocheckpoint while no worker runs (default `WAL_AUTOCHECKPOINT_PAGES`). */
  fallbackPages?: number;
  /** Pause before a worker that ended is started again (default 1 s). */
  restartAfterMs?: number;
  /** Logs at most one "handed back" line per this long (default 10 min; the count is in stats). */
  yieldLogEveryMs?: number;
  /** Fault injection for the tests only: the first `crashWorkers` workers exit holding the turn. */
  crashWorkers?: number;
}

export interface WalCheckpointerStats {
  /** Workers started, and ends in a row (reset by a completed cycle). */
  starts: number;
  failures: number;
  /** True while a worker is connected and the request thread's limit is the hard cap. */
  running: boolean;
  cycles: number;
  /** Sums and maxima over the cycles, ms: PASSIVE beside the writers; RESTART with the turn lent. */
  passiveMs: number;
  lentMs: number;
  maxLentMs: number;
  /** Cycles that needed the write turn (no small pass between commits copied the last frame). */
  lentCycles: number;
  /** Cycles whose RESTART met a reader or another checkpoint. */
  busyCycles: number;
  /**
   * True while the checkpoints are handed back to the request thread (its limit is the fallback)
   * because another process's frames showed in the log, or a RESTART met another connection.
   */
  yielding: boolean;
  /** Times they were handed back, and taken up again after clean RESTARTs. */
  yields: number;
  resumes: number;
}

export interface WalCheckpointer {
  stats(): WalCheckpointerStats;
  /** Called each time a cycle starts (tests). */
  onCheckpointing?: () => void;
  /** Settles once the first worker is connected (true) or failed to be (false). */
  readonly ready: Promise<boolean>;
  /** Stops the worker and waits for it to close its connection (bounded); the limit goes back. */
  stop(): Promise<void>;
}

/** Worker ends in a row after which the process checkpoints in-thread for good. */
const MAX_FAILURES = 3;
/** Clean lent RESTARTs in a row after which a yielding checkpointer takes the checkpoints up again. */
const RESUME_AFTER_CLEAN = 3;
/** A lent turn not given back in this long is taken back (a stuck worker must not hold writes). */
const TURN_DEADLINE_MS = 10_000;
/**
 * While yielding: below this share of the frames appended to the log, this process writes too
 * little for its worker's RESTARTs to be worth their cost to the others (see `share`).
 */
const LIGHT_SHARE = 0.25;
/** While yielding, the share is judged over windows this long (ms) with at least `SHARE_MIN_FRAMES`. */
const SHARE_WINDOW_MS = 100;
const SHARE_MIN_FRAMES = 8;
/** Frames a worker never reaches: its cycles stop (but for the idle one) while this process is light. */
const NEVER_PAGES = 2 ** 31 - 1;
/**
 * While yielding, this process's part in the frames appended to the log over the last window: none
 * judged yet, all of them, under `LIGHT_SHARE`, over 1 − `LIGHT_SHARE`, or in between.
 */
type ShareRole = 'judging' | 'alone' | 'light' | 'heavy' | 'even';
/** Windows in a row with no frame of another connection before a yielding process counts as alone. */
const ALONE_WINDOWS = 3;

export function startWalCheckpointer(
  database: Database,
  logger: Pick<Logger, 'warn'> & Partial<Pick<Logger, 'info'>>,
  options: WalCheckpointerOptions = {},
): WalCheckpointer | null {
  const url = database.localFileUrl;
  const lend = database.lendWriteTurn?.bind(database);
  // A plain file path, or null: in-memory databases (no `localFileUrl`) and URLs with options have
  // no -shm file of their own to watch.
  const path = url ? localPathOf(url) : null;
  const script = workerScript(import.meta.url, 'wal-checkpoint-worker');
  if (!url || !path || !lend || !script) return null;
  const hardCap = options.hardCapPages ?? WAL_HARD_CAP_PAGES;
  const fallback = options.fallbackPages ?? WAL_AUTOCHECKPOINT_PAGES;

  const stats: WalCheckpointerStats = {
    starts: 0,
    failures: 0,
    running: false,
    cycles: 0,
    passiveMs: 0,
    lentMs: 0,
    maxLentMs: 0,
    lentCycles: 0,
    busyCycles: 0,
    yielding: false,
    yields: 0,
    resumes: 0,
  };
  const thresholdPages = options.thresholdPages ?? WAL_AUTOCHECKPOINT_PAGES;
  const restartPages = options.restartPages ?? thresholdPages;
  /** While yielding: below the request thread's limit, so the worker still cycles (see above). */
  const yieldPages = Math.max(1, Math.floor(Math.min(fallback, thresholdPages) / 2));
  let cleanInARow = 0;
  let yieldLoggedAt = Number.NEGATIVE_INFINITY;
  let yieldsLogged = 0;
  let resumeLoggedAt = Number.NEGATIVE_INFINITY;
  let worker: Worker | null = null;
  let stopped = false;
  /** The one stop, so every caller waits for the same end. */
  let stopping: Promise<void> | undefined;
  /** Gives back the write turn the current worker holds (or is about to). */
  let giveBack: (() => void) | null = null;
  let firstReady: (ok: boolean) => void = () => {};
  const ready = new Promise<boolean>((resolve) => {
    firstReady = resolve;
  });
  const setLimit = (pages: number) =>
    database.client.execute(`PRAGMA wal_autocheckpoint = ${pages}`).catch(() => undefined);

  const checkpointer: WalCheckpointer = {
    stats: () => ({ ...stats }),
    ready,
    stop: () => {
      stopping ??= (async () => {
        stopped = true;
        share.stop();
        // A worker that had not connected yet never will: `ready` says so rather than staying pending.
        firstReady(false);
        const thread = worker;
        if (!thread) return;
        // The exit handler below gives back a lent turn and puts the limit back.
        const ended = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
        thread.postMessage({ op: 'close' } satisfies CheckpointRequest);
        const timer = setTimeout(() => void thread.terminate(), 2_000);
        await ended;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };

  const lendTurn = (thread: Worker) => {
    void lend(
      () =>
        new Promise<void>((resolve) => {
          if (worker !== thread || stopped) {
            resolve();
            thread.postMessage({ op: 'skip' } satisfies CheckpointRequest);
            return;
          }
          const timer = setTimeout(() => {
            logger.warn('wal checkpointer held the write turn too long; taken back', {
              afterMs: TURN_DEADLINE_MS,
            });
            release();
          }, TURN_DEADLINE_MS);
          const release = () => {
            clearTimeout(timer);
            if (giveBack === release) giveBack = null;
            resolve();
          };
          giveBack = release;
          thread.postMessage({ op: 'run' } satisfies CheckpointRequest);
        }),
      // A checkpoint appends no frame: what the log gains meanwhile is another process's.
      { appends: false },
    ).catch(() => {
      // Refused (cannot happen outside a write); the worker skips its RESTART.
      thread.postMessage({ op: 'skip' } satisfies CheckpointRequest);
    });
  };

  /**
   * This process's share of the frames appended to the log, from the wal-index header read when a
   * write group holds the lock (after BEGIN IMMEDIATE) and after its COMMIT; frames appended while
   * the turn was lent to a worker thread of this process (the fold, the drain) count as its own.
   * Not yielding, any frame of another process hands the checkpoints back (`begun`). Yielding,
   * windows of `SHARE_WINDOW_MS` give this process a role:
   * - light (under `LIGHT_SHARE`), beside one that floods (a cli, a second deployment): no cycle,
   *   COMMITs checkpoint only at the hard cap. Its RESTARTs waited for the flood's write lock
   *   holding the file's checkpoint lock, and its COMMITs' checkpoints held it too, so the flood's
   *   own checkpoints failed busy meanwhile (stop 32: the log at 1.5–4.7× off, quiet machine).
   * - heavy (over 1 − `LIGHT_SHARE`), and judging (no window yet): cycles are the lent RESTART
   *   alone, at half the normal limit — it copies and restarts the log with this process's writers
   *   waiting, so no frame is appended meanwhile; a PASSIVE beside them raced its COMMITs' own
   *   checkpoints (the log then grew by a cycle's worth of the flood, more on a quiet machine).
   * - even (two that flood) and alone (`ALONE_WINDOWS` with no other frame): full cycles at half
   *   the limit. Only alone may clean RESTARTs take the checkpoints up again: beside another
   *   writer the next group would hand them back at once (its frames), after the log had grown
   *   at the hard cap meanwhile.
   */
  const share = (() => {
    const walIndex = walIndexReader(path!);
    let role: ShareRole = 'judging';
    let before = -1;
    let lastAfter = -1;
    let own = 0;
    let others = 0;
    let windowStart = 0;
    let aloneWindows = 0;
    const frames = (): number => walIndex()?.frames ?? -1;
    // Without the hooks (another Database) every process cycles while yielding, as before.
    const pages = () => (role === 'light' && database.watchWrites !== undefined ? NEVER_PAGES : yieldPages);
    /** Beside writers of another process (judging, heavy), a cycle is the lent RESTART alone. */
    const passive = () => role === 'even' || role === 'alone' || database.watchWrites === undefined;
    const pace = () => {
      const at = pages();
      worker?.postMessage({
        op: 'pace',
        thresholdPages: at,
        restartPages: at,
        passive: passive(),
      } satisfies CheckpointRequest);
    };
    const hooks = {
      begun: (lent: boolean) => {
        before = frames();
        if (before < 0 || lastAfter < 0) return;
        // Frames appended since our last commit (a restart in between: all of them) are another
        // connection's: this process's own worker threads' when the turn was lent meanwhile (they
        // write only with it), else another process's.
        const appended = before >= lastAfter ? before - lastAfter : before;
        if (lent) own += appended;
        else others += appended;
        // Another process writes to the file: hand the checkpoints back now, before this process's
        // cycles (a PASSIVE beside the writers here) let the log grow past what SQLite's own
        // autocheckpoint allows (a busy RESTART, the other sign, comes only a cycle later).
        if (!lent && appended > 0 && !stats.yielding && worker)
          handBack('another process writing to this file appended frames to the log');
      },
      committed: () => {
        const after = frames();
        if (after >= 0 && before >= 0) own += after >= before ? after - before : after;
        lastAfter = after;
        if (!stats.yielding) return;
        const now = Date.now();
        if (now - windowStart < SHARE_WINDOW_MS || own + others < SHARE_MIN_FRAMES) return;
        const was = role;
        const total = own + others;
        aloneWindows = others === 0 ? aloneWindows + 1 : 0;
        if (others > 0)
          role = own < LIGHT_SHARE * total ? 'light' : others < LIGHT_SHARE * total ? 'heavy' : 'even';
        else if (aloneWindows >= ALONE_WINDOWS) role = 'alone';
        own = others = 0;
        windowStart = now;
        if (role === was) return;
        pace();
        if (worker) void setLimit(role === 'light' ? hardCap : fallback);
      },
    };
    return {
      /** Watches this process's writes (from the start: `begun` above hands back at once). */
      watch(): void {
        database.watchWrites?.(hooks);
      },
      /** Starts judging (restart-only cycles at the yielding pace) until a window says otherwise. */
      start(): void {
        role = 'judging';
        aloneWindows = 0;
        own = others = 0;
        windowStart = Date.now();
      },
      stop(): void {
        database.watchWrites?.(null);
      },
      /** The pages a worker cycles at while yielding, and whether its cycles run a PASSIVE first. */
      pages,
      passive,
      pace,
      /** Clean RESTARTs may end the yielding: only once no other process writes beside this one. */
      mayResume: () => role === 'alone' || database.watchWrites === undefined,
    };
  })();

  /** Hands the checkpoints back at a busy RESTART, takes them up again after clean ones (see above). */
  function noteRestart(thread: Worker, busy: boolean): void {
    if (busy) {
      cleanInARow = 0;
      handBack('a RESTART checkpoint met another connection (another process writing to this file?)');
      return;
    }
    if (!stats.yielding || !share.mayResume() || ++cleanInARow < RESUME_AFTER_CLEAN) return;
    cleanInARow = 0;
    stats.yielding = false;
    stats.resumes++;
    void setLimit(hardCap);
    thread.postMessage({ op: 'pace', thresholdPages, restartPages } satisfies CheckpointRequest);
    // Rate-limited with the "handed back" line: a file shared with a busy process can go back
    // and forth.
    if (Date.now() - resumeLoggedAt >= (options.yieldLogEveryMs ?? 600_000)) {
      logger.info?.('wal checkpointer: restarts succeed again; checkpoints back on the worker', {
        resumes: stats.resumes,
      });
      resumeLoggedAt = Date.now();
    }
  }

  /** Hands the checkpoints back to the request thread (see above); logged, rate-limited. */
  function handBack(why: string): void {
    if (stats.yielding) return;
    stats.yielding = true;
    stats.yields++;
    void setLimit(fallback);
    share.start();
    share.pace();
    const now = Date.now();
    if (now - yieldLoggedAt >= (options.yieldLogEveryMs ?? 600_000)) {
      logger.warn(
        `wal checkpointer: ${why}; the request thread checkpoints at the normal limit until restarts succeed again`,
        { limitPages: fallback, yields: stats.yields, sinceLastLine: stats.yields - yieldsLogged },
      );
      yieldLoggedAt = now;
      yieldsLogged = stats.yields;
    }
  }

  function start(): void {
    stats.starts++;
    const data: CheckpointWorkerData = {
      url: url!,
      path: path!,
      thresholdPages: stats.yielding ? share.pages() : thresholdPages,
      restartPages: stats.yielding ? share.pages() : restartPages,
      passive: stats.yielding ? share.passive() : true,
      pollMs: options.pollMs ?? 25,
      idleMs: options.idleMs ?? 2_000,
      exitHoldingFirstTurn: stats.starts <= (options.crashWorkers ?? 0),
    };
    const thread = startWorker(script!, { workerData: data });
    worker = thread;
    thread.unref();
    thread.on('message', (reply: CheckpointReply) => {
      if (worker !== thread) return;
      switch (reply.op) {
        case 'ready':
          // Connected after stop(): it is closing; the limit stays where the exit handler puts it.
          if (stopped) return;
          stats.running = true;
          // A worker started while yielding starts at the yielding pace (its workerData) and
          // leaves the limit where it is.
          void (stats.yielding ? Promise.resolve() : setLimit(hardCap)).then(() => firstReady(true));
          return;
        case 'checkpointing':
          checkpointer.onCheckpointing?.();
          return;
        case 'turn':
          lendTurn(thread);
          return;
        case 'done':
          giveBack?.();
          stats.cycles++;
          stats.failures = 0;
          stats.passiveMs += reply.passiveMs;
          stats.lentMs += reply.lentMs;
          stats.maxLentMs = Math.max(stats.maxLentMs, reply.lentMs);
          if (reply.busy) stats.busyCycles++;
          if (reply.lent) {
            stats.lentCycles++;
            noteRestart(thread, reply.busy);
          }
          return;
      }
    });
    thread.on('error', (error) => {
      logger.warn('wal checkpointer failed', { error: String(error) });
    });
    thread.on('exit', (code) => {
      if (worker !== thread) return;
      worker = null;
      stats.running = false;
      // Writes never wait for a worker that is gone, and the request thread checkpoints again.
      giveBack?.();
      void setLimit(fallback);
      if (stopped) return;
      stats.failures++;
      logger.warn('wal checkpointer ended', { code, failures: stats.failures });
      if (stats.failures >= MAX_FAILURES) {
        firstReady(false);
        logger.warn('wal checkpointer: checkpoints stay in the request thread', {});
        return;
      }
      setTimeout(() => {
        if (!stopped && !worker) start();
      }, options.restartAfterMs ?? 1_000).unref();
    });
  }

  share.watch();
  start();
  return checkpointer;
}
