import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtServers, createAppWithBuiltCli } from './built-server';
import { startReceiver } from './webhook-receiver';

/**
 * The real server (the built CLI) is SIGKILLed while webhook deliveries are queued and in flight.
 * After a restart on the same file every event arrives — at least once, under one stable
 * `Threadline-Event-Id`, in order per conversation — and no message ever gets two event ids.
 */

const SESSIONS = 3;
const SENDS = 60;
const IN_FLIGHT = 4;
const KILL_AFTER = 25;

const dir = mkdtempSync(join(tmpdir(), 'threadline-webhook-crash-'));
const databaseFile = join(dir, 'crash.db');
const database = `file:${databaseFile}`;
const env = {
  ...process.env,
  THREADLINE_DIR: dir,
  DATABASE_URL: '',
  PORT: '',
  HOST: '',
  THREADLINE_WEBHOOKS_ALLOW_LOOPBACK: '1',
  THREADLINE_WEBHOOK_TIMEOUT_MS: '1500',
  THREADLINE_WEBHOOK_RETRY_BASE_MS: '50',
  THREADLINE_WEBHOOK_RETRY_MAX_MS: '400',
};
const servers = builtServers(database, env);
const startServer = servers.start;
const kill = servers.kill;

async function call(url: string, token: string, method: string, body?: unknown) {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe('webhook events survive a SIGKILL of the server', () => {
  let keys: { publishableKey: string; secretKey: string };
  beforeAll(async () => {
    keys = await createAppWithBuiltCli(database, env, 'Webhook crash shop');
  });
  afterAll(async () => {
    await servers.killAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every event after a restart: none lost, one event id per message, in order', async () => {
    // A receiver a little slow to answer, so deliveries are in flight when the process dies.
    const receiver = await startReceiver({
      answer: async () => {
        await new Promise((r) => setTimeout(r, 60));
        return 200;
      },
    });
    try {
      const first = await startServer();
      expect(
        (
          await call(`${first.url}/v1/app`, keys.secretKey, 'PATCH', {
            rateLimits: { messagesPerSessionPerMinute: 10_000 },
          })
        ).status,
      ).toBe(200);
      const hook = await call(`${first.url}/v1/webhooks`, keys.secretKey, 'POST', {
        url: receiver.url,
        events: ['message.created'],
      });
      expect(hook.status).toBe(201);
      const secret = hook.body.secret as string;

      const sessions: string[] = [];
      for (let i = 0; i < SESSIONS; i++) {
        const res = await call(`${first.url}/v1/sessions`, keys.publishableKey, 'POST', {
          channel: ['web', 'app', 'miniprogram'][i],
        });
        expect(res.status).toBe(201);
        sessions.push(res.body.sessionToken);
      }
      const planned = Array.from({ length: SENDS }, (_, i) => ({
        token: sessions[i % SESSIONS]!,
        clientMessageId: randomUUID(),
        text: `crash message ${i}`,
      }));
      const acknowledged = new Map<string, string>();
      const unanswered: typeof planned = [];
      let next = 0;
      let killed: Promise<void> | null = null;
      const worker = async () => {
        while (next < planned.length) {
          const send = planned[next++]!;
          if (killed) {
            unanswered.push(send);
            continue;
          }
          try {
            const res = await call(`${first.url}/v1/messages`, send.token, 'POST', {
              clientMessageId: send.clientMessageId,
              text: send.text,
            });
            if (res.status !== 201) throw new Error(`send answered ${res.status}`);
            acknowledged.set(send.clientMessageId, res.body.message.id);
            if (acknowledged.size >= KILL_AFTER) killed ??= kill(first.child);
          } catch {
            unanswered.push(send);
          }
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
      await killed;
      expect(first.child.signalCode).toBe('SIGKILL');

      // Events were still queued when the process died.
      const raw = createClient({ url: database });
      const [{ n: pendingAtKill }] = (
        await raw.execute("SELECT count(*) AS n FROM webhook_deliveries WHERE state = 'pending'")
      ).rows as unknown as [{ n: number }];
      raw.close();
      expect(Number(pendingAtKill)).toBeGreaterThan(0);

      const second = await startServer();
      for (const send of unanswered) {
        const res = await call(`${second.url}/v1/messages`, send.token, 'POST', {
          clientMessageId: send.clientMessageId,
          text: send.text,
        });
        expect(res.status).toBe(201);
        acknowledged.set(send.clientMessageId, res.body.message.id);
      }
      expect(acknowledged.size).toBe(SENDS);
      const expected = new Set(acknowledged.values());

      const customerEvents = () =>
        receiver.unique().filter((r) => r.body.data.message.author.type === 'customer');
      await receiver.until(() => customerEvents().length >= SENDS, 60_000);

      // Every message arrived, each under exactly one event id (a retry reuses it).
      const idsByMessage = new Map<string, Set<string>>();
      for (const r of receiver.received) {
        const messageId = r.body.data.message.id as string;
        const ids = idsByMessage.get(messageId) ?? new Set<string>();
        ids.add(r.eventId);
        idsByMessage.set(messageId, ids);
      }
      for (const id of expected) expect(idsByMessage.get(id)?.size, id).toBe(1);
      expect(customerEvents()).toHaveLength(SENDS);
      expect(receiver.allSigned(secret)).toBe(true);
      // In order per conversation: the first arrival of each event follows the messages' order.
      const byConversation = new Map<string, string[]>();
      for (const r of customerEvents()) {
        const list = byConversation.get(r.body.data.conversationId) ?? [];
        list.push(r.body.data.message.id);
        byConversation.set(r.body.data.conversationId, list);
      }
      for (const list of byConversation.values()) expect(list).toEqual([...list].sort());
      await kill(second.child);
    } finally {
      await receiver.close();
    }
  });
});
