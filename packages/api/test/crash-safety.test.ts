import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sessionAnswer, timelinePage } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtServers, createAppWithBuiltCli } from './built-server';

/**
 * The real server process (the built CLI) is SIGKILLed while sends are in flight over HTTP; after
 * a restart on the same file, every message that got a 201 is there, and retries store nothing twice.
 */

const SESSIONS = 4;
const SENDS = 300;
const IN_FLIGHT = 8;
/** Acknowledged sends after which the process is killed, mid-way through the run. */
const KILL_AFTER = 90;

const dir = mkdtempSync(join(tmpdir(), 'threadline-crash-'));
const database = `file:${join(dir, 'crash.db')}`;
const env = { ...process.env, THREADLINE_DIR: dir, DATABASE_URL: '', PORT: '', HOST: '' };
const servers = builtServers(database, env);
const startServer = servers.start;
const kill = servers.kill;

/** Enough of a send's answer for this test; sessions are parsed with their schema. */
interface SentAnswer {
  message: { id: string; text: string };
}

async function post(url: string, token: string, body: unknown) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as SentAnswer };
}

/** Every message of a session's customer, walking the timeline back page by page (bounded). */
async function wholeTimeline(url: string, token: string) {
  const messages: ReturnType<typeof timelinePage.parse>['messages'] = [];
  let before: string | null = null;
  for (let page = 0; page < 50; page++) {
    const response = await fetch(`${url}/v1/timeline?limit=200${before ? `&before=${before}` : ''}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    const parsed = timelinePage.parse(await response.json());
    messages.unshift(...parsed.messages);
    before = parsed.nextBefore;
    if (!before) break;
  }
  return messages;
}

describe('an acknowledged message survives a SIGKILL of the server', () => {
  let keys: { publishableKey: string; secretKey: string };
  beforeAll(async () => {
    keys = await createAppWithBuiltCli(database, env, 'Crash shop');
  });
  afterAll(async () => {
    await servers.killAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every 201 after a restart, and a retry with the same clientMessageId stores nothing twice', async () => {
    const first = await startServer();
    // 75 sends per session in a few seconds: far past a shopper's pace, so the app opens its limit.
    const opened = await fetch(`${first.url}/v1/app`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${keys.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ rateLimits: { messagesPerSessionPerMinute: 10_000 } }),
    });
    expect(opened.status).toBe(200);
    const sessions: { token: string; customerId: string }[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const res = await post(`${first.url}/v1/sessions`, keys.publishableKey, {
        channel: i % 2 ? 'app' : 'web',
      });
      expect(res.status).toBe(201);
      const session = sessionAnswer.parse(res.body);
      sessions.push({ token: session.sessionToken, customerId: session.customer.id });
    }

    const planned = Array.from({ length: SENDS }, (_, i) => ({
      session: sessions[i % SESSIONS]!,
      clientMessageId: randomUUID(),
      text: `message ${i}`,
    }));
    const acknowledged = new Map<string, string>(); // clientMessageId → message id
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
          const res = await post(`${first.url}/v1/messages`, send.session.token, {
            clientMessageId: send.clientMessageId,
            text: send.text,
          });
          if (res.status !== 201) throw new Error(`send answered ${res.status}`);
          acknowledged.set(send.clientMessageId, res.body.message.id);
          if (acknowledged.size >= KILL_AFTER) killed ??= kill(first.child);
        } catch {
          // The connection died with the process: the client does not know whether it was stored.
          unanswered.push(send);
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    await killed;
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(acknowledged.size).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(acknowledged.size + unanswered.length).toBe(SENDS);

    const second = await startServer();
    const byCustomer = async () => {
      const all = new Map<string, { id: string; count: number }>();
      for (const session of sessions) {
        for (const message of await wholeTimeline(second.url, session.token)) {
          if (!message.clientMessageId) continue;
          const seen = all.get(message.clientMessageId);
          all.set(message.clientMessageId, { id: message.id, count: (seen?.count ?? 0) + 1 });
        }
      }
      return all;
    };
    const stored = await byCustomer();
    const lost = [...acknowledged].filter(([clientMessageId, id]) => stored.get(clientMessageId)?.id !== id);
    expect(lost).toEqual([]);

    // The client retries what it never heard back about; nothing ends up stored twice.
    const retries = [...unanswered];
    const retry = async () => {
      for (let send = retries.pop(); send; send = retries.pop()) {
        const res = await post(`${second.url}/v1/messages`, send.session.token, {
          clientMessageId: send.clientMessageId,
          text: send.text,
        });
        expect(res.status).toBe(201);
        expect(res.body.message.text).toBe(send.text);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, retry));
    const after = await byCustomer();
    expect(after.size).toBe(SENDS);
    expect([...after.values()].filter((m) => m.count > 1)).toEqual([]);
    for (const [clientMessageId, id] of acknowledged) expect(after.get(clientMessageId)?.id).toBe(id);
    await kill(second.child);
  }, 120_000);
});
