import type {
  ArticleDraftAnswer,
  EmergingAnswer,
  HighValueAnswer,
  IntentTrendsAnswer,
  MetricsAnswer,
} from '@threadline/sdk-core/protocol';
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ConsoleApiError } from './api';
import { FollowUpEffectCard } from './follow-up-effect';
import { channelName } from './format';
import type { Lang } from './i18n';
import type { ConsoleStore } from './store';

/**
 * The insights page (supervisors): what customers keep asking, per channel, and whether they still
 * repeat themselves. Charts are plain SVG drawn here — a few dozen lines each, no chart library in
 * the bundle, nothing fetched from a CDN, so the page works offline like the rest of the console.
 */

const TEXT = {
  en: {
    title: 'Insights',
    period: 'Period',
    day: 'Days',
    week: 'Weeks',
    month: 'Months',
    conversations: 'Conversations',
    aiShare: 'Answered by AI alone',
    escalation: 'Escalated to a person',
    repeat: 'Repeat contacts',
    repeatHint: 'same customer, same intent again within 72 h',
    withoutContext: 'without the first one’s context',
    firstResponse: 'First response p50 / p90',
    firstResponseHint: 'bot or agent, whoever answers first',
    humanFirstResponse: 'Human first response p50 / p90',
    toAgent: 'Escalation → agent p50 / p90',
    continuation: 'Handoff codes claimed',
    tickets: 'Tickets opened / closed',
    csat: 'CSAT',
    volume: 'Conversations per channel',
    aiOverTime: 'AI share over time',
    repeatOverTime: 'Repeat-contact rate over time',
    repeatAll: 'all repeats',
    repeatNoContext: 'without context',
    topIntents: 'Top intents',
    rising: 'rising',
    // Each need's row says which windows it compares (last 7 days against the 7 before).
    emerging: 'Emerging needs: questions not answered well',
    noEmerging: 'No unanswered questions lately.',
    makeArticle: 'Make an article',
    draftTitle: 'Article draft',
    draftHint: 'Write the answer, then POST this body to /v1/kb/articles with your secret key.',
    copy: 'Copy JSON',
    highValue: 'High-value customers',
    segment: 'Segment',
    vip: 'VIP',
    large_cart: 'Large cart',
    repeat_buyer: 'Repeat buyers',
    other: 'Everyone else',
    customers: 'Customers',
    export: 'CSV',
    loading: 'Loading…',
    lastWeek: 'last 7 days',
    before: 'the 7 before',
    // {t}: the app's local time (HH:mm, with the date when not today); {n}: rows not counted yet.
    asOf: 'Figures as of {t}',
    counting: 'Figures as of {t} — {n} more still being counted',
    refresh: 'Refresh',
  },
  'zh-CN': {
    title: '洞察',
    period: '周期',
    day: '按天',
    week: '按周',
    month: '按月',
    conversations: '会话',
    aiShare: 'AI 独立解决',
    escalation: '转人工',
    repeat: '重复咨询',
    repeatHint: '同一顾客 72 小时内再次问同一件事',
    withoutContext: '没有带上前一次的上下文',
    firstResponse: '首次响应 p50 / p90',
    firstResponseHint: '机器人或人工，谁先答复都算',
    humanFirstResponse: '人工首次响应 p50 / p90',
    toAgent: '转人工 → 接入 p50 / p90',
    continuation: '接力码被使用',
    tickets: '工单 新建 / 关闭',
    csat: '满意度',
    volume: '各渠道会话量',
    aiOverTime: 'AI 解决占比趋势',
    repeatOverTime: '重复咨询率趋势',
    repeatAll: '全部重复',
    repeatNoContext: '无上下文',
    topIntents: '热门意图',
    rising: '上升',
    emerging: '新出现的需求：未答好的问题',
    noEmerging: '最近没有未答好的问题。',
    makeArticle: '生成文章',
    draftTitle: '文章草稿',
    draftHint: '写好答案后，用密钥 POST 到 /v1/kb/articles。',
    copy: '复制 JSON',
    highValue: '高价值顾客',
    segment: '分组',
    vip: 'VIP',
    large_cart: '大额购物车',
    repeat_buyer: '复购顾客',
    other: '其他顾客',
    customers: '顾客',
    export: 'CSV',
    loading: '加载中…',
    lastWeek: '近 7 天',
    before: '前 7 天',
    asOf: '数据截至 {t}',
    counting: '数据截至 {t}，还有 {n} 条在统计中',
    refresh: '刷新',
  },
} satisfies Record<Lang, Record<string, string>>;
type Text = (typeof TEXT)['en'];

/** One colour per channel (and a text label beside every colour, never colour alone). */
const PALETTE = ['#1d4ed8', '#0f9d76', '#d97706', '#9333ea', '#dc2626', '#0891b2', '#65a30d', '#db2777'];

const pct = (v: number | null | undefined) =>
  v === null || v === undefined ? '—' : `${Math.round(v * 1000) / 10}%`;
const dur = (ms: number | null) => {
  if (ms === null) return '—';
  // Whole seconds are what a person reads here; the bot answers inside the shopper's own request.
  if (ms < 1000) return '< 1 s';
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  if (ms < 3600_000) return `${Math.round(ms / 6000) / 10} min`;
  return `${Math.round(ms / 360_000) / 10} h`;
};
/** p50 / p90 of a duration, as the KPIs and the table show it. */
const spread = (ms: { p50: number | null; p90: number | null }) =>
  ms.p50 !== null && ms.p90 !== null && ms.p90 < 1000 ? dur(ms.p90) : `${dur(ms.p50)} / ${dur(ms.p90)}`;
const shortDate = (label: string, period: string) =>
  period === 'month' ? label.slice(0, 7) : label.slice(5);

/**
 * While the rollups are behind (`behind > 0`: after an upgrade, or a burst the background fold has
 * not reached), the page reads again by itself: after 3 s, then doubling up to 30 s, at most
 * `SELF_REFRESHES` times (about 8 minutes), and never once the page is left. After that the
 * freshness line offers a button instead: a forgotten tab does not poll forever.
 */
const SELF_REFRESHES = 20;
const refreshDelay = (round: number) => Math.min(30_000, 3_000 * 2 ** round);

/**
 * When an instant was, in the app's zone (not the browser's): "14:05" today, "11-28 14:05" else.
 * The API's `asOf` is the earliest stored time not counted yet — a supervisor reads it on a clock.
 */
function clockTime(iso: string, timeZone: string): string {
  const part = (at: Date, o: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat('en-CA', { timeZone, ...o }).format(at);
  const at = new Date(iso);
  const day = (d: Date) => part(d, { year: 'numeric', month: '2-digit', day: '2-digit' });
  const time = part(at, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return day(at) === day(new Date()) ? time : `${day(at).slice(5)} ${time}`;
}

/** How current the page's figures are: the oldest `asOf` and the largest `behind` of its answers. */
function freshnessOf(answers: { asOf: string; behind: number }[]) {
  return {
    asOf: answers.map((a) => a.asOf).sort()[0]!,
    behind: Math.max(...answers.map((a) => a.behind)),
  };
}

interface Data {
  metrics: MetricsAnswer;
  /** The same window as one period: the headline figures (percentiles do not add up across days). */
  whole: MetricsAnswer;
  intents: IntentTrendsAnswer;
  emerging: EmergingAnswer;
  highValue: HighValueAnswer;
  /** The query each table was read with: its CSV asks for the same. */
  queries: Record<string, string>;
}

export function InsightsView({ store }: { store: ConsoleStore }) {
  const api = store.state.api!;
  const t: Text = TEXT[store.state.lang];
  const s = store.t();
  const [period, setPeriod] = useState<'day' | 'week' | 'month'>('day');
  /** Reads since the period was chosen that the page made by itself (the figures were behind). */
  const [round, setRound] = useState(0);
  const [data, setData] = useState<Data | null>(null);
  const [draft, setDraft] = useState<ArticleDraftAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fail = (e: unknown) => setError(e instanceof ConsoleApiError ? e.message : String(e));

  useEffect(() => {
    let stale = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Dates are the app's local dates, never the browser's or UTC (at 07:00 in Shanghai UTC still
    // says yesterday): the API's default window is the 30 days up to the app's today, in its zone.
    void api
      .get<MetricsAnswer>('/v1/insights/metrics?period=all')
      .then(({ periods, timeZone }) => {
        const [y, m, d] = periods[0]!.split('-').map(Number) as [number, number, number];
        // Calendar arithmetic in UTC, so no DST hour slips in.
        const daysAgo = (n: number) => new Date(Date.UTC(y, m - 1, d + 29 - n)).toISOString().slice(0, 10);
        const tz = `timeZone=${encodeURIComponent(timeZone)}`;
        const window = `since=${daysAgo(period === 'day' ? 29 : period === 'week' ? 83 : 364)}&until=${daysAgo(0)}&${tz}`;
        // What each table on the page is read with (the route is the table's name): its CSV asks the same.
        const queries: Record<string, string> = {
          metrics: `period=${period}&${window}`,
          // Rising is judged week on week, over the last 8 whole weeks up to yesterday.
          intents: `period=week&since=${daysAgo(56)}&until=${daysAgo(1)}&${tz}`,
          emerging: 'windowDays=7&limit=8',
          // How each segment was served over the last 30 days (the API's default window).
          'high-value': tz,
        };
        return Promise.all([
          ...Object.entries(queries).map(([table, q]) => api.get(`/v1/insights/${table}?${q}`)),
          api.get(`/v1/insights/metrics?period=all&${window}`),
        ]).then(([metrics, intents, emerging, highValue, whole]) => {
          if (stale) return;
          const next = { metrics, whole, intents, emerging, highValue, queries } as Data;
          setData(next);
          if (
            freshnessOf([next.metrics, next.whole, next.intents, next.highValue]).behind > 0 &&
            round < SELF_REFRESHES
          )
            timer = setTimeout(() => setRound(round + 1), refreshDelay(round));
        });
      })
      .catch(fail);
    // Leaving the page (or choosing another period) ends the self-refresh.
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [period, round]);

  /** The CSV of a table for exactly what the page shows; an error answer shows, never saved. */
  const download = (table: string) =>
    api.get<string>(`/v1/insights/export/${table}?${data!.queries[table]}`).then((csv) => {
      const a = document.createElement('a');
      // The BOM (so spreadsheets read Chinese right) is put back: reading the text dropped it.
      a.href = URL.createObjectURL(new Blob(['\uFEFF', csv]));
      a.download = `threadline-${table}.csv`;
      a.click();
      // Revoked later, not at once: a browser may read the blob after click() returns.
      setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
    }, fail);
  const makeArticle = (id: string) =>
    api.get<ArticleDraftAnswer>(`/v1/insights/emerging/${id}/article?windowDays=7`).then(setDraft, fail);

  if (!data)
    return (
      <section class="insights" aria-busy={!error}>
        <p role={error ? 'alert' : undefined}>{error ?? t.loading}</p>
      </section>
    );
  const { metrics, intents, emerging, highValue } = data;
  const totals = metrics.rows.filter((r) => r.channel === null);
  const channels = [...new Set(metrics.rows.flatMap((r) => (r.channel ? [r.channel] : [])))];
  const all = data.whole.rows.find((r) => r.channel === null)!;
  const ratio = (a: number, b: number) => (b ? a / b : null);
  const fresh = freshnessOf([metrics, data.whole, intents, highValue]);
  const freshLine = (fresh.behind > 0 ? t.counting : t.asOf)
    .replace('{t}', clockTime(fresh.asOf, metrics.timeZone))
    .replace('{n}', fresh.behind.toLocaleString(store.state.lang));

  return (
    <section class="insights" aria-label={t.title}>
      <header class="ins-head">
        <h1>{t.title}</h1>
        <fieldset class="ins-period">
          <legend class="sr">{t.period}</legend>
          {(['day', 'week', 'month'] as const).map((p) => (
            <button
              type="button"
              aria-pressed={period === p}
              data-period={p}
              onClick={() => {
                setPeriod(p);
                setRound(0);
              }}
            >
              {t[p]}
            </button>
          ))}
        </fieldset>
        <span class="ins-zone">
          {metrics.periods[0]} → {metrics.periods.at(-1)} · {metrics.timeZone}
        </span>
        <p class="ins-fresh" role="status" data-part="freshness" data-behind={fresh.behind}>
          {freshLine}
          {fresh.behind > 0 && round >= SELF_REFRESHES && (
            <button type="button" onClick={() => setRound(0)}>
              {t.refresh}
            </button>
          )}
        </p>
      </header>

      {error && (
        <p class="ins-error" role="alert">
          {error}
        </p>
      )}
      <div class="ins-kpis" data-part="kpis">
        <Kpi label={t.conversations} value={String(all.conversations)} />
        <Kpi label={t.aiShare} value={pct(all.aiShare)} />
        <Kpi label={t.escalation} value={pct(all.escalationRate)} />
        <Kpi
          label={t.repeat}
          value={pct(all.repeatRate)}
          note={`${t.repeatHint} · ${pct(ratio(all.repeatWithoutContext, all.contacts))} ${t.withoutContext}`}
          strong
        />
        <Kpi label={t.firstResponse} value={spread(all.firstResponseMs)} note={t.firstResponseHint} />
        <Kpi label={t.humanFirstResponse} value={spread(all.humanFirstResponseMs)} />
        <Kpi label={t.toAgent} value={spread(all.escalationToAgentMs)} />
        <Kpi
          label={t.continuation}
          value={pct(all.continuationRate)}
          note={`${all.handoffsClaimed} / ${all.handoffsCreated}`}
        />
        <Kpi label={t.tickets} value={`${all.ticketsOpened} / ${all.ticketsClosed}`} />
        <Kpi
          label={t.csat}
          value={all.csatAverage === null ? '—' : all.csatAverage.toFixed(2)}
          note={`n = ${all.csatResponses}`}
        />
      </div>

      <div class="ins-grid">
        <Card title={t.volume} onExport={() => download('metrics')} exportLabel={t.export}>
          <StackedBars
            labels={metrics.periods.map((p) => shortDate(p, metrics.period))}
            series={channels.map((c, i) => ({
              name: channelName(s, c),
              color: PALETTE[i % PALETTE.length]!,
              values: metrics.periods.map(
                (p) => metrics.rows.find((r) => r.period === p && r.channel === c)?.conversations ?? 0,
              ),
            }))}
          />
        </Card>
        <Card title={t.aiOverTime}>
          <Lines
            labels={metrics.periods.map((p) => shortDate(p, metrics.period))}
            percent
            series={[{ name: t.aiShare, color: PALETTE[1]!, values: totals.map((r) => r.aiShare) }]}
          />
        </Card>
        <Card title={t.repeatOverTime}>
          <Lines
            labels={metrics.periods.map((p) => shortDate(p, metrics.period))}
            percent
            series={[
              { name: t.repeatAll, color: PALETTE[2]!, values: totals.map((r) => r.repeatRate) },
              {
                name: t.repeatNoContext,
                color: PALETTE[4]!,
                values: totals.map((r) => (r.contacts ? r.repeatWithoutContext / r.contacts : null)),
              },
            ]}
          />
        </Card>
        <Card title={t.topIntents} onExport={() => download('intents')} exportLabel={t.export}>
          <IntentBars trends={intents} names={store.state.intentNames} t={t} />
        </Card>
      </div>

      <Card title={t.emerging} onExport={() => download('emerging')} exportLabel={t.export}>
        {emerging.clusters.length === 0 ? (
          <p class="ins-empty">{t.noEmerging}</p>
        ) : (
          <ol class="ins-clusters">
            {emerging.clusters.map((c) => (
              <li data-part="cluster" data-rising={String(c.rising)}>
                <div class="ins-cluster-head">
                  <b>{c.label}</b>
                  {c.rising && <span class="ins-rising">▲ {t.rising}</span>}
                  <span class="ins-count">
                    {t.lastWeek} <b>{c.recent}</b> · {t.before} {c.previous}
                  </span>
                  <button type="button" data-action="make-article" onClick={() => makeArticle(c.id)}>
                    {t.makeArticle}
                  </button>
                </div>
                <GrowthBar recent={c.recent} previous={c.previous} />
                <p class="ins-samples">
                  {c.samples.map((q) => (
                    <q>{q}</q>
                  ))}
                </p>
                <p class="ins-chips">
                  {Object.entries(c.channels).map(([ch, n]) => (
                    <span>
                      {channelName(s, ch)} {n}
                    </span>
                  ))}
                  {c.nearestIntent && (
                    <span>≈ {store.state.intentNames[c.nearestIntent] ?? c.nearestIntent}</span>
                  )}
                </p>
              </li>
            ))}
          </ol>
        )}
      </Card>

      <Card title={t.highValue} onExport={() => download('high-value')} exportLabel={t.export}>
        <table class="ins-table">
          <thead>
            <tr>
              <th>{t.segment}</th>
              <th>{t.customers}</th>
              <th>{t.conversations}</th>
              <th>{t.aiShare}</th>
              <th>{t.escalation}</th>
              <th>{t.toAgent}</th>
              <th>{t.csat}</th>
            </tr>
          </thead>
          <tbody>
            {highValue.segments.map((row) => (
              <tr>
                <th>{t[row.segment]}</th>
                <td>{row.customers}</td>
                <td>{row.conversations}</td>
                <td>{pct(ratio(row.aiAnswered, row.conversations))}</td>
                <td>{pct(ratio(row.escalated, row.conversations))}</td>
                <td>{spread(row.escalationToAgentMs)}</td>
                <td>{row.csatAverage ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>

      <FollowUpEffectCard store={store} />

      {draft && (
        <div class="ins-dialog" role="dialog" aria-modal="true" aria-label={t.draftTitle}>
          <div>
            <h2>{t.draftTitle}</h2>
            <p>{t.draftHint}</p>
            <textarea readOnly rows={12} data-part="draft">
              {JSON.stringify(draft.draft, null, 2)}
            </textarea>
            <footer>
              <button
                type="button"
                onClick={() => void navigator.clipboard?.writeText(JSON.stringify(draft.draft, null, 2))}
              >
                {t.copy}
              </button>
              <button type="button" onClick={() => setDraft(null)}>
                {s.close}
              </button>
            </footer>
          </div>
        </div>
      )}
    </section>
  );
}

function Kpi(props: { label: string; value: string; note?: string; strong?: boolean }) {
  return (
    <div class={`ins-kpi ${props.strong ? 'ins-kpi-strong' : ''}`}>
      <span>{props.label}</span>
      <b>{props.value}</b>
      {props.note && <small>{props.note}</small>}
    </div>
  );
}

function Card(props: {
  title: string;
  children: ComponentChildren;
  onExport?: () => void;
  exportLabel?: string;
}) {
  return (
    <section class="ins-card">
      <header>
        <h2>{props.title}</h2>
        {props.onExport && (
          <button type="button" class="ins-export" onClick={props.onExport}>
            ⇩ {props.exportLabel}
          </button>
        )}
      </header>
      {props.children}
    </section>
  );
}

const W = 520;
const H = 200;
const PAD = { left: 36, right: 8, top: 10, bottom: 24 };
/** The plot's height, and the width of one period's slot along x. */
const PLOT_H = H - PAD.top - PAD.bottom;
const stepOf = (labels: string[]) => (W - PAD.left - PAD.right) / Math.max(1, labels.length);

interface Series {
  name: string;
  color: string;
  values: (number | null)[];
}

function Legend({ series }: { series: Series[] }) {
  return (
    <p class="ins-legend">
      {series.map((x) => (
        <span>
          <i style={{ background: x.color }} />
          {x.name}
        </span>
      ))}
    </p>
  );
}

/** Which x labels to print: about eight, evenly spaced. */
const every = (n: number) => Math.max(1, Math.ceil(n / 8));

function Axis({ labels, max, percent }: { labels: string[]; max: number; percent?: boolean }) {
  const step = stepOf(labels);
  const ticks = [0, 0.5, 1];
  return (
    <g class="ins-axis">
      {ticks.map((f) => {
        const y = PAD.top + (1 - f) * PLOT_H;
        return (
          <g>
            <line x1={PAD.left} x2={W - PAD.right} y1={y} y2={y} />
            <text x={PAD.left - 4} y={y + 4} text-anchor="end">
              {percent ? `${Math.round(f * max * 100)}%` : Math.round(f * max)}
            </text>
          </g>
        );
      })}
      {labels.map((l, i) =>
        i % every(labels.length) === 0 ? (
          <text x={PAD.left + step * (i + 0.5)} y={H - 6} text-anchor="middle">
            {l}
          </text>
        ) : null,
      )}
    </g>
  );
}

function StackedBars({ labels, series }: { labels: string[]; series: Series[] }) {
  const totals = labels.map((_, i) => series.reduce((a, x) => a + (x.values[i] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const step = stepOf(labels);
  const scale = (v: number) => (v / max) * PLOT_H;
  return (
    <figure>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        data-chart="volume"
        aria-label={series.map((x) => x.name).join(', ')}
      >
        <Axis labels={labels} max={max} />
        {labels.map((label, i) => {
          let y = H - PAD.bottom;
          return (
            <g>
              <title>{`${label}: ${totals[i]}`}</title>
              {series.map((x) => {
                const h = scale(x.values[i] ?? 0);
                y -= h;
                return (
                  <rect
                    x={PAD.left + step * i + step * 0.15}
                    width={step * 0.7}
                    y={y}
                    height={h}
                    fill={x.color}
                  />
                );
              })}
            </g>
          );
        })}
      </svg>
      <Legend series={series} />
    </figure>
  );
}

function Lines({ labels, series, percent }: { labels: string[]; series: Series[]; percent?: boolean }) {
  const max = percent ? 1 : Math.max(1, ...series.flatMap((x) => x.values.map((v) => v ?? 0)));
  const step = stepOf(labels);
  const x = (i: number) => PAD.left + step * (i + 0.5);
  const y = (v: number) => PAD.top + (1 - v / max) * PLOT_H;
  return (
    <figure>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        data-chart="line"
        aria-label={series.map((s) => s.name).join(', ')}
      >
        <Axis labels={labels} max={max} percent={percent} />
        {series.map((s) => {
          // Periods without a figure (nothing to divide by) break the line rather than drop to 0.
          const d = s.values
            .map((v, i) =>
              v === null
                ? ''
                : `${i && s.values[i - 1] !== null ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)} `,
            )
            .join('');
          return (
            <g>
              <path d={d} fill="none" stroke={s.color} stroke-width="2.5" stroke-linejoin="round" />
              {s.values.map((v, i) =>
                v === null ? null : (
                  <circle cx={x(i)} cy={y(v)} r="2.5" fill={s.color}>
                    <title>{`${labels[i]}: ${pct(v)}`}</title>
                  </circle>
                ),
              )}
            </g>
          );
        })}
      </svg>
      <Legend series={series} />
    </figure>
  );
}

function IntentBars({
  trends,
  names,
  t,
}: {
  trends: IntentTrendsAnswer;
  names: Record<string, string>;
  t: Text;
}) {
  // The ten largest, and any rising one beyond them, as the API lists them: a new need starts
  // small, and a rising badge the page drops is the one the merchant needed to see.
  const all = trends.intents.filter((x) => x.channel === null).filter((x, i) => i < 10 || x.rising);
  const max = Math.max(1, ...all.map((x) => x.total));
  return (
    <ol class="ins-intents" data-chart="intents">
      {all.map((x) => {
        const peak = Math.max(1, ...x.counts);
        const last = Math.max(1, x.counts.length - 1);
        return (
          <li data-rising={String(x.rising)}>
            <span class="ins-intent-name">
              {names[x.intent] ?? x.intent}
              {x.rising && (
                <span class="ins-rising" title={`z = ${x.z}`}>
                  ▲ {t.rising}
                </span>
              )}
            </span>
            <span class="ins-bar">
              <i style={{ width: `${(x.total / max) * 100}%` }} />
            </span>
            <b>{x.total}</b>
            <svg class="ins-spark" viewBox="0 0 60 16" aria-hidden="true">
              <polyline
                fill="none"
                stroke={x.rising ? '#dc2626' : '#1d4ed8'}
                stroke-width="1.5"
                points={x.counts
                  .map((c, i) => `${((i / last) * 58 + 1).toFixed(1)},${(15 - (c / peak) * 14).toFixed(1)}`)
                  .join(' ')}
              />
            </svg>
          </li>
        );
      })}
    </ol>
  );
}

function GrowthBar({ recent, previous }: { recent: number; previous: number }) {
  const max = Math.max(1, recent, previous);
  return (
    <svg class="ins-growth" viewBox="0 0 200 14" aria-hidden="true">
      <rect x="0" y="1" width={(previous / max) * 95} height="12" fill="#c7cede" />
      <rect x="105" y="1" width={(recent / max) * 95} height="12" fill="#d97706" />
    </svg>
  );
}

/** The header's way in (supervisors only): toggles the insights page. */
export function InsightsButton({ store }: { store: ConsoleStore }) {
  const view = store.state.view;
  return (
    <button
      type="button"
      aria-pressed={view === 'insights'}
      data-action="insights"
      onClick={() => store.setView(view === 'insights' ? 'queued' : 'insights')}
    >
      {TEXT[store.state.lang].title}
    </button>
  );
}
