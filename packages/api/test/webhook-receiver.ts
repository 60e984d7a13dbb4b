import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '../src/webhooks/signing';

/** One POST as the receiver got it. */
export interface Received {
  eventId: string;
  signature: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: { id: string; type: string; createdAt: string; data: Record<string, any> };
  /** What the receiver answered. */
  status: number;
}

export interface ReceiverOptions {
  /** Status to answer for the n-th request (0-based) and its body; default 200. */
  answer?: (request: Received, n: number) => number | Promise<number>;
  /** A fixed port (to bring a receiver back where a down one was). */
  port?: number;
}

/**
 * A merchant's webhook receiver: a real HTTP server on loopback that records every delivery.
 * `unique()` is what a receiver that deduplicates by `Threadline-Event-Id` processed, in order.
 */
export async function startReceiver(options: ReceiverOptions = {}) {
  const received: Received[] = [];
  const waiters: (() => void)[] = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const entry: Received = {
        eventId: String(req.headers['threadline-event-id'] ?? ''),
        signature: String(req.headers['threadline-signature'] ?? ''),
        headers: req.headers,
        raw,
        body: JSON.parse(raw),
        status: 200,
      };
      entry.status = options.answer ? await options.answer(entry, n++) : 200;
      received.push(entry);
      res.writeHead(entry.status, { 'content-type': 'text/plain' });
      res.end(entry.status >= 300 ? `receiver says ${entry.status}` : 'ok');
      for (const wake of waiters.splice(0)) wake();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const unique = () => {
    const seen = new Set<string>();
    return received.filter((r) => r.status < 300 && !seen.has(r.eventId) && seen.add(r.eventId));
  };
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    received,
    unique,
    /** Every accepted delivery's signature checks out with the secret. */
    allSigned: (secret: string) =>
      received.every((r) => {
        try {
          return verifyWebhook(r.raw, r.signature, secret).id === r.eventId;
        } catch {
          return false;
        }
      }),
    /** Waits (bounded) until `done()` holds. */
    async until(done: () => boolean, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`receiver: condition not met in ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port with nothing listening (a receiver that is down). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
