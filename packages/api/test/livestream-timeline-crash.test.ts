// Question comments reach their askers' timelines after the batch is acknowledged (the timeline
// drain, livestream/timeline-drain.ts). Here the real server (the built CLI) is SIGKILLed between
// the ack and the drain: after a restart — two processes on the same file, both draining — every
// acknowledged question is on its asker's timeline exactly once, and a retried batch adds nothing.
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, call, prepareDeployment, sleep, startApiProcess, waitFor } from './scale-out-kit';

describe('livestream questions survive a SIGKILL between the ack and the timeline drain', () => {
  let deployment: Awaited<ReturnType<typeof prepareDeployment>>;
  let databaseUrl: string;
  const processes: ApiProcess[] = [];

  async function sql<T>(query: string): Promise<T[]> {
    const client = createClient({ url: databaseUrl });
    try {
      return (await client.execute(query)).rows as unknown as T[];
    } finally {
      client.close();
    }
  }
  const count = async (query: string) => Number((await sql<{ n: number }>(query))[0]!.n);
  const timelineQuestions = () =>
    count("select count(*) as n from messages where channel = 'douyin_live' and author_type = 'customer'");

  beforeAll(async () => {
    const dir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'tl-drain-'));
    databaseUrl = `file:${join(dir, 'crash.db')}`;
    deployment = await prepareDeployment(databaseUrl);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    deployment?.remove();
  });

  it('writes each acknowledged question to its asker’s timeline once after the restart', async () => {
    const sk = deployment.keys.secretKey;
    // The first process drains only once an hour: the kill below lands before any drain.
    const first = await startApiProcess({ ...deployment.env, THREADLINE_LIVE_TIMELINE_DRAIN_MS: '3600000' });
    processes.push(first);
    const viewers = Array.from({ length: 40 }, (_, i) => `dy_${i + 1}`);
    const batch = (prefix: string, text: string, who = viewers) => ({
      roomId: 'crash-room',
      items: who.map((viewerId) => ({ id: `${prefix}-${viewerId}`, viewerId, text, at: Date.now() })),
    });
    const asks = batch('ask', '直播间的券怎么领');
    const posts = [
      await call(first.url, 'POST', '/v1/channels/douyin_live/comments', sk, asks),
      // Asked again: a second timeline message only if the first had not reached the windows yet.
      await call(first.url, 'POST', '/v1/channels/douyin_live/comments', sk, batch('again', '券怎么领？？')),
      await call(first.url, 'POST', '/v1/channels/douyin_live/comments', sk, batch('fill', '666')),
    ];
    expect(posts.map((p) => [p.status, p.json.accepted, p.json.duplicates])).toEqual([
      [200, 40, 0],
      [200, 40, 0],
      [200, 40, 0],
    ]);
    // Acknowledged: the comments and the 40 queued questions are committed; no timeline row yet.
    expect(await count('select count(*) as n from live_comments')).toBe(120);
    const asked = await count('select count(*) as n from live_comments where message_id is not null');
    expect(asked).toBeGreaterThanOrEqual(40);
    expect(await count('select count(*) as n from live_timeline_queue')).toBe(asked);
    expect(await timelineQuestions()).toBe(0);

    await first.kill();

    // Two processes come back on the file; both drain (every second) and neither writes a copy twice.
    const [second, third] = await Promise.all([
      startApiProcess(deployment.env),
      startApiProcess(deployment.env),
    ]);
    processes.push(second, third);
    await waitFor(
      'the queued questions to be drained',
      async () => (await timelineQuestions()) === asked,
      30_000,
    );
    expect(await count('select count(*) as n from live_timeline_queue')).toBe(0);
    // The connector retries the batch whose ack it may have missed: nothing new anywhere.
    const retried = await call(second.url, 'POST', '/v1/channels/douyin_live/comments', sk, asks);
    expect(retried.json).toMatchObject({ accepted: 40, duplicates: 40 });
    await sleep(2500);
    expect(await timelineQuestions()).toBe(asked);

    // One message per asker, each the comment's own words (its ciphertext), in the asker's room
    // conversation, under the comment's message id.
    const rows = await sql<{ viewer_id: string; same_text: number; owner: string; customer_id: string }>(
      `select c.viewer_id, m.text = c.text as same_text, v.customer_id as owner, m.customer_id
       from messages m join live_comments c on c.message_id = m.id
       join conversations v on v.id = m.conversation_id
       where m.channel = 'douyin_live' order by c.viewer_id`,
    );
    expect(rows).toHaveLength(asked);
    expect([...new Set(rows.map((r) => r.viewer_id))].sort()).toEqual([...viewers].sort());
    expect(rows.every((r) => Number(r.same_text) === 1 && r.owner === r.customer_id)).toBe(true);
    expect(
      await count("select count(distinct customer_id) as n from messages where channel = 'douyin_live'"),
    ).toBe(40);
  }, 180_000);
});
