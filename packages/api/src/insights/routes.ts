import { OpenAPIHono } from '@hono/zod-openapi';
import {
  articleDraftAnswer,
  emergingAnswer,
  emergingIdParam,
  emergingQuery,
  highValueAnswer,
  highValueQuery,
  type IntentTrendsAnswer,
  insightsExportQuery,
  insightsQuery,
  insightsTableParam,
  intentTrendsAnswer,
  type MetricsRow,
  metricsAnswer,
} from '@threadline/sdk-core/protocol';
import { z } from 'zod';
import { csatInsights } from '../agents';
import type { RouterDeps } from '../app';
import type { ApiEnv } from '../http/auth';
import { defineRoute } from '../http/define-route';
import { ApiError } from '../platform/errors';
import { toCsv } from './csv';
import { draftArticle, emergingNeeds } from './emerging';
import { followUpEffect } from './follow-up-effect';
import { highValueInsights } from './high-value';
import { intentTrends } from './intent-trends';
import { metricsInsights, periodsFor } from './metrics';
import { whileReadingInsights } from './rollup';

type Auth = ApiEnv['Variables']['auth'];
const INSIGHTS = { tags: ['Insights'], auth: ['secret' as const, 'agent' as const] };
const WHO =
  'The secret key or a supervisor’s agent token. Figures come from rollups folded from the stored messages and event log (on read and every minute), never from the send path.';

/** The app (with its time zone) of a caller allowed to read insights: the merchant or a supervisor. */
function readerApp(auth: Auth) {
  if (auth.kind === 'agent' && auth.agent.role !== 'supervisor')
    throw new ApiError('role_forbidden', 'Only supervisors (or the secret key) read insights.');
  if (auth.kind !== 'agent' && auth.kind !== 'secret')
    throw new ApiError('forbidden', 'Not for this credential.');
  return { id: auth.app.id, timeZone: auth.app.settings.timeZone };
}

/**
 * Insights: service figures per channel and period, intent trends, emerging needs with article
 * drafts, high-value customers, and a CSV of each table.
 */
export function insightsRouter(deps: RouterDeps) {
  const router = new OpenAPIHono<ApiEnv>({ defaultHook: deps.validationHook });
  // The background fold waits for reads in flight (after an upgrade it would otherwise slip a batch
  // between every statement of a read; see whileReadingInsights).
  router.use('/v1/insights/*', (_c, next) => whileReadingInsights(deps.database, next));

  router.openapi(
    defineRoute(deps, {
      ...INSIGHTS,
      method: 'get',
      path: '/v1/insights/metrics',
      summary:
        'Per channel and period (day, week, month in the app’s time zone): volume, AI share, escalation, first response, wait for an agent, handoffs, tickets, CSAT, repeat contacts',
      description: `${WHO} A repeat contact is the same customer raising the same intent within 72 h of an earlier contact, on any channel; it "had context" when it came in the same conversation (carried across channels by identity or a handoff code, so the bot's memory and the agent's handoff summary held the first contact), and lacked it when a new conversation started.`,
      query: insightsQuery,
      status: 200,
      answer: metricsAnswer,
    }),
    async (c) => c.json(await metricsInsights(deps, readerApp(c.get('auth')), c.req.valid('query')), 200),
  );

  router.openapi(
    defineRoute(deps, {
      ...INSIGHTS,
      method: 'get',
      path: '/v1/insights/intents',
      summary:
        'Top intents per channel with counts per period, and the rising ones (exact test, Benjamini–Hochberg)',
      description: `${WHO} Rising: the intent's share of the last period's shoppers (each once; \`counts\`, \`share\` and \`z\` are in contacts) beats the previous period's by Fisher's exact test (one-sided), significant after Benjamini–Hochberg across the scope's intents at 1 %, with at least 5 shoppers — so small counts, one shopper coming back many times, and the many intents tested never trigger it by chance. \`z\` is the two-proportion z, shown as a size.`,
      query: insightsQuery,
      status: 200,
      answer: intentTrendsAnswer,
    }),
    async (c) => c.json(await intentTrends(deps, readerApp(c.get('auth')), c.req.valid('query')), 200),
  );

  router.openapi(
    defineRoute(deps, {
      ...INSIGHTS,
      method: 'get',
      path: '/v1/insights/emerging',
      summary: 'Clusters of unanswered and low-confidence questions, ranked by growth and size, with samples',
      description: `${WHO} Questions of the last \`windowDays\` against the window before, grouped by the intent the engine placed them near, else by wording. Rising compares each need's share of the window's customer messages (Fisher's exact test, Benjamini–Hochberg at 1 %), so traffic growth alone raises nothing. Each window is read up to 1,000 questions (a hashed sample beyond, \`truncated: true\`). Samples and labels are redacted: phone, ID, order and card numbers (digits however written), e-mail addresses, links, messenger handles, and names and addresses after their cue words are replaced. Rising counts shoppers, each once per window.`,
      query: emergingQuery,
      status: 200,
      answer: emergingAnswer,
    }),
    async (c) => {
      const app = readerApp(c.get('auth'));
      return c.json(await emergingNeeds(deps, app.id, c.req.valid('query')), 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      ...INSIGHTS,
      method: 'get',
      path: '/v1/insights/emerging/{id}/article',
      summary: 'Make an article: a draft for POST /v1/kb/articles from an emerging cluster',
      description: `${WHO} The same window and channel as the list the id came from. The title is the intent's name (or the shortest redacted wording), never a shopper's words: article titles are shown to other shoppers. Write the answer, then post the draft.`,
      params: emergingIdParam,
      query: emergingQuery,
      status: 200,
      answer: articleDraftAnswer,
    }),
    async (c) => {
      const app = readerApp(c.get('auth'));
      return c.json(await draftArticle(deps, app.id, c.req.valid('param').id, c.req.valid('query')), 200);
    },
  );

  router.openapi(
    defineRoute(deps, {
      ...INSIGHTS,
      method: 'get',
      path: '/v1/insights/high-value',
      summary: 'How VIPs, large carts and repeat buyers were served, against everyone else',
      description: WHO,
      query: highValueQuery,
      status: 200,
      answer: highValueAnswer,
    }),
    async (c) => c.json(await highValueInsights(deps, readerApp(c.get('auth')), c.req.valid('query')), 200),
  );

  router.openapi(
    defineRoute(deps, {
      ...INSIGHTS,
      method: 'get',
      path: '/v1/insights/export/{table}',
      summary:
        'Any insights table as CSV (metrics, intents, emerging, high-value, csat, follow-ups) for your own BI',
      description: `${WHO} Takes the query of the table's own route. Metrics: a \`scope\` column tells the all-channel rows (\`all\`) from the per-channel ones (\`channel\`), so sum one scope only. Intents: one row per intent, channel and period. CSAT: the same local-date window, time zone and channel as the others. UTF-8 with a byte-order mark (so spreadsheets read Chinese right); cells a spreadsheet would run as formulas are prefixed with '.`,
      params: insightsTableParam,
      query: insightsExportQuery,
      status: 200,
      answer: z.string(),
      answerMediaTypes: ['text/csv'],
    }),
    async (c) => {
      const app = readerApp(c.get('auth'));
      const query = c.req.valid('query');
      const { table } = c.req.valid('param');
      let rows: Record<string, unknown>[];
      if (table === 'metrics') rows = metricsCsvRows((await metricsInsights(deps, app, query)).rows);
      else if (table === 'intents') rows = intentsCsvRows(await intentTrends(deps, app, query));
      else if (table === 'emerging') rows = (await emergingNeeds(deps, app.id, query)).clusters;
      else if (table === 'high-value') rows = (await highValueInsights(deps, app, query)).segments;
      else if (table === 'follow-ups') rows = (await followUpEffect(deps, app, query)).rows;
      else {
        // The same window as every other table: local dates in the query's (else the app's) zone,
        // half-open at the next local midnight.
        const { from, to } = periodsFor(deps, app.timeZone, { ...query, period: 'all' });
        const csat = await csatInsights(deps, app.id, {
          from,
          to,
          ...(query.channel ? { channel: query.channel } : {}),
        });
        rows = [
          ...csat.channels.map(({ channel, ...r }) => ({ scope: 'channel', channel, agent: null, ...r })),
          ...csat.agents.map(({ agent, ...r }) => ({
            scope: 'agent',
            channel: query.channel ?? null,
            agent: agent?.name ?? 'bot',
            ...r,
          })),
        ];
      }
      return new Response(`\uFEFF${toCsv(rows)}`, {
        status: 200,
        headers: {
          'Content-Type': 'text/csv; charset=utf-8',
          'Content-Disposition': `attachment; filename="threadline-${table}.csv"`,
        },
      }) as never;
    },
  );
  return router;
}

type CsvRow = Record<string, unknown>;

/**
 * Metrics rows for a spreadsheet: `scope` first (`all` for the all-channel row, `channel` for each
 * channel's), so a BI `SUM` over one scope never counts a conversation twice.
 */
export function metricsCsvRows(rows: MetricsRow[]): CsvRow[] {
  return rows.map(({ period, channel, ...figures }) => ({
    period,
    scope: channel === null ? 'all' : 'channel',
    channel: channel ?? '',
    ...figures,
  }));
}

/** Intent trends for a spreadsheet: one row per intent, channel (or all) and period, with its count. */
export function intentsCsvRows(trends: IntentTrendsAnswer): CsvRow[] {
  return trends.intents.flatMap(({ intent, channel, counts, rising }) =>
    trends.periods.map((period, i) => ({
      period,
      scope: channel === null ? 'all' : 'channel',
      channel: channel ?? '',
      intent,
      contacts: counts[i] ?? 0,
      risingInLastPeriod: rising,
    })),
  );
}
