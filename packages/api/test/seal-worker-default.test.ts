import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createMerchantApp } from '../src/apps/apps';
import { sealWorkerState, stopSealWorker, useSealWorker } from '../src/identity/seal-thread';
import { type ServerOptions, startServer } from '../src/serve';

/**
 * A served process seals bulk writes (a livestream batch's comments) on the sealing worker by
 * default (speed-35; it was opt-in from speed-16m to speed-34), in the request thread with
 * `sealWorker: false`; either way every comment is stored sealed and reads back as sent.
 * Real server over loopback HTTP, real libSQL file. The cli refuses a THREADLINE_SEAL_WORKER it
 * cannot read.
 */

const dir = mkdtempSync(join(tmpdir(), 'threadline-seal-default-'));
let files = 0;
const quiet = { info: () => {}, warn: () => {}, error: () => {} };
afterEach(async () => {
  await stopSealWorker();
  useSealWorker(false);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const serve = (extra: Partial<ServerOptions> = {}) =>
  startServer({
    databaseUrl: `file:${join(dir, `served-${files++}.db`)}`,
    port: 0,
    masterKey: new Uint8Array(32).fill(5),
    sessionSigningKey: new Uint8Array(32).fill(6),
    logger: quiet,
    ...extra,
  });

async function call(url: string, method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

async function floodAndRead(server: Awaited<ReturnType<typeof serve>>) {
  const { secretKey: token } = await createMerchantApp(server.app.deps, { name: 'seal default' });
  const now = Date.now();
  const sent: { id: string; viewerId: string; text: string }[] = [];
  // Batches of 200 (a job of 64 values or more goes to the worker): new viewers first, then the
  // same viewers again (their keys cached: sealed ahead of the transaction).
  for (let b = 0; b < 4; b++) {
    const items = Array.from({ length: 200 }, (_, i) => {
      const item = {
        id: `c-${b}-${i}`,
        viewerId: `dy_${i}`,
        nickname: `鹿${i}`,
        text: `第${b}批 第${i}条 优惠券怎么用`,
        at: now,
      };
      sent.push(item);
      return item;
    });
    const res = await call(server.url, 'POST', '/v1/channels/douyin_live/comments', token, {
      roomId: 'r1',
      items,
    });
    expect(res.status).toBe(200);
    expect(res.json.accepted).toBe(200);
  }
  // Stored sealed: no comment's text is in the clear.
  const stored = (await server.database.client.execute('select item_id, text from live_comments'))
    .rows as unknown as {
    item_id: string;
    text: string;
  }[];
  expect(stored).toHaveLength(sent.length);
  for (const row of stored) expect(row.text).toMatch(/^k1\./);
  // …and every one opens to what was sent: viewer 7's four comments in their customer's export.
  const viewer = (
    await server.database.client.execute({
      sql: "select customer_id from identities where kind = 'douyin' and value = ?",
      args: ['dy_7'],
    })
  ).rows[0] as unknown as { customer_id: string };
  const exported = await call(server.url, 'GET', `/v1/customers/${viewer.customer_id}/export`, token);
  expect(exported.status).toBe(200);
  const texts = JSON.stringify(exported.json);
  for (let b = 0; b < 4; b++) expect(texts).toContain(`第${b}批 第7条 优惠券怎么用`);
}

describe('the sealing worker of a served process', () => {
  it('seals a livestream flood off the request thread by default, and with sealWorker: true', async () => {
    useSealWorker(false);
    const plain = await serve();
    try {
      expect(sealWorkerState().disabled).toBe(false);
    } finally {
      await plain.close();
    }
    useSealWorker(false);
    const server = await serve({ sealWorker: true });
    try {
      expect(sealWorkerState().disabled).toBe(false);
      const before = sealWorkerState().sealedByWorker;
      await floodAndRead(server);
      // The first large job starts the worker (sealed in-thread meanwhile); later ones go to it.
      expect(sealWorkerState().running).toBe(true);
      expect(sealWorkerState().sealedByWorker).toBeGreaterThan(before);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('seals in the request thread with sealWorker: false', async () => {
    useSealWorker(true);
    const server = await serve({ sealWorker: false });
    try {
      expect(sealWorkerState().disabled).toBe(true);
      const before = sealWorkerState().sealedByWorker;
      await floodAndRead(server);
      expect(sealWorkerState().running).toBe(false);
      expect(sealWorkerState().sealedByWorker).toBe(before);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('`threadline serve` refuses a THREADLINE_SEAL_WORKER it cannot read, naming it', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli.ts',
        'serve',
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--db',
        `file:${join(dir, 'cli.db')}`,
      ],
      {
        cwd: resolve(import.meta.dirname, '..'),
        env: {
          ...process.env,
          THREADLINE_DIR: dir,
          DATABASE_URL: '',
          PORT: '',
          HOST: '',
          THREADLINE_SEAL_WORKER: 'sometimes',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    expect(code).not.toBe(0);
    expect(output).toContain('THREADLINE_SEAL_WORKER must be 0 or 1');
    expect(output).not.toMatch(/listening on/);
  }, 60_000);
});
