import type { LiveRoomFigures } from '@threadline/sdk-core/protocol';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import { iso } from '../platform/clock';
import type { LiveRoomRow } from './rooms';

const TOP = 10;

/**
 * A room's figures for the insights metrics, read from the comment log (so they survive restarts
 * and agree across processes): comments per minute, the share that were questions, the top
 * questions, and the share of questions whose asker got a room answer to them. `from`/`to` (ms)
 * bound the comments' times; without them the whole room.
 */
export async function roomFigures(
  db: Db,
  room: LiveRoomRow,
  range: { from?: number; to?: number } = {},
): Promise<LiveRoomFigures> {
  const from = range.from ?? 0;
  const to = range.to ?? Number.MAX_SAFE_INTEGER;
  const inRange = sql`c.room_id = ${room.id} and c.at >= ${from} and c.at <= ${to}`;
  const answered = sql`exists (select 1 from live_mentions m where m.room_id = c.room_id and m.question_key = c.question_key and m.viewer_id = c.viewer_id)`;

  const [totals] = await db.all<{
    comments: number;
    questions: number;
    filler: number;
    chat: number;
    escalations: number;
    viewers: number;
    answered: number;
  }>(sql`
    select count(*) as comments,
      coalesce(sum(c.kind = 'question'), 0) as questions,
      coalesce(sum(c.kind = 'filler'), 0) as filler,
      coalesce(sum(c.kind = 'chat'), 0) as chat,
      coalesce(sum(c.kind = 'escalation'), 0) as escalations,
      count(distinct c.viewer_id) as viewers,
      coalesce(sum(c.kind = 'question' and ${answered}), 0) as answered
    from live_comments c where ${inRange}`);
  const perMinute = await db.all<{ minute: number; comments: number; questions: number }>(sql`
    select c.at / 60000 as minute, count(*) as comments, coalesce(sum(c.kind = 'question'), 0) as questions
    from live_comments c where ${inRange}
    group by minute order by minute`);
  const top = await db.all<{
    key: string;
    label: string | null;
    intent: string | null;
    articleId: string | null;
    productId: string | null;
    comments: number;
    askers: number;
    answeredAskers: number;
  }>(sql`
    select c.question_key as key, q.label as label, q.intent as intent, q.article_id as articleId,
      q.product_id as productId, count(*) as comments, count(distinct c.viewer_id) as askers,
      count(distinct case when ${answered} then c.viewer_id end) as answeredAskers
    from live_comments c left join live_questions q on q.room_id = c.room_id and q.key = c.question_key
    where ${inRange} and c.kind = 'question'
    group by c.question_key order by askers desc, comments desc, key limit ${TOP}`);
  const [answers] = await db.all<{ rounds: number; mentions: number; pins: number }>(sql`
    select coalesce(sum(type = 'room.answer'), 0) as rounds,
      coalesce(sum(case when type = 'room.answer' then mentions else 0 end), 0) as mentions,
      coalesce(sum(type = 'room.pin'), 0) as pins
    from live_replies where room_id = ${room.id} and created_at >= ${from} and created_at <= ${to}`);

  const t = totals ?? {
    comments: 0,
    questions: 0,
    filler: 0,
    chat: 0,
    escalations: 0,
    viewers: 0,
    answered: 0,
  };
  return {
    channel: room.channel,
    roomId: room.platformRoomId,
    from: range.from === undefined ? null : iso(range.from),
    to: range.to === undefined ? null : iso(range.to),
    totals: {
      comments: t.comments,
      questions: t.questions,
      filler: t.filler,
      chat: t.chat,
      escalations: t.escalations,
      viewers: t.viewers,
      answeredQuestions: t.answered,
    },
    questionShare: t.comments ? t.questions / t.comments : 0,
    answeredShare: t.questions ? t.answered / t.questions : 0,
    perMinute: perMinute.map((m) => ({
      minute: iso(m.minute * 60_000),
      comments: m.comments,
      questions: m.questions,
    })),
    topQuestions: top.map((q) => ({ ...q, label: q.label ?? q.key })),
    answers: answers ?? { rounds: 0, mentions: 0, pins: 0 },
  };
}
