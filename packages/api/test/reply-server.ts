import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedReply {
  headers: IncomingHttpHeaders;
  raw: string;
  body: any;
}

/**
 * A merchant's livestream connector on loopback: it receives the room's reply callbacks and
 * answers 200 (or, for the first `failFirst` calls, 500), recording every call.
 */
export async function startReplyServer(options: { failFirst?: number } = {}) {
  const received: ReceivedReply[] = [];
  let calls = 0;
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      calls++;
      if (calls <= (options.failFirst ?? 0)) {
        res.statusCode = 500;
        res.end('not now');
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      received.push({ headers: req.headers, raw, body });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/threadline/room-replies`,
    received,
    calls: () => calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
