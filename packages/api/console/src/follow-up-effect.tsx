import type { FollowUpEffectAnswer, FollowUpEffectRow } from '@threadline/sdk-core/protocol';
import { useEffect, useState } from 'preact/hooks';
import { ConsoleApiError } from './api';
import type { ConsoleStore } from './store';

const TEXT = {
  en: {
    title: 'Follow-ups: opened and ordered within 30 days (last 30 days)',
    rule: 'Rule',
    all: 'All follow-ups',
    deleted: '(deleted rule)',
    sent: 'Sent',
    opened: 'Opened',
    ordered: 'Ordered ≤ 30 d',
    none: 'No follow-up was sent in these 30 days.',
    export: 'CSV',
  },
  'zh-CN': {
    title: '主动触达效果：打开与 30 天内下单（近 30 天）',
    rule: '规则',
    all: '全部触达',
    deleted: '（已删除的规则）',
    sent: '已发送',
    opened: '已打开',
    ordered: '30 天内下单',
    none: '近 30 天没有发送过主动触达。',
    export: 'CSV',
  },
};

const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v * 1000) / 10}%`);
const since = () => new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);

/**
 * The insights page's follow-ups card (issue 19): per rule, what was sent in the last 30 days,
 * how many cards were opened and how many were followed by an order within 30 days, from
 * `GET /v1/insights/follow-ups`. Its own file, so the insights page includes it with one line.
 */
export function FollowUpEffectCard({ store }: { store: ConsoleStore }) {
  const api = store.state.api!;
  const t = TEXT[store.state.lang];
  const [answer, setAnswer] = useState<FollowUpEffectAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const query = `period=all&since=${since()}`;
  useEffect(() => {
    api
      .get<FollowUpEffectAnswer>(`/v1/insights/follow-ups?${query}`)
      .then(setAnswer)
      .catch((e) => setError(e instanceof ConsoleApiError ? e.message : String(e)));
  }, []);
  const download = async () => {
    const response = await fetch(`/v1/insights/export/follow-ups?${query}`, {
      headers: { authorization: `Bearer ${api.token}` },
    });
    const url = URL.createObjectURL(await response.blob());
    Object.assign(document.createElement('a'), { href: url, download: 'threadline-follow-ups.csv' }).click();
    URL.revokeObjectURL(url);
  };
  const rules = answer?.rows.filter((r) => r.scope === 'rule') ?? [];
  const all = answer?.rows.find((r) => r.scope === 'all');
  const row = (name: string, r: FollowUpEffectRow, total = false) => (
    <tr data-rule={r.ruleId ?? ''} class={total ? 'ins-total' : undefined}>
      <th>{name}</th>
      <td>{r.sent}</td>
      <td>
        {r.opened} <small>{pct(r.openRate)}</small>
      </td>
      <td>
        {r.ordered} <small>{pct(r.conversionRate)}</small>
      </td>
    </tr>
  );
  return (
    <section class="ins-card" data-part="follow-up-effect">
      <header>
        <h2>{t.title}</h2>
        <button type="button" class="ins-export" onClick={() => void download()}>
          ⇩ {t.export}
        </button>
      </header>
      {error && <p role="alert">{error}</p>}
      {answer && !all?.sent && <p>{t.none}</p>}
      {answer && !!all?.sent && (
        <table class="ins-table">
          <thead>
            <tr>
              <th>{t.rule}</th>
              <th>{t.sent}</th>
              <th>{t.opened}</th>
              <th>{t.ordered}</th>
            </tr>
          </thead>
          <tbody>
            {rules.map((r) => row(r.ruleName ?? t.deleted, r))}
            {row(t.all, all!, true)}
          </tbody>
        </table>
      )}
    </section>
  );
}
