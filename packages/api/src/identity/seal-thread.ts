import type { Worker } from 'node:worker_threads';
import { startWorker, workerScript } from '../platform/worker-script';
import type { SealReply, SealRequest } from './seal-worker';
import { type DataKey, sealWith } from './sealing';

/**
 * Bulk sealing on a worker thread. A livestream batch seals up to a thousand comments, each its
 * own AES-256-GCM value (one cipher per value: random IV, the customer's key) — about a tenth of
 * the request thread's time in a comment flood. Here the values of one bulk write are sealed on the
 * second core while the request thread reads the next batch; the caller awaits them inside its
 * transaction, so nothing is stored, or acknowledged, before its values are sealed.
 *
 * - Same values: the worker runs `sealWith`, the code every sealed value goes through, with the
 *   keys the caller loaded in its transaction (erased customers' keys are never among them).
 * - Keys: each job carries only its own keys; the worker zeroes them after the job and keeps none.
 * - Small jobs (< `OFF_THREAD_MIN` values) are sealed in the caller's thread: a message round trip
 *   costs more than they do.
 * - Faults: a job the worker failed, or a worker that ended, is sealed in the caller's thread (the
 *   caller never sees the fault); after `MAX_FAILURES` worker deaths in a row the process seals
 *   in-thread for good. `startServer({ sealWorker: false })` / `THREADLINE_SEAL_WORKER=0` turn it off.
 * - The worker starts on the first large job, which (like any job until the worker says it is
 *   ready) is sealed in the caller's thread: no job waits for a worker to start.
 * - The worker is unreferenced while idle: it never keeps a process alive.
 */

/** Values below which a job is sealed in the caller's thread. */
export const OFF_THREAD_MIN = 64;
const MAX_FAILURES = 3;

let worker: Worker | null = null;
/** The worker has said it takes jobs; until then (it is starting) jobs are sealed in the caller's thread. */
let ready = false;
let onReady: (() => void)[] = [];
let failures = 0;
/** Values the worker has sealed in this process (diagnostics, tests). */
let sealedByWorker = 0;
let nextId = 1;
const pending = new Map<number, { resolve(sealed: string | null): void }>();
// Off unless THREADLINE_SEAL_WORKER=1 for an app made with createApp alone; a served process
// (startServer, the cli) turns it on unless told otherwise (`sealWorker: false`,
// THREADLINE_SEAL_WORKER=0): on the full livestream room, with the insights fold out of the
// measured rounds, it ran at 1.11× comments/s with 0.85× request-thread CPU (docs/notes/speed-35.md).
let disabled = process.env.THREADLINE_SEAL_WORKER !== '1';

/** Turns the worker on or off for this process (startServer's `sealWorker`; tests). */
export function useSealWorker(on: boolean): void {
  disabled = !on;
  failures = 0;
}

function start(): Worker | null {
  const script = workerScript(import.meta.url, 'seal-worker');
  if (!script) {
    disabled = true;
    return null;
  }
  let thread: Worker;
  try {
    thread = startWorker(script);
  } catch {
    disabled = true;
    return null;
  }
  thread.unref();
  thread.on('message', (reply: SealReply) => {
    if ('ready' in reply) {
      if (worker !== thread) return;
      ready = true;
      for (const resolve of onReady) resolve();
      onReady = [];
      return;
    }
    const job = pending.get(reply.id);
    if (!job) return;
    pending.delete(reply.id);
    if (pending.size === 0) thread.unref();
    if (reply.ok) {
      failures = 0;
      job.resolve(reply.sealed);
    } else job.resolve(null);
  });
  // An 'error' is followed by 'exit'; both leave the jobs to the callers' own thread.
  thread.on('error', () => {});
  thread.on('exit', () => {
    if (worker === thread) {
      worker = null;
      ready = false;
    }
    failures++;
    if (failures >= MAX_FAILURES) disabled = true;
    for (const job of pending.values()) job.resolve(null);
    pending.clear();
  });
  return thread;
}

/** Test hook: ends the worker (the next job starts a new one) and reports whether one was running. */
export async function stopSealWorker(): Promise<boolean> {
  const thread = worker;
  if (!thread) return false;
  worker = null;
  ready = false;
  await thread.terminate();
  failures = 0;
  return true;
}

/** Whether sealing jobs currently go to the worker (tests, diagnostics). */
export const sealWorkerState = () => ({
  running: worker !== null,
  ready,
  disabled,
  failures,
  sealedByWorker,
});

/** Test hook: starts the worker if need be and resolves once it takes jobs. */
export function sealWorkerReady(): Promise<void> {
  if (disabled) return Promise.reject(new Error('the sealing worker is off'));
  worker ??= start();
  if (ready) return Promise.resolve();
  return new Promise((resolve) => onReady.push(resolve));
}

/**
 * Whether a job of `count` values would go to the worker now (starting it if need be): callers
 * that seal what the worker has not answered yet themselves (customer-keys.ts `many`) post only then.
 */
export function sealWorkerTakes(count: number): boolean {
  if (disabled || count < OFF_THREAD_MIN) return false;
  worker ??= start();
  return worker !== null && ready;
}

/**
 * Seals `texts[i]` with `keyOf(i)`, in order, off this thread when the job is large enough and a
 * worker is available, else here. Always resolves with one sealed value per text.
 */
export async function sealOffThread(
  texts: readonly string[],
  keyOf: (index: number) => DataKey,
): Promise<string[]> {
  const here = () => texts.map((text, i) => sealWith(keyOf(i), text));
  if (disabled || texts.length < OFF_THREAD_MIN) return here();
  worker ??= start();
  const thread = worker;
  // Starting (tens of ms built, seconds from sources under tsx): this job is not kept waiting.
  if (!thread || !ready) return here();
  const keyIndex = new Map<DataKey, number>();
  const keyIds: string[] = [];
  const keyList: DataKey[] = [];
  const keyOfText = new Uint32Array(texts.length);
  for (let i = 0; i < texts.length; i++) {
    const key = keyOf(i);
    let k = keyIndex.get(key);
    if (k === undefined) {
      k = keyList.length;
      keyIndex.set(key, k);
      keyIds.push(key.id);
      keyList.push(key);
    }
    keyOfText[i] = k;
  }
  const keys = new Uint8Array(keyList.length * 32);
  for (let k = 0; k < keyList.length; k++) keys.set(keyList[k]!.key, k * 32);
  const lengths = new Uint32Array(texts.length);
  for (let i = 0; i < texts.length; i++) lengths[i] = texts[i]!.length;
  const id = nextId++;
  const joined = await new Promise<string | null>((resolve) => {
    pending.set(id, { resolve });
    thread.ref();
    thread.postMessage(
      { id, keyIds, keys, keyOf: keyOfText, texts: texts.join(''), lengths } satisfies SealRequest,
      [keys.buffer as ArrayBuffer, keyOfText.buffer as ArrayBuffer, lengths.buffer as ArrayBuffer],
    );
  });
  const sealed = joined === null ? null : joined.split('\n');
  if (!sealed || sealed.length !== texts.length) return here();
  sealedByWorker += sealed.length;
  return sealed;
}
