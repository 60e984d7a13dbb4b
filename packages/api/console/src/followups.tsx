import type { FollowUpRule, FollowUpRuleBody } from '@threadline/sdk-core/protocol';
import { useEffect, useState } from 'preact/hooks';
import { ConsoleApiError } from './api';
import { channelName } from './format';
import type { ConsoleStore } from './store';

/**
 * Follow-up rules (issue 19, supervisors): the app's rules with what each has scheduled, sent,
 * skipped and cancelled; a form that creates or edits one (when a conversation on a channel ends
 * with an intent, after a delay send a text or a link card on another channel); on/off; delete.
 * Over the same routes as the secret key (`/v1/follow-up-rules`), so the API's checks apply
 * (unknown channel, a card link off the shop's hosts) and are shown as the API words them.
 *
 * Strings live here rather than in i18n.ts, as on the webhooks page: a self-contained page.
 */

const strings = {
  en: {
    title: 'Follow-up rules',
    intro:
      'When a conversation ends with an intent, Threadline sends a message on another channel after a delay — within the shop’s quiet hours, weekly cap and every shopper’s opt-out.',
    none: 'No follow-up rule yet.',
    name: 'Name',
    whenChannel: 'When a conversation on',
    anyChannel: 'any channel',
    intent: 'ends with the intent',
    product: 'about the product (optional)',
    delay: 'wait (minutes)',
    sendChannel: 'then send on',
    kind: 'a',
    kinds: { text: 'text', card: 'link card', article: 'knowledge article' } as Record<string, string>,
    text: 'Text',
    cardTitle: 'Card title',
    cardDescription: 'Card description (optional)',
    cardTarget: 'Link (https, on the shop’s own site)',
    cardImage: 'Picture (https, optional)',
    articleId: 'Article id',
    create: 'Add rule',
    save: 'Save',
    cancel: 'Cancel',
    edit: 'Edit',
    enabled: 'On',
    disabled: 'Off',
    turnOn: 'Turn on',
    turnOff: 'Turn off',
    remove: 'Delete',
    confirmRemove: (name: string) => `Delete “${name}”? What it scheduled is cancelled.`,
    counts: (c: FollowUpRule['counts']) =>
      `${c.scheduled} scheduled · ${c.sent} sent · ${c.skipped} skipped · ${c.cancelled} cancelled`,
    after: (minutes: number) => `after ${minutes} min`,
    saved: 'Saved',
  },
  'zh-CN': {
    title: '跟进规则',
    intro: '会话以某个意图结束后，延时在另一个渠道发送一条消息；遵守店铺的免打扰时段、每周上限和顾客的退订。',
    none: '还没有跟进规则。',
    name: '名称',
    whenChannel: '当会话渠道为',
    anyChannel: '任意渠道',
    intent: '并以此意图结束',
    product: '涉及商品（可选）',
    delay: '等待（分钟）',
    sendChannel: '然后发送到',
    kind: '内容类型',
    kinds: { text: '文字', card: '链接卡片', article: '知识库文章' } as Record<string, string>,
    text: '文字内容',
    cardTitle: '卡片标题',
    cardDescription: '卡片说明（可选）',
    cardTarget: '链接（https，本店站点）',
    cardImage: '图片（https，可选）',
    articleId: '文章 ID',
    create: '添加规则',
    save: '保存',
    cancel: '取消',
    edit: '编辑',
    enabled: '已启用',
    disabled: '已停用',
    turnOn: '启用',
    turnOff: '停用',
    remove: '删除',
    confirmRemove: (name: string) => `删除“${name}”？它已排定的跟进会被取消。`,
    counts: (c: FollowUpRule['counts']) =>
      `待发 ${c.scheduled} · 已发 ${c.sent} · 跳过 ${c.skipped} · 取消 ${c.cancelled}`,
    after: (minutes: number) => `${minutes} 分钟后`,
    saved: '已保存',
  },
};
type Strings = (typeof strings)['en'];

/** The channels a rule may name: the protocol's known ones (the API refuses others with unknown_channel). */
const CHANNELS = ['phone', 'web', 'app', 'miniprogram', 'sms', 'wechat_oa', 'wecom', 'douyin_live'];

interface Draft {
  name: string;
  whenChannel: string;
  intent: string;
  productId: string;
  minutes: string;
  sendChannel: string;
  kind: 'text' | 'card' | 'article';
  text: string;
  title: string;
  description: string;
  targetUrl: string;
  imageUrl: string;
  articleId: string;
}

const EMPTY: Draft = {
  name: '',
  whenChannel: 'phone',
  intent: '',
  productId: '',
  minutes: '10',
  sendChannel: 'miniprogram',
  kind: 'card',
  text: '',
  title: '',
  description: '',
  targetUrl: '',
  imageUrl: '',
  articleId: '',
};

function draftOf(rule: FollowUpRule): Draft {
  const content = rule.send.content;
  return {
    ...EMPTY,
    name: rule.name,
    whenChannel: rule.when.channel ?? '',
    intent: rule.when.intent,
    productId: rule.when.productId ?? '',
    minutes: String(Math.round(rule.delaySeconds / 60)),
    sendChannel: rule.send.channel,
    kind: content.kind,
    text: content.kind === 'article' ? '' : (content.text ?? ''),
    ...(content.kind === 'card'
      ? {
          title: content.card.title,
          description: content.card.description ?? '',
          targetUrl: content.card.targetUrl,
          imageUrl: content.card.imageUrl ?? '',
        }
      : {}),
    articleId: content.kind === 'article' ? content.articleId : '',
  };
}

/** The form as the API's rule body; empty optional fields are left out, not sent as "". */
function bodyOf(d: Draft): FollowUpRuleBody {
  const optional = (key: string, value: string) => (value.trim() ? { [key]: value.trim() } : {});
  const content: FollowUpRuleBody['send']['content'] =
    d.kind === 'text'
      ? { kind: 'text', text: d.text }
      : d.kind === 'article'
        ? { kind: 'article', articleId: d.articleId.trim() }
        : {
            kind: 'card',
            card: {
              title: d.title,
              targetUrl: d.targetUrl.trim(),
              ...optional('description', d.description),
              ...optional('imageUrl', d.imageUrl),
            },
            ...optional('text', d.text),
          };
  return {
    name: d.name,
    when: {
      intent: d.intent.trim(),
      ...optional('channel', d.whenChannel),
      ...optional('productId', d.productId),
    },
    delaySeconds: Math.max(0, Math.round(Number(d.minutes) * 60) || 0),
    send: { channel: d.sendChannel, content },
  } as FollowUpRuleBody;
}

export function FollowUpsView({ store }: { store: ConsoleStore }) {
  const s: Strings = strings[store.state.lang] ?? strings.en;
  const api = store.state.api!;
  const [rules, setRules] = useState<FollowUpRule[] | null>(null);
  const [error, setError] = useState('');
  const [editing, setEditing] = useState<{ id: string | null; draft: Draft } | null>(null);

  const load = async () => {
    try {
      setRules((await api.get<{ rules: FollowUpRule[] }>('/v1/follow-up-rules')).rules);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  useEffect(() => {
    void load();
  }, [api]);

  const act = async (run: () => Promise<unknown>) => {
    try {
      await run();
      setError('');
      await load();
      return true;
    } catch (e) {
      setError(e instanceof ConsoleApiError ? `${e.message} (${e.code})` : String(e));
      return false;
    }
  };
  const path = (id: string) => `/v1/follow-up-rules/${encodeURIComponent(id)}`;

  return (
    <main class="webhooks followups" aria-labelledby="fu-title" data-part="follow-up-rules">
      <h1 id="fu-title">{s.title}</h1>
      <p class="hint">{s.intro}</p>
      {error && (
        <p class="error" role="alert" data-part="rule-error">
          {error}
        </p>
      )}
      {editing ? (
        <RuleForm
          s={s}
          store={store}
          draft={editing.draft}
          isNew={editing.id === null}
          onCancel={() => setEditing(null)}
          onSave={async (draft) => {
            const body = bodyOf(draft);
            const ok = await act(() =>
              editing.id === null
                ? api.send('POST', '/v1/follow-up-rules', body)
                : api.send('PATCH', path(editing.id), body),
            );
            if (ok) setEditing(null);
          }}
        />
      ) : (
        <button type="button" data-action="new-rule" onClick={() => setEditing({ id: null, draft: EMPTY })}>
          {s.create}
        </button>
      )}
      <ul class="hook-list rule-list">
        {rules?.length === 0 && <li class="empty">{s.none}</li>}
        {rules?.map((rule) => (
          <li key={rule.id} data-rule={rule.id} data-enabled={String(rule.enabled)}>
            <div>
              <b>{rule.name}</b>{' '}
              <span class="pill" data-part="rule-state">
                {rule.enabled ? s.enabled : s.disabled}
              </span>
            </div>
            <div class="muted" data-part="rule-summary">
              {rule.when.channel ? channelName(store.t(), rule.when.channel) : s.anyChannel} ·{' '}
              {store.intentName(rule.when.intent)}
              {rule.when.productId ? ` · ${rule.when.productId}` : ''} →{' '}
              {s.after(Math.round(rule.delaySeconds / 60))} {channelName(store.t(), rule.send.channel)} ·{' '}
              {s.kinds[rule.send.content.kind]}
              {rule.send.content.kind === 'card' ? `「${rule.send.content.card.title}」` : ''}
            </div>
            <div data-part="rule-counts">{s.counts(rule.counts)}</div>
            <div class="actions">
              <button
                type="button"
                data-action="edit-rule"
                onClick={() => setEditing({ id: rule.id, draft: draftOf(rule) })}
              >
                {s.edit}
              </button>
              <button
                type="button"
                data-action="toggle-rule"
                onClick={() => act(() => api.send('PATCH', path(rule.id), { enabled: !rule.enabled }))}
              >
                {rule.enabled ? s.turnOff : s.turnOn}
              </button>
              <button
                type="button"
                data-action="delete-rule"
                onClick={() =>
                  confirm(s.confirmRemove(rule.name)) && act(() => api.send('DELETE', path(rule.id)))
                }
              >
                {s.remove}
              </button>
            </div>
          </li>
        ))}
      </ul>
    </main>
  );
}

function RuleForm(props: {
  s: Strings;
  store: ConsoleStore;
  draft: Draft;
  isNew: boolean;
  onSave: (draft: Draft) => Promise<void>;
  onCancel: () => void;
}) {
  const { s, store } = props;
  const [d, setD] = useState<Draft>(props.draft);
  const field = (key: keyof Draft, label: string, extra: Record<string, unknown> = {}) => (
    <label>
      <span>{label}</span>
      <input
        name={key}
        value={d[key]}
        onInput={(e) => setD({ ...d, [key]: e.currentTarget.value })}
        {...extra}
      />
    </label>
  );
  const channelSelect = (key: 'whenChannel' | 'sendChannel', label: string, anyLabel?: string) => (
    <label>
      <span>{label}</span>
      <select name={key} value={d[key]} onChange={(e) => setD({ ...d, [key]: e.currentTarget.value })}>
        {anyLabel !== undefined && <option value="">{anyLabel}</option>}
        {CHANNELS.map((c) => (
          <option key={c} value={c}>
            {channelName(store.t(), c)}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <form
      class="hook-form rule-form"
      data-part="rule-form"
      onSubmit={(e) => {
        e.preventDefault();
        void props.onSave(d);
      }}
    >
      {field('name', s.name, { required: true, maxLength: 120 })}
      {channelSelect('whenChannel', s.whenChannel, s.anyChannel)}
      {field('intent', s.intent, { required: true })}
      {field('productId', s.product)}
      {field('minutes', s.delay, { type: 'number', min: 0, required: true })}
      {channelSelect('sendChannel', s.sendChannel)}
      <label>
        <span>{s.kind}</span>
        <select
          name="kind"
          value={d.kind}
          onChange={(e) => setD({ ...d, kind: e.currentTarget.value as Draft['kind'] })}
        >
          {(['card', 'text', 'article'] as const).map((k) => (
            <option key={k} value={k}>
              {s.kinds[k]}
            </option>
          ))}
        </select>
      </label>
      {d.kind === 'card' && (
        <>
          {field('title', s.cardTitle, { required: true, maxLength: 120 })}
          {field('description', s.cardDescription, { maxLength: 300 })}
          {field('targetUrl', s.cardTarget, { required: true, type: 'url', placeholder: 'https://' })}
          {field('imageUrl', s.cardImage, { type: 'url', placeholder: 'https://' })}
        </>
      )}
      {d.kind === 'article' && field('articleId', s.articleId, { required: true })}
      {d.kind !== 'article' && field('text', s.text, d.kind === 'text' ? { required: true } : {})}
      <div class="actions">
        <button type="submit" data-action="save-rule">
          {props.isNew ? s.create : s.save}
        </button>
        <button type="button" onClick={props.onCancel}>
          {s.cancel}
        </button>
      </div>
    </form>
  );
}
