// SIGTERM on `threadline serve` (the built CLI, its own process): stop accepting, finish what is
// running, end streams with a reconnect hint, exit within a bounded time.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, call, prepareDeployment, startApiProcess, waitFor } from './scale-out-kit';
import { readSse } from './sse-reader';

describe('graceful shutdown on SIGTERM', () => {
  let deployment: Awaited<ReturnType<typeof prepareDeployment>>;
  let api: ApiProcess;
  beforeAll(async () => {
    const { mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    deployment = await prepareDeployment(`file:${join(mkdtempSync(join(tmpdir(), 'tl-stop-')), 'api.db')}`);
    api = await startApiProcess(deployment.env);
  }, 60_000);
  afterAll(async () => {
    await api?.kill();
    deployment?.remove();
  });

  it('finishes a send under way, ends streams with a retry hint, refuses newcomers and exits', async () => {
    const session = await call(api.url, 'POST', '/v1/sessions', deployment.keys.publishableKey, {
      channel: 'web',
    });
    expect(session.status).toBe(201);
    const token = session.json.sessionToken as string;
    const streamResponse = await fetch(`${api.url}/v1/stream`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const stream = readSse(streamResponse);
    await stream.until((frames) => frames.some((f) => f.comment === 'connected'));

    // A send whose body is still arriving when the signal comes: it is under way.
    const body = JSON.stringify({ text: '关机前最后一条', clientMessageId: 'before-shutdown-01' });
    const { port } = new URL(api.url);
    const socket = net.connect({ host: '127.0.0.1', port: Number(port) });
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      answer += chunk;
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      `POST /v1/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));

    const started = Date.now();
    api.child.kill('SIGTERM');

    // The stream is told to come back later (to another process), then ended.
    await stream.until(() => stream.ended() || stream.frames.some((f) => f.retry !== undefined), 50);
    const goodbye = stream.frames.find((f) => f.retry !== undefined);
    expect(Number(goodbye?.retry)).toBeGreaterThan(0);
    await stream.until(() => stream.ended(), 50);
    expect(stream.ended()).toBe(true);

    // New connections are no longer taken.
    await waitFor('the listener to close', async () => {
      try {
        await fetch(`${api.url}/v1/health`);
        return false;
      } catch {
        return true;
      }
    });

    // The send under way completes and is answered.
    socket.write(body.slice(10));
    await Promise.race([closed, waitFor('the answer', () => answer.includes('\r\n\r\n'), 10_000)]);
    expect(answer, api.output()).toMatch(/^HTTP\/1\.1 201/);

    const exit = await api.stop(15_000);
    expect(exit.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(12_000);

    // What was acknowledged is stored.
    const again = await startApiProcess(deployment.env);
    try {
      const renewed = await call(again.url, 'POST', '/v1/sessions', deployment.keys.publishableKey, {
        channel: 'web',
      });
      expect(renewed.status).toBe(201);
      const { createDatabase } = await import('../src/db/database');
      const database = createDatabase({ url: deployment.env.DATABASE_URL! });
      const rows = await database.client.execute({
        sql: 'SELECT count(*) AS n FROM messages WHERE client_message_id = ?',
        args: ['before-shutdown-01'],
      });
      database.close();
      expect(rows.rows[0]!.n).toBe(1);
    } finally {
      await again.kill();
    }
  }, 60_000);
});
