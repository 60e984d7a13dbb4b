import { parentPort, workerData } from 'node:worker_threads';
import { createLocalClient } from './local-client';
import { walIndexReader } from './wal-index';

/**
 * The write-ahead log's checkpoints, on a worker thread with its own connection to the same local
 * file (see wal-checkpointer.ts for why and for the request thread's side).
 *
 * It watches the log through the wal-index header in the `-shm` file (SQLite's shared memory: the
 * last valid frame and how many frames are already copied into the database, read with one
 * 136-byte `pread` per poll through SQLite's own descriptor on it, never one of ours: see
 * wal-index.ts), and once `thresholdPages` frames wait — or frames have waited
 * unchanged for `idleMs` — runs one cycle:
 *
 * 1. `wal_checkpoint(PASSIVE)` beside the process's writers: copies the frames committed so far
 *    into the database file and syncs it — the costly part (page copies, two fsyncs), which the
 *    request thread's COMMIT used to run with the event loop blocked.
 * 2. Once the log holds `restartPages` frames, with the write turn lent (`{op:'turn'}` →
 *    `{op:'run'}` … `{op:'done'}`),
 *    `wal_checkpoint(RESTART)`: copies the few frames written during 1 and waits (this
 *    connection's short busy timeout) for readers of old frames. The log is then fully copied
 *    with nobody reading it, which is what lets the next writer start it again from its first
 *    frame: without 2, a flood that commits during every checkpoint never lets the log restart,
 *    and the `-wal` file grows without bound.
 *
 * When the header cannot be read that way (no /proc, another engine's layout), it falls back to a
 * cycle every `FALLBACK_EVERY_MS`.
 *
 * Messages in: `{op:'run'}` (the turn is lent: finish the cycle), `{op:'skip'}` (no turn: skip 2),
 * `{op:'pace', thresholdPages, restartPages, passive}` (new thresholds, and whether a cycle
 * starts with 1 or is 2 alone: the request thread's side changes them while it has handed the
 * checkpoints back, see wal-checkpointer.ts), `{op:'close'}`. Out: `{op:'ready'}` once connected; `{op:'checkpointing'}` when a cycle starts;
 * `{op:'turn'}`; `{op:'done', …figures}` when a cycle ends (the turn, if lent, is given back).
 */

export interface CheckpointWorkerData {
  url: string;
  /** The database file's path (the wal-index is `<path>-shm`). */
  path: string;
  thresholdPages: number;
  /** Frames in the log from which a cycle asks for the turn to restart it (else PASSIVE only). */
  restartPages: number;
  /**
   * False: a cycle is the RESTART alone, with the turn lent (no PASSIVE beside the writers first);
   * see wal-checkpointer.ts, a process yielding beside another that writes. Default true.
   */
  passive?: boolean;
  pollMs: number;
  idleMs: number;
  /** Fault injection for the tests only: exit holding the lent turn, in the first cycle. */
  exitHoldingFirstTurn?: boolean;
}

export type CheckpointRequest =
  | { op: 'run' }
  | { op: 'skip' }
  | { op: 'pace'; thresholdPages: number; restartPages: number; passive?: boolean }
  | { op: 'close' };
export type CheckpointReply =
  | { op: 'ready' }
  | { op: 'checkpointing' }
  | { op: 'turn' }
  | {
      op: 'done';
      /** Frames in the log before 1, and left uncopied after 2 (0 when the log was emptied). */
      frames: number;
      behind: number;
      /** Wall time of 1 (beside the writers) and of 2 (the turn lent), ms. */
      passiveMs: number;
      lentMs: number;
      /** 2 met a reader or another checkpoint: the log may not restart this time. */
      busy: boolean;
      /** The turn was lent (false when closing or refused). */
      lent: boolean;
    };

/** Without a readable wal-index header: a cycle this often. */
const FALLBACK_EVERY_MS = 1_000;
/** The engine's busy wait of this connection, in `RESTART` (a worker thread: nothing else waits). */
const BUSY_TIMEOUT_MS = 20;

const port = parentPort;
if (port) {
  const data = workerData as CheckpointWorkerData;
  // Changed by `{op:'pace'}`.
  let thresholdPages = data.thresholdPages;
  let restartPages = data.restartPages;
  let passive = data.passive ?? true;
  const client = createLocalClient(data.url);
  if (!client) throw new Error(`checkpoint worker: not a plain local file: ${data.url}`);
  /** Frames in the log and frames already copied, from the wal-index header; null if unreadable. */
  const probe = walIndexReader(data.path);

  const checkpoint = async (mode: 'PASSIVE' | 'RESTART') => {
    const result = await client.execute(`PRAGMA wal_checkpoint(${mode})`);
    const row = result.rows[0] as unknown as { busy: number; log: number; checkpointed: number };
    return { busy: Number(row.busy) !== 0, log: Number(row.log), checkpointed: Number(row.checkpointed) };
  };

  let closing = false;
  let answer: ((lent: boolean) => void) | null = null;
  let cycles = 0;
  const askTurn = () =>
    new Promise<boolean>((resolve) => {
      answer = resolve;
      port.postMessage({ op: 'turn' } satisfies CheckpointReply);
    });

  const cycle = async () => {
    cycles++;
    port.postMessage({ op: 'checkpointing' } satisfies CheckpointReply);
    const started = performance.now();
    const before = passive ? null : probe();
    const first = before
      ? { busy: false, log: before.frames, checkpointed: before.copied }
      : await checkpoint('PASSIVE');
    const passiveMs = performance.now() - started;
    // The restart costs the writers a turn (a short copy and two fsyncs): only once the log is long.
    const now = before ?? probe();
    const restart = !now || now.frames >= restartPages || (data.exitHoldingFirstTurn && cycles === 1);
    const lent = restart ? await askTurn() : false;
    if (closing) return;
    const lentAt = performance.now();
    let second = first;
    if (lent) {
      if (data.exitHoldingFirstTurn && cycles === 1) process.exit(70);
      second = await checkpoint('RESTART').catch(() => ({ ...first, busy: true }));
    }
    port.postMessage({
      op: 'done',
      frames: first.log,
      behind: second.log - second.checkpointed,
      passiveMs,
      lentMs: lent ? performance.now() - lentAt : 0,
      busy: second.busy,
      lent,
    } satisfies CheckpointReply);
  };

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const loop = async () => {
    let lastFrames = -1;
    let changedAt = Date.now();
    let lastCycle = Date.now();
    while (!closing) {
      await sleep(data.pollMs);
      if (closing) break;
      const now = Date.now();
      const state = probe();
      let due: boolean;
      if (state) {
        if (state.frames !== lastFrames) {
          lastFrames = state.frames;
          changedAt = now;
        }
        const behind = state.frames - state.copied;
        due = behind >= thresholdPages || (behind > 0 && now - changedAt >= data.idleMs);
      } else {
        due = now - lastCycle >= FALLBACK_EVERY_MS;
      }
      if (!due) continue;
      try {
        await cycle();
      } catch {
        // Another process's checkpoint or a closing file: the next poll tries again.
      }
      lastCycle = Date.now();
      // A cycle that found nothing to do (another connection got there first) is not run again at once.
      changedAt = Date.now();
    }
  };

  port.on('message', (request: CheckpointRequest) => {
    if (request.op === 'close') {
      closing = true;
      answer?.(false);
      client.close();
      port.close();
      return;
    }
    if (request.op === 'pace') {
      thresholdPages = request.thresholdPages;
      restartPages = request.restartPages;
      passive = request.passive ?? true;
      return;
    }
    const settle = answer;
    answer = null;
    settle?.(request.op === 'run');
  });

  // A read opens the -shm (this connection's, so the probe's descriptor lives as long as it).
  void client
    .execute(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`)
    .then(() => client.execute('SELECT count(*) FROM sqlite_master'))
    .then(() => {
      port.postMessage({ op: 'ready' } satisfies CheckpointReply);
      return loop();
    });
}
