import type { Webhook, WebhookDelivery } from '@threadline/sdk-core/protocol';
import { useEffect, useState } from 'preact/hooks';
import { ConsoleApiError } from './api';
import type { ConsoleStore } from './store';

/**
 * Webhook settings (issue 13's API, supervisors only): the app's subscriptions, a form that
 * subscribes a URL and shows its signing secret once, enable/disable, and per subscription the
 * delivery log (each attempt's status, latency and the receiver's answer) with redeliver.
 *
 * Strings live here rather than in i18n.ts: this page is self-contained and other console pages
 * are edited in parallel.
 */

/** The protocol's WEBHOOK_EVENT_TYPES, written out: the protocol module is imported for types only (no zod in the bundle). */
const EVENT_TYPES = [
  'message.created',
  'conversation.updated',
  'ticket.created',
  'ticket.updated',
  'handoff.claimed',
  'customer.merged',
  'customer.updated',
  'customer.erased',
] as const;

const strings = {
  en: {
    title: 'Webhooks',
    intro:
      'Threadline POSTs each event to your URL, signed with the subscription’s secret (Threadline-Signature), retried for 3 days, in order per conversation.',
    none: 'No webhook yet.',
    url: 'Endpoint URL',
    events: 'Events',
    allEvents: 'Every event',
    description: 'Description (optional)',
    add: 'Add webhook',
    adding: 'Adding…',
    secretTitle: 'Signing secret — copy it now, it is not shown again',
    secretHint:
      'Verify deliveries with verifyWebhook(rawBody, header, secret) from @threadline/api/webhooks.',
    copy: 'Copy',
    copied: 'Copied',
    done: 'Done',
    enabled: 'Enabled',
    disabled: 'Disabled',
    disabledGone: 'Disabled: the receiver answered 410 Gone',
    enable: 'Enable',
    disable: 'Disable',
    remove: 'Delete',
    confirmRemove: (url: string) => `Delete the webhook to ${url}, its queue and its delivery log?`,
    healthOk: 'Healthy',
    healthFailing: 'Failing',
    pending: (n: number) => `${n} pending`,
    deliveries: 'Delivery log',
    noDeliveries: 'No delivery yet.',
    event: 'Event',
    state: 'State',
    attempts: 'Attempts',
    lastAttempt: 'Last attempt',
    answer: 'Answer',
    at: 'When',
    redeliver: 'Redeliver',
    redelivered: 'Queued again',
    redelivery: 'redelivery',
    states: { pending: 'Pending', delivered: 'Delivered', failed: 'Failed' },
    nextAttempt: 'next try',
    noAnswer: 'no answer',
    more: 'Older deliveries',
    refresh: 'Refresh',
    close: 'Close log',
    showLog: 'Delivery log',
  },
  'zh-CN': {
    title: 'Webhook 设置',
    intro:
      'Threadline 会把每个事件 POST 到你的地址，用订阅的密钥签名（Threadline-Signature），失败重试 3 天，同一会话按顺序送达。',
    none: '还没有 Webhook。',
    url: '接收地址',
    events: '事件',
    allEvents: '全部事件',
    description: '说明（可选）',
    add: '添加 Webhook',
    adding: '添加中…',
    secretTitle: '签名密钥——请立即复制，之后不再显示',
    secretHint: '用 @threadline/api/webhooks 的 verifyWebhook(rawBody, header, secret) 校验每次投递。',
    copy: '复制',
    copied: '已复制',
    done: '完成',
    enabled: '已启用',
    disabled: '已停用',
    disabledGone: '已停用：接收方返回 410 Gone',
    enable: '启用',
    disable: '停用',
    remove: '删除',
    confirmRemove: (url: string) => `删除发往 ${url} 的 Webhook、待发队列和投递记录？`,
    healthOk: '正常',
    healthFailing: '投递失败',
    pending: (n: number) => `${n} 条待发`,
    deliveries: '投递记录',
    noDeliveries: '还没有投递。',
    event: '事件',
    state: '状态',
    attempts: '尝试次数',
    lastAttempt: '最近一次',
    answer: '返回内容',
    at: '时间',
    redeliver: '重新投递',
    redelivered: '已重新排队',
    redelivery: '重投',
    states: { pending: '待发', delivered: '已送达', failed: '已放弃' },
    nextAttempt: '下次重试',
    noAnswer: '无响应',
    more: '更早的投递',
    refresh: '刷新',
    close: '关闭记录',
    showLog: '投递记录',
  },
};
type Strings = (typeof strings)['en'];

const when = (iso: string, lang: string) =>
  new Date(iso).toLocaleString(lang, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });

export function WebhooksView({ store }: { store: ConsoleStore }) {
  const s: Strings = strings[store.state.lang] ?? strings.en;
  const api = store.state.api!;
  const [hooks, setHooks] = useState<Webhook[] | null>(null);
  const [error, setError] = useState('');
  const [secret, setSecret] = useState<{ webhookId: string; secret: string } | null>(null);
  const [open, setOpen] = useState<string | null>(null);

  const load = async () => {
    try {
      const answer = await api.get<{ webhooks: Webhook[] }>('/v1/webhooks');
      setHooks(answer.webhooks);
      setError('');
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
    } catch (e) {
      setError(e instanceof ConsoleApiError ? `${e.message} (${e.code})` : String(e));
    }
    await load();
  };
  const setEnabled = (hook: Webhook, enabled: boolean) =>
    act(() => api.send('PATCH', `/v1/webhooks/${encodeURIComponent(hook.id)}`, { enabled }));
  const remove = (hook: Webhook) => {
    if (!confirm(s.confirmRemove(hook.url))) return;
    if (open === hook.id) setOpen(null);
    void act(() => api.send('DELETE', `/v1/webhooks/${encodeURIComponent(hook.id)}`));
  };

  return (
    <main class="webhooks" aria-labelledby="wh-title" data-part="webhooks">
      <h1 id="wh-title">{s.title}</h1>
      <p class="hint">{s.intro}</p>
      {error && (
        <p class="error" role="alert" data-part="webhook-error">
          {error}
        </p>
      )}
      {secret ? (
        <SecretOnce s={s} secret={secret.secret} onDone={() => setSecret(null)} />
      ) : (
        <CreateForm
          s={s}
          onCreate={async (body) => {
            try {
              const created = await api.send<{ webhook: Webhook; secret: string }>(
                'POST',
                '/v1/webhooks',
                body,
              );
              setSecret({ webhookId: created.webhook.id, secret: created.secret });
              setError('');
              await load();
              return true;
            } catch (e) {
              setError(e instanceof ConsoleApiError ? `${e.message} (${e.code})` : String(e));
              return false;
            }
          }}
        />
      )}
      <ul class="hook-list" aria-label={s.title}>
        {hooks?.length === 0 && <li class="empty">{s.none}</li>}
        {hooks?.map((hook) => (
          <li key={hook.id} data-webhook={hook.id} class={hook.enabled ? '' : 'off'}>
            <div class="hook-head">
              <code class="hook-url">{hook.url}</code>
              <span
                class={`pill ${hook.enabled ? (hook.health === 'failing' ? 'bad' : 'ok') : 'quiet'}`}
                data-part="webhook-state"
              >
                {!hook.enabled
                  ? hook.disabledReason === 'gone'
                    ? s.disabledGone
                    : s.disabled
                  : hook.health === 'failing'
                    ? s.healthFailing
                    : s.healthOk}
              </span>
              {hook.pendingDeliveries > 0 && (
                <span class="pill warn">{s.pending(hook.pendingDeliveries)}</span>
              )}
            </div>
            {hook.description && <p class="hook-desc">{hook.description}</p>}
            <p class="hook-events">
              {hook.events.includes('*') ? s.allEvents : hook.events.map((e) => <code key={e}>{e}</code>)}
            </p>
            <div class="hook-actions">
              <button
                type="button"
                data-action={hook.enabled ? 'disable' : 'enable'}
                onClick={() => void setEnabled(hook, !hook.enabled)}
              >
                {hook.enabled ? s.disable : s.enable}
              </button>
              <button
                type="button"
                data-action="log"
                aria-expanded={open === hook.id}
                onClick={() => setOpen(open === hook.id ? null : hook.id)}
              >
                {open === hook.id ? s.close : s.showLog}
              </button>
              <button type="button" class="danger" data-action="delete" onClick={() => remove(hook)}>
                {s.remove}
              </button>
            </div>
            {open === hook.id && <DeliveryLog store={store} s={s} hook={hook} onChange={load} />}
          </li>
        ))}
      </ul>
    </main>
  );
}

function CreateForm({
  s,
  onCreate,
}: {
  s: Strings;
  onCreate(body: { url: string; events: string[]; description?: string }): Promise<boolean>;
}) {
  const [busy, setBusy] = useState(false);
  const [all, setAll] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const events = all ? ['*'] : data.getAll('event').map(String);
    if (events.length === 0) {
      (form.querySelector('input[name=event]') as HTMLInputElement | null)?.setCustomValidity(s.events);
      form.reportValidity();
      return;
    }
    const description = String(data.get('description') ?? '').trim();
    setBusy(true);
    const ok = await onCreate({
      url: String(data.get('url') ?? '').trim(),
      events,
      ...(description ? { description } : {}),
    });
    setBusy(false);
    if (ok) form.reset();
  };
  return (
    <form class="hook-form" onSubmit={submit} data-part="webhook-form">
      <label class="wide">
        {s.url}
        <input
          name="url"
          type="url"
          required
          placeholder="https://crm.example.com/threadline"
          spellcheck={false}
        />
      </label>
      <fieldset>
        <legend>{s.events}</legend>
        <label class="check">
          <input type="checkbox" name="all" checked={all} onChange={(e) => setAll(e.currentTarget.checked)} />
          {s.allEvents}
        </label>
        {EVENT_TYPES.map((type) => (
          <label class="check" key={type}>
            <input
              type="checkbox"
              name="event"
              value={type}
              disabled={all}
              onChange={(e) => e.currentTarget.setCustomValidity('')}
            />
            <code>{type}</code>
          </label>
        ))}
      </fieldset>
      <label class="wide">
        {s.description}
        <input name="description" maxLength={200} />
      </label>
      <button type="submit" class="primary" disabled={busy}>
        {busy ? s.adding : s.add}
      </button>
    </form>
  );
}

function SecretOnce({ s, secret, onDone }: { s: Strings; secret: string; onDone(): void }) {
  const [copied, setCopied] = useState(false);
  return (
    <section class="secret-once" role="status" aria-labelledby="secret-title" data-part="webhook-secret">
      <h2 id="secret-title">{s.secretTitle}</h2>
      <output>
        <code data-part="secret">{secret}</code>
      </output>
      <p class="hint">{s.secretHint}</p>
      <div class="hook-actions">
        <button
          type="button"
          onClick={() =>
            void navigator.clipboard
              ?.writeText(secret)
              .then(() => setCopied(true))
              .catch(() => {})
          }
        >
          {copied ? s.copied : s.copy}
        </button>
        <button type="button" class="primary" data-action="secret-done" onClick={onDone}>
          {s.done}
        </button>
      </div>
    </section>
  );
}

function DeliveryLog({
  store,
  s,
  hook,
  onChange,
}: {
  store: ConsoleStore;
  s: Strings;
  hook: Webhook;
  onChange(): Promise<void>;
}) {
  const api = store.state.api!;
  const [rows, setRows] = useState<WebhookDelivery[] | null>(null);
  const [nextBefore, setNextBefore] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const base = `/v1/webhooks/${encodeURIComponent(hook.id)}/deliveries`;
  const load = async (before?: string) => {
    const page = await api.get<{ deliveries: WebhookDelivery[]; nextBefore: string | null }>(
      `${base}?limit=25${before ? `&before=${encodeURIComponent(before)}` : ''}`,
    );
    setRows((current) => (before && current ? [...current, ...page.deliveries] : page.deliveries));
    setNextBefore(page.nextBefore);
  };
  useEffect(() => {
    void load().catch((e) => setNote(String(e instanceof Error ? e.message : e)));
  }, [hook.id, hook.pendingDeliveries]);
  const redeliver = async (delivery: WebhookDelivery) => {
    try {
      await api.send('POST', `${base}/${encodeURIComponent(delivery.id)}/redeliver`);
      setNote(s.redelivered);
    } catch (e) {
      setNote(e instanceof ConsoleApiError ? `${e.message} (${e.code})` : String(e));
    }
    await load();
    await onChange();
  };
  const lang = store.state.lang;
  return (
    <section class="delivery-log" aria-label={`${s.deliveries}: ${hook.url}`} data-part="delivery-log">
      <div class="hook-head">
        <h2>{s.deliveries}</h2>
        <button type="button" data-action="refresh" onClick={() => void load().then(onChange)}>
          {s.refresh}
        </button>
        {note && <output class="hint">{note}</output>}
      </div>
      {rows?.length === 0 ? (
        <p class="empty">{s.noDeliveries}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{s.event}</th>
              <th scope="col">{s.state}</th>
              <th scope="col">{s.attempts}</th>
              <th scope="col">{s.lastAttempt}</th>
              <th scope="col">{s.answer}</th>
              <th scope="col">
                <span class="sr">{s.redeliver}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows?.map((d) => {
              const last = d.log[0];
              return (
                <tr key={d.id} data-delivery={d.id} data-state={d.state}>
                  <th scope="row">
                    <code>{d.event.type}</code>
                    {d.redelivery && <span class="pill quiet redelivery">{s.redelivery}</span>}
                    <small class="event-id">{d.event.id}</small>
                  </th>
                  <td>
                    <span
                      class={`pill ${d.state === 'delivered' ? 'ok' : d.state === 'failed' ? 'bad' : 'warn'}`}
                    >
                      {s.states[d.state]}
                    </span>
                    {d.nextAttemptAt && (
                      <small>
                        {s.nextAttempt} {when(d.nextAttemptAt, lang)}
                      </small>
                    )}
                  </td>
                  <td data-part="attempts">
                    {d.log.length > 1 ? (
                      // Every attempt, newest first: when the receiver failed and what it said.
                      <details>
                        <summary>{d.attempts}</summary>
                        <ol class="attempts" reversed>
                          {d.log.map((a) => (
                            <li key={a.at}>
                              <b>{a.statusCode ?? s.noAnswer}</b> {a.latencyMs} ms · {when(a.at, lang)}
                              {(a.error ?? a.responseExcerpt) && (
                                <small>{a.error ?? a.responseExcerpt}</small>
                              )}
                            </li>
                          ))}
                        </ol>
                      </details>
                    ) : (
                      d.attempts
                    )}
                  </td>
                  <td data-part="last-attempt">
                    {last ? (
                      <>
                        <b data-part="status">{last.statusCode ?? s.noAnswer}</b>{' '}
                        <span data-part="latency">{last.latencyMs} ms</span>
                        <small>{when(last.at, lang)}</small>
                      </>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td class="excerpt" data-part="excerpt">
                    {last ? (last.error ?? last.responseExcerpt ?? '') : ''}
                  </td>
                  <td>
                    <button type="button" data-action="redeliver" onClick={() => void redeliver(d)}>
                      {s.redeliver}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {nextBefore && (
        <button type="button" onClick={() => void load(nextBefore)}>
          {s.more}
        </button>
      )}
    </section>
  );
}
