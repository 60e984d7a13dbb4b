import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { sessionAnswer } from '@threadline/sdk-core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtServers, createAppWithBuiltCli } from './built-server';

/**
 * The real server process (the built CLI) is SIGKILLed while shoppers ask for a person and an agent
 * comes online (routing runs in those transactions); after a restart on the same file every
 * conversation is queued or assigned exactly once, and nothing is over capacity.
 */

const SHOPPERS = 30;
const IN_FLIGHT = 6;
/** Acknowledged requests for a person after which the agent comes online, then the process dies. */
const ONLINE_AFTER = 4;
const KILL_AFTER = 12;

const dir = mkdtempSync(join(tmpdir(), 'threadline-crash-routing-'));
const database = `file:${join(dir, 'crash.db')}`;
const env = { ...process.env, THREADLINE_DIR: dir, DATABASE_URL: '', PORT: '', HOST: '' };
const servers = builtServers(database, env);
const startServer = servers.start;
const kill = servers.kill;

async function call(url: string, token: string, method: string, body?: unknown) {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

/** The ownership invariants, read straight from the file: one owner per assigned conversation, none otherwise. */
async function ownership(appId: string) {
  const db = createClient({ url: database });
  try {
    const conversations = (
      await db.execute({
        sql: 'select id, status, assigned_agent_id as owner from conversations where app_id = ?',
        args: [appId],
      })
    ).rows as unknown as { id: string; status: string; owner: string | null }[];
    const open = (
      await db.execute({
        sql: 'select conversation_id as id, agent_id as agent from assignments where app_id = ? and ended_at is null',
        args: [appId],
      })
    ).rows as unknown as { id: string; agent: string }[];
    const agents = (
      await db.execute({ sql: 'select id, capacity from agents where app_id = ?', args: [appId] })
    ).rows as unknown as { id: string; capacity: number }[];
    return { conversations, open, agents };
  } finally {
    db.close();
  }
}

function expectConsistent(state: Awaited<ReturnType<typeof ownership>>, asked: number) {
  const { conversations, open, agents } = state;
  expect(conversations.length).toBeGreaterThanOrEqual(asked);
  for (const conversation of conversations) {
    expect(['queued', 'assigned'], conversation.id).toContain(conversation.status);
    const mine = open.filter((o) => o.id === conversation.id);
    if (conversation.status === 'assigned') expect(mine.map((o) => o.agent)).toEqual([conversation.owner]);
    else expect([conversation.owner, mine]).toEqual([null, []]);
  }
  for (const agent of agents)
    expect(conversations.filter((c) => c.owner === agent.id).length).toBeLessThanOrEqual(agent.capacity);
}

describe('routing survives a SIGKILL of the server', () => {
  let keys: { appId: string; publishableKey: string; secretKey: string; agentToken: string };
  beforeAll(async () => {
    keys = await createAppWithBuiltCli(database, env, 'Crash routing shop');
  });
  afterAll(async () => {
    await servers.killAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves every conversation queued or assigned exactly once, within capacity, and routes the rest after restart', async () => {
    const first = await startServer();
    const me = await call(`${first.url}/v1/agent/me`, keys.agentToken, 'GET');
    expect(me.status).toBe(200);
    const capacity = me.body.agent.capacity as number;
    expect(capacity).toBeLessThan(SHOPPERS);
    const sessions: string[] = [];
    for (let i = 0; i < SHOPPERS; i++) {
      const res = await call(`${first.url}/v1/sessions`, keys.publishableKey, 'POST', {
        channel: i % 2 ? 'app' : 'web',
        anonymousId: randomUUID(),
      });
      expect(res.status).toBe(201);
      sessions.push(sessionAnswer.parse(res.body).sessionToken);
    }
    let next = 0;
    let acknowledged = 0;
    let online: Promise<unknown> | null = null;
    let killed: Promise<void> | null = null;
    const worker = async () => {
      while (next < sessions.length && !killed) {
        const token = sessions[next++]!;
        try {
          const res = await call(`${first.url}/v1/messages`, token, 'POST', {
            clientMessageId: randomUUID(),
            text: '转人工',
          });
          if (res.status === 201) acknowledged++;
        } catch {
          // The process died under this request.
        }
        // The agent comes online mid-burst (fillAgent takes the queue), then the process dies.
        if (acknowledged >= ONLINE_AFTER)
          online ??= call(first.url + '/v1/agent/presence', keys.agentToken, 'POST', {
            presence: 'online',
          }).catch(() => undefined);
        if (acknowledged >= KILL_AFTER) killed ??= kill(first.child);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    await online;
    await killed;
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(acknowledged).toBeGreaterThanOrEqual(KILL_AFTER);
    expectConsistent(await ownership(keys.appId), acknowledged);

    // After the restart every shopper asks (again): a waiting one stays where it is, the rest join
    // the queue; the agent goes off and on again: still one owner each.
    const second = await startServer();
    for (const token of sessions) {
      const res = await call(`${second.url}/v1/messages`, token, 'POST', {
        clientMessageId: randomUUID(),
        text: '转人工',
      });
      expect(res.status).toBe(201);
    }
    for (const presence of ['offline', 'online'] as const)
      expect(
        (await call(`${second.url}/v1/agent/presence`, keys.agentToken, 'POST', { presence })).status,
      ).toBe(200);
    const after = await ownership(keys.appId);
    expectConsistent(after, SHOPPERS);
    expect(after.conversations.filter((c) => c.status === 'assigned')).toHaveLength(capacity);
    expect(after.conversations.filter((c) => c.status === 'queued')).toHaveLength(
      after.conversations.length - capacity,
    );
    await kill(second.child);
  }, 180_000);
});
