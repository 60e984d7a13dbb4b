import type { LiveHotSettings, LiveWindowCounts } from '@threadline/sdk-core/protocol';
import type { CommentKind, LiveQuestionInfo } from './comment-reader';

/** The longest window kept: 15 minutes, in seconds. */
export const WINDOW_SEC = 900;
const WINDOWS = { m1: 60, m5: 300, m15: 900 } as const;
/** A question rises when it qualifies over the last 10 seconds or the last minute. */
const RISE_SEC = 10;
/** Once hot, a question stays hot while it keeps this share of the bars (so it does not flicker). */
const STAY_HOT = 0.8;
const EXAMPLES = 3;

/** A comment as the windows take it in: after its batch committed, or from the log on a rebuild. */
export interface WindowComment {
  seq: number;
  viewerId: string;
  customerId: string;
  nickname: string | null;
  text: string;
  at: number;
  kind: CommentKind;
  questionKey: string | null;
  messageId: string | null;
}

/** The spans every series keeps a running sum for: rise, 1, 5 and 15 minutes (seconds). */
const SPAN_SEC = [RISE_SEC, WINDOWS.m1, WINDOWS.m5, WINDOWS.m15] as const;

/**
 * Per-second counts over the last 15 minutes, sparse (a second without comments takes no room),
 * with a running sum per span: a view costs O(1) per question however busy the room, and the
 * sums move forward as time does. Seconds are kept in ascending order; a comment a little out of
 * order lands in its own second. `heads[k]` is the first entry inside span k as of `lastSec`.
 */
class SecondSeries {
  private secs: number[] = [];
  private counts: number[] = [];
  private readonly heads = SPAN_SEC.map(() => 0);
  private readonly totals = SPAN_SEC.map(() => 0);
  private lastSec = Number.NEGATIVE_INFINITY;

  add(sec: number, n: number): void {
    let lo = 0;
    let hi = this.secs.length;
    // Nearly always the last second or a new one after it.
    if (hi > 0 && this.secs[hi - 1]! <= sec) lo = hi - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.secs[mid]! < sec) lo = mid + 1;
      else hi = mid;
    }
    if (this.secs[lo] === sec) {
      this.counts[lo]! += n;
      for (let k = 0; k < SPAN_SEC.length; k++) if (lo >= this.heads[k]!) this.totals[k]! += n;
      return;
    }
    this.secs.splice(lo, 0, sec);
    this.counts.splice(lo, 0, n);
    for (let k = 0; k < SPAN_SEC.length; k++) {
      // Inserted before a span's first entry: older than that span, so it shifts the head instead.
      if (lo < this.heads[k]! || sec <= this.lastSec - SPAN_SEC[k]!) this.heads[k]!++;
      else this.totals[k]! += n;
    }
  }

  /** Sums over the spans [10 s, 1 min, 5 min, 15 min] ending with `nowSec` (inclusive). */
  sums(nowSec: number): readonly number[] {
    if (nowSec > this.lastSec) {
      for (let k = 0; k < SPAN_SEC.length; k++) {
        const floor = nowSec - SPAN_SEC[k]!;
        let head = this.heads[k]!;
        while (head < this.secs.length && this.secs[head]! <= floor) this.totals[k]! -= this.counts[head++]!;
        this.heads[k] = head;
      }
      this.lastSec = nowSec;
    }
    return this.totals;
  }

  /** Drops the seconds older than the longest span (as of the last `sums`). */
  prune(): void {
    const drop = this.heads[SPAN_SEC.length - 1]!;
    if (drop === 0) return;
    this.secs = this.secs.slice(drop);
    this.counts = this.counts.slice(drop);
    for (let k = 0; k < SPAN_SEC.length; k++) this.heads[k]! -= drop;
  }
}

export interface Asker {
  sec: number;
  at: number;
  customerId: string;
  nickname: string | null;
  messageId: string | null;
}

/**
 * Distinct viewers per window: each viewer counts in the second of their latest ask, so the sum
 * over a window is the number of viewers who asked within it.
 */
class AskerSet {
  readonly last = new Map<string, Asker>();
  private readonly series = new SecondSeries();

  ask(viewerId: string, asker: Asker): void {
    const previous = this.last.get(viewerId);
    if (previous) {
      if (asker.sec < previous.sec) return;
      this.series.add(previous.sec, -1);
      asker.nickname ??= previous.nickname;
      // A repeat ask adds no timeline message: the room answer replies to the first.
      asker.messageId ??= previous.messageId;
    }
    this.series.add(asker.sec, 1);
    this.last.set(viewerId, asker);
  }

  sums(nowSec: number): readonly number[] {
    return this.series.sums(nowSec);
  }

  prune(nowSec: number): void {
    this.series.sums(nowSec);
    this.series.prune();
    for (const [viewerId, asker] of this.last)
      if (nowSec - asker.sec >= WINDOW_SEC) this.last.delete(viewerId);
  }
}

export interface QuestionState {
  info: LiveQuestionInfo;
  comments: SecondSeries;
  askers: AskerSet;
  /** Viewers @-mentioned in a room answer to this question, and when (ms). */
  answered: Map<string, number>;
  /** Viewers who asked and have not been answered within the window (checked again when read). */
  pending: Set<string>;
  examples: string[];
  hotSince: number | null;
  lastHotAt: number | null;
  rounds: number;
  lastRoundAt: number | null;
}

export interface HotQuestionView {
  info: LiveQuestionInfo;
  counts: LiveWindowCounts;
  askers: LiveWindowCounts;
  examples: string[];
  hot: boolean;
  hotSince: number | null;
  answeredAskers: number;
  waiting: number;
  rounds: number;
  lastRoundAt: number | null;
}

export interface RoomView {
  asOf: number;
  totals: {
    comments: LiveWindowCounts;
    questions: LiveWindowCounts;
    filler: LiveWindowCounts;
    ingested: number;
  };
  questions: HotQuestionView[];
}

/** The 1/5/15-minute figures out of a series' sums (which lead with the 10-second rise span). */
const toCounts = (sums: readonly number[]): LiveWindowCounts => ({
  m1: sums[1]!,
  m5: sums[2]!,
  m15: sums[3]!,
});

/**
 * One room's sliding windows (the last 1, 5 and 15 minutes, to the second: a window of N
 * seconds at time T counts comments whose second is one of the N seconds ending with T's) over
 * comments, questions and their askers, and which questions are hot. Pure state: fed in commit
 * order, asked for views at a time; no I/O.
 *
 * A question is hot when, over the last 10 seconds or the last minute, at least `minAskers`
 * distinct viewers asked it and they are at least `minShare` of the viewers who asked anything in
 * that span — and it is among the `maxHot` of those most asked in the last 10 seconds. Once hot,
 * it stays hot while it keeps 80% of both bars, so a question does not flicker at the edge.
 */
export class RoomWindow {
  readonly questions = new Map<string, QuestionState>();
  private readonly comments = new SecondSeries();
  private readonly questionComments = new SecondSeries();
  private readonly filler = new SecondSeries();
  private readonly questionAskers = new AskerSet();
  /** Comments of the room since it opened. */
  ingested = 0;
  /**
   * Everything at or below this log sequence number is counted (set by a rebuild from the log:
   * every comment up to the highest it read had committed by then). Above it, comments are
   * counted by their own sequence numbers: notices from several processes arrive in any order, so
   * a high-water mark would drop a batch whose notice came after a later one's.
   */
  appliedThrough = 0;
  private readonly applied = new Set<number>();
  /**
   * Applied sequence numbers and their seconds (two parallel number arrays, arrival order), to
   * forget them with the window. Numbers, not an object per comment: a flood keeps some 200,000 of
   * them for 16 minutes, and objects that live that long are copied by every young-generation GC
   * until they are promoted, then marked by every full one.
   */
  private appliedSeqs: number[] = [];
  private appliedSecs: number[] = [];
  private lastPrune = 0;

  /** Registers what a question key stands for, before its comments are applied. */
  know(info: LiveQuestionInfo, round?: { rounds: number; lastRoundAt: number | null }): QuestionState {
    let state = this.questions.get(info.key);
    if (!state) {
      state = {
        info,
        comments: new SecondSeries(),
        askers: new AskerSet(),
        answered: new Map(),
        pending: new Set(),
        examples: [],
        hotSince: null,
        lastHotAt: null,
        rounds: round?.rounds ?? 0,
        lastRoundAt: round?.lastRoundAt ?? null,
      };
      this.questions.set(info.key, state);
    }
    return state;
  }

  /** Takes in committed comments in log order; ones already applied (by sequence number) are skipped. */
  apply(comments: readonly WindowComment[]): void {
    for (const c of comments) {
      if (c.seq <= this.appliedThrough || this.applied.has(c.seq)) continue;
      const sec = Math.floor(c.at / 1000);
      this.applied.add(c.seq);
      this.appliedSeqs.push(c.seq);
      this.appliedSecs.push(sec);
      this.ingested++;
      this.comments.add(sec, 1);
      if (c.kind === 'filler') this.filler.add(sec, 1);
      if (c.kind !== 'question' || !c.questionKey) continue;
      this.questionComments.add(sec, 1);
      const asker: Asker = {
        sec,
        at: c.at,
        customerId: c.customerId,
        nickname: c.nickname,
        messageId: c.messageId,
      };
      this.questionAskers.ask(c.viewerId, { ...asker });
      // Keys are registered before their comments are applied; an unknown one is skipped.
      const question = this.questions.get(c.questionKey);
      if (!question) continue;
      question.comments.add(sec, 1);
      question.askers.ask(c.viewerId, asker);
      const answeredAt = question.answered.get(c.viewerId);
      // A second ask within the window of their answer gets no repeat.
      if (answeredAt === undefined || c.at - answeredAt >= WINDOW_SEC * 1000)
        question.pending.add(c.viewerId);
      if (!question.examples.includes(c.text)) {
        question.examples.unshift(c.text);
        if (question.examples.length > EXAMPLES) question.examples.length = EXAMPLES;
      }
    }
  }

  /** Whether the viewer already asked this question within the window before `at`. */
  hasAsked(questionKey: string, viewerId: string, at: number): boolean {
    const asker = this.questions.get(questionKey)?.askers.last.get(viewerId);
    return asker !== undefined && Math.floor(at / 1000) - asker.sec < WINDOW_SEC;
  }

  /** Marks viewers as answered for a question: a room answer @-mentioned them at `at`. */
  markAnswered(questionKey: string, viewerIds: readonly string[], at: number, round?: number): void {
    const question = this.questions.get(questionKey);
    if (!question) return;
    for (const viewerId of viewerIds) {
      if ((question.answered.get(viewerId) ?? Number.NEGATIVE_INFINITY) < at)
        question.answered.set(viewerId, at);
      question.pending.delete(viewerId);
    }
    if (round !== undefined) {
      question.rounds = Math.max(question.rounds, round);
      question.lastRoundAt = Math.max(question.lastRoundAt ?? 0, at);
    }
  }

  /** Viewers who asked within the window and were not answered within it, oldest ask first. */
  waiting(questionKey: string, now: number): { viewerId: string; asker: Asker }[] {
    const question = this.questions.get(questionKey);
    if (!question) return [];
    const out: { viewerId: string; asker: Asker }[] = [];
    this.eachWaiting(question, now, (viewerId, asker) => out.push({ viewerId, asker }));
    return out.sort((a, b) => a.asker.at - b.asker.at);
  }

  private eachWaiting(
    question: QuestionState,
    now: number,
    visit: (viewerId: string, asker: Asker) => void,
  ): void {
    const nowSec = Math.floor(now / 1000);
    for (const viewerId of question.pending) {
      const asker = question.askers.last.get(viewerId);
      if (!asker || nowSec - asker.sec >= WINDOW_SEC || asker.sec > nowSec) continue;
      const answeredAt = question.answered.get(viewerId);
      if (answeredAt !== undefined && now - answeredAt < WINDOW_SEC * 1000) continue;
      visit(viewerId, asker);
    }
  }

  private anyWaiting(question: QuestionState, now: number): boolean {
    let any = false;
    this.eachWaiting(question, now, () => {
      any = true;
    });
    return any;
  }

  /** Re-judges which questions are hot as of `now` and returns the room's view. */
  view(now: number, settings: LiveHotSettings): RoomView {
    const nowSec = Math.floor(now / 1000);
    if (nowSec - this.lastPrune >= 30) this.prune(nowSec);
    const [roomRise, roomMinute] = this.questionAskers.sums(nowSec);
    const qualifies = (askers: number, room: number, scale: number) =>
      askers >= Math.max(1, settings.minAskers * scale) && askers >= settings.minShare * scale * room;

    // Which questions qualify, and of those the most asked in the last 10 seconds are hot.
    const judged: { question: QuestionState; sums: readonly number[]; rise: number }[] = [];
    for (const question of this.questions.values()) {
      const [rise, m1] = question.askers.sums(nowSec);
      const qualified =
        question.hotSince !== null
          ? qualifies(m1!, roomMinute!, STAY_HOT) || qualifies(rise!, roomRise!, STAY_HOT)
          : qualifies(rise!, roomRise!, 1) || qualifies(m1!, roomMinute!, 1);
      if (qualified) judged.push({ question, sums: question.askers.sums(nowSec), rise: rise! });
      else {
        question.hotSince = null;
      }
    }
    judged.sort(
      (a, b) =>
        b.rise - a.rise || b.sums[1]! - a.sums[1]! || a.question.info.key.localeCompare(b.question.info.key),
    );
    judged.forEach(({ question }, rank) => {
      if (rank < settings.maxHot) {
        question.hotSince ??= now;
        question.lastHotAt = now;
      } else question.hotSince = null;
    });

    const views: HotQuestionView[] = [];
    for (const question of this.questions.values()) {
      const counts = toCounts(question.comments.sums(nowSec));
      if (counts.m15 === 0) continue;
      const [, m1, m5, m15] = question.askers.sums(nowSec);
      let answeredAskers = 0;
      for (const at of question.answered.values()) if (now - at < WINDOW_SEC * 1000) answeredAskers++;
      views.push({
        info: question.info,
        counts,
        askers: { m1: m1!, m5: m5!, m15: m15! },
        examples: [...question.examples],
        hot: question.hotSince !== null,
        hotSince: question.hotSince,
        answeredAskers,
        // Exact but for asks that left the window since the last prune (at most 30 s ago).
        waiting: question.pending.size,
        rounds: question.rounds,
        lastRoundAt: question.lastRoundAt,
      });
    }
    views.sort(
      (a, b) =>
        Number(b.hot) - Number(a.hot) ||
        b.askers.m1 - a.askers.m1 ||
        b.askers.m5 - a.askers.m5 ||
        b.askers.m15 - a.askers.m15 ||
        a.info.key.localeCompare(b.info.key),
    );
    return {
      asOf: now,
      totals: {
        comments: toCounts(this.comments.sums(nowSec)),
        questions: toCounts(this.questionComments.sums(nowSec)),
        filler: toCounts(this.filler.sums(nowSec)),
        ingested: this.ingested,
      },
      questions: views.slice(0, settings.maxListed),
    };
  }

  /**
   * Questions due an answer round: they have an answer, were hot within the window, have viewers
   * waiting, and their last round is at least `intervalMs` old. Judge hotness with `view` first.
   */
  dueForAnswer(now: number, intervalMs: number): QuestionState[] {
    const due: QuestionState[] = [];
    for (const question of this.questions.values()) {
      if (!question.info.answer || question.lastHotAt === null) continue;
      if (now - question.lastHotAt >= WINDOW_SEC * 1000) continue;
      if (question.lastRoundAt !== null && now - question.lastRoundAt < intervalMs) continue;
      if (question.pending.size === 0 || !this.anyWaiting(question, now)) continue;
      due.push(question);
    }
    return due;
  }

  private prune(nowSec: number): void {
    this.lastPrune = nowSec;
    // A comment older than the window cannot come again but in a rebuild, which sets the floor.
    const seqs = this.appliedSeqs;
    const secs = this.appliedSecs;
    let kept = 0;
    for (let i = 0; i < seqs.length; i++) {
      if (nowSec - secs[i]! < WINDOW_SEC + 60) {
        seqs[kept] = seqs[i]!;
        secs[kept] = secs[i]!;
        kept++;
      } else this.applied.delete(seqs[i]!);
    }
    seqs.length = kept;
    secs.length = kept;
    for (const series of [this.comments, this.questionComments, this.filler]) {
      series.sums(nowSec);
      series.prune();
    }
    this.questionAskers.prune(nowSec);
    for (const [key, question] of this.questions) {
      question.comments.sums(nowSec);
      question.comments.prune();
      question.askers.prune(nowSec);
      for (const [viewerId, at] of question.answered) {
        if (nowSec * 1000 - at >= WINDOW_SEC * 1000) question.answered.delete(viewerId);
      }
      for (const viewerId of question.pending) {
        const asker = question.askers.last.get(viewerId);
        if (!asker || nowSec - asker.sec >= WINDOW_SEC) question.pending.delete(viewerId);
      }
      // Quiet for the whole window: forgotten (the key is registered again when it is asked again).
      if (question.askers.last.size === 0 && question.answered.size === 0 && question.hotSince === null) {
        this.questions.delete(key);
      }
    }
  }
}
