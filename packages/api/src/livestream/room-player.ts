import { connectorBatches, type SimulatedRoom, toBatchItem } from './simulated-room';

export interface PlayRoomOptions {
  /** Base URL of a running API, e.g. http://127.0.0.1:8787. */
  apiUrl: string;
  /** The app's secret key (sk_…): the connector's credential. */
  secretKey: string;
  room: SimulatedRoom;
  channel?: string;
  /** How much faster than real time the room plays (10 = a 10-minute room in one minute). */
  speed?: number;
  /** Stop once the room's own clock reaches this many seconds (default: the whole room). */
  untilSec?: number;
  title?: string;
  onProgress?: (progress: { roomSec: number; posted: number; status: number }) => void;
  fetch?: typeof fetch;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Plays a simulated room against a running API the way a livestream connector would: the title
 * and shelf pushes, then a batch every (room) second, re-timed to now so the room's windows see a
 * live show. For demos (`threadline live simulate`) and the host card's screenshots.
 */
export async function playRoom(options: PlayRoomOptions): Promise<{ posted: number }> {
  const speed = options.speed ?? 1;
  const channel = options.channel ?? 'douyin_live';
  const { room } = options;
  const send = options.fetch ?? fetch;
  const untilMs = room.start + (options.untilSec ?? (room.end - room.start) / 1000) * 1000;
  const base = `${options.apiUrl.replace(/\/$/, '')}/v1/channels/${channel}`;
  const call = async (method: string, path: string, body: unknown) => {
    const res = await send(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${options.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await res.body?.cancel();
    return res.status;
  };
  const wallStart = Date.now();
  // Room time → wall time: the show starts now and runs `speed` times faster.
  const wall = (at: number) => wallStart + Math.round((at - room.start) / speed);

  await call('PUT', `/rooms/${encodeURIComponent(room.roomId)}`, { title: options.title ?? null });
  let shelf = 0;
  let posted = 0;
  for (const batch of connectorBatches(room.comments)) {
    if (batch.postAt > untilMs) break;
    while (shelf < room.shelf.length && room.shelf[shelf]!.at <= batch.postAt) {
      const { segment, productIds } = room.shelf[shelf++]!;
      await call('PUT', `/rooms/${encodeURIComponent(room.roomId)}/shelf`, { segment, productIds });
    }
    const wait = wall(batch.postAt) - Date.now();
    if (wait > 0) await sleep(wait);
    const items = batch.items.map((c) => ({ ...toBatchItem(c), at: Math.min(Date.now(), wall(c.at)) }));
    const status = await call('POST', '/comments', { roomId: room.roomId, items });
    posted += items.length;
    options.onProgress?.({ roomSec: Math.round((batch.postAt - room.start) / 1000), posted, status });
  }
  return { posted };
}
