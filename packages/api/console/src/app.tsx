import type { Agent } from '@threadline/sdk-core/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ConsoleApiError, signInWithPassword } from './api';
import { ConversationView } from './conversation';
import { InboxPane } from './inbox';
import { ProfilePanel } from './profile-panel';
import { RoomsView } from './rooms';
import { type ConsoleStore, useStore } from './store';
import { SupervisorView } from './supervisor';
import { TransferDialog } from './transfer-dialog';

export function App({ store }: { store: ConsoleStore }) {
  useStore(store);
  const s = store.t();
  useEffect(() => {
    const unread = store.state.unread.size;
    document.title = `${unread ? `(${unread}) ` : ''}${s.appTitle}`;
  });
  if (!store.state.me) return <SignIn store={store} />;
  return <Shell store={store} />;
}

function SignIn({ store }: { store: ConsoleStore }) {
  const s = store.t();
  const params = new URLSearchParams(location.search);
  const [mode, setMode] = useState<'password' | 'token'>('password');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError('');
    try {
      if (mode === 'token') await store.useToken(String(form.get('token') ?? '').trim());
      else {
        const answer = await signInWithPassword(
          String(form.get('app') ?? '').trim(),
          String(form.get('email') ?? '').trim(),
          String(form.get('password') ?? ''),
        );
        await store.useToken(answer.token);
      }
    } catch (e) {
      const reason = e instanceof ConsoleApiError ? (s.errors[e.code] ?? e.message) : '';
      setError(`${s.signInFailed}${reason ? `: ${reason}` : ''}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <form onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">{s.signInTitle}</h1>
        <p class="hint">{s.signInHint}</p>
        {store.state.signedOutReason && (
          <p class="error" role="alert" data-part="signed-out">
            {store.state.signedOutReason}
          </p>
        )}
        {mode === 'password' ? (
          <>
            <label>
              {s.appId}
              <input name="app" required autoComplete="organization" defaultValue={params.get('app') ?? ''} />
            </label>
            <label>
              {s.email}
              <input
                name="email"
                type="email"
                required
                autoComplete="username"
                defaultValue={params.get('email') ?? ''}
              />
            </label>
            <label>
              {s.password}
              <input name="password" type="password" required autoComplete="current-password" />
            </label>
          </>
        ) : (
          <label>
            {s.token}
            <input name="token" required autoComplete="off" spellcheck={false} />
          </label>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {s.signIn}
        </button>
        <button
          type="button"
          class="link"
          onClick={() => setMode(mode === 'password' ? 'token' : 'password')}
        >
          {mode === 'password' ? s.useToken : s.usePassword}
        </button>
        <LanguageSwitch store={store} />
      </form>
    </main>
  );
}

function LanguageSwitch({ store }: { store: ConsoleStore }) {
  const s = store.t();
  return (
    <label class="lang">
      <span class="sr">{s.language}</span>
      <select
        value={store.state.lang}
        onChange={(e) => store.setLang(e.currentTarget.value as 'en' | 'zh-CN')}
      >
        <option value="zh-CN">中文</option>
        <option value="en">English</option>
      </select>
    </label>
  );
}

function Header({ store }: { store: ConsoleStore }) {
  const s = store.t();
  const { me, appName, stream, sound, notify, view } = store.state;
  const presence: Agent['presence'][] = ['online', 'away', 'offline'];
  return (
    <header class="top">
      <div class="brand">
        <span class="logo" aria-hidden="true" />
        <span>
          <b>{s.appTitle}</b>
          <small>{appName}</small>
        </span>
      </div>
      <fieldset class="presence">
        <legend class="sr">{s.presence}</legend>
        {presence.map((p) => (
          <button
            key={p}
            type="button"
            aria-pressed={me?.presence === p}
            class={`presence-${p}`}
            data-presence={p}
            onClick={() => store.setPresence(p)}
          >
            <span class="dot" aria-hidden="true" />
            {s[p]}
          </button>
        ))}
      </fieldset>
      <output
        class={`stream stream-${stream}`}
        title={stream === 'live' ? s.live : stream === 'busy' ? s.tooManyTabs : s.reconnecting}
      >
        {stream === 'live' ? s.live : stream === 'busy' ? s.tooManyTabs : s.reconnecting}
      </output>
      <div class="tools">
        {me?.role === 'supervisor' && (
          <button
            type="button"
            aria-pressed={view === 'supervisor'}
            data-action="supervisor"
            onClick={() => store.setView(view === 'supervisor' ? 'queued' : 'supervisor')}
          >
            {s.supervisor}
          </button>
        )}
        {me?.role === 'supervisor' && (
          <button
            type="button"
            aria-pressed={view === 'insights'}
            data-action="insights"
            onClick={() => store.setView(view === 'insights' ? 'queued' : 'insights')}
          >
            {store.state.lang === 'en' ? 'Insights' : '洞察'}
          </button>
        )}
        {me?.role === 'supervisor' && (
          <button
            type="button"
            aria-pressed={view === 'webhooks'}
            data-action="webhooks"
            onClick={() => store.setView(view === 'webhooks' ? 'queued' : 'webhooks')}
          >
            Webhooks
          </button>
        )}
        <button
          type="button"
          aria-pressed={view === 'rooms'}
          data-action="rooms"
          onClick={() => store.setView(view === 'rooms' ? 'queued' : 'rooms')}
        >
          {s.rooms}
        </button>
        <label class="toggle" title={s.sound}>
          <input type="checkbox" checked={sound} onChange={(e) => store.setSound(e.currentTarget.checked)} />
          <span class="long">{s.sound}</span>
          <span class="short" aria-hidden="true">
            {s.soundShort}
          </span>
        </label>
        <label class="toggle" title={s.notifications}>
          <input
            type="checkbox"
            checked={notify}
            onChange={(e) => store.setNotify(e.currentTarget.checked)}
          />
          <span class="long">{s.notifications}</span>
          <span class="short" aria-hidden="true">
            {s.notificationsShort}
          </span>
        </label>
        <LanguageSwitch store={store} />
        <span class="who">
          {me?.name}
          <small>{me?.role === 'supervisor' ? s.supervisorRole : s.agent}</small>
        </span>
        <button type="button" title={me?.name} onClick={() => store.signOut()}>
          {s.signOut}
        </button>
      </div>
    </header>
  );
}

const isTyping = (target: EventTarget | null) =>
  target instanceof HTMLElement &&
  (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

/** j/k next/previous, r reply, e resolve, t transfer, c claim, / search, ? the list of keys. */
function useShortcuts(store: ConsoleStore) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === 'Escape') {
        if (store.state.dialog) store.openDialog(null);
        // Out of a text field by keyboard alone: back to the open conversation's row, where the
        // single-key shortcuts work again (a keyboard-only agent has no mouse to click away with).
        else if (isTyping(event.target)) {
          (event.target as HTMLElement).blur();
          // (The row may have left this view, e.g. queued → mine on claim: then the conversation itself.)
          const row = document.getElementById(`row-${store.state.selectedId}`);
          (row ?? document.getElementById('conversation'))?.focus();
        }
        return;
      }
      if (isTyping(event.target) || store.state.dialog) return;
      const run: Record<string, () => void> = {
        j: () => store.step(1),
        k: () => store.step(-1),
        r: () => store.focusReply(),
        e: () => store.conversationAction('resolve'),
        t: () => store.state.selectedId && store.openDialog('transfer'),
        c: () => store.conversationAction('claim'),
        '/': () => document.getElementById('search')?.focus(),
        '?': () => store.openDialog('shortcuts'),
      };
      const action = run[event.key];
      if (!action) return;
      event.preventDefault();
      action();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [store]);
}

function Toast({ store }: { store: ConsoleStore }) {
  const toast = store.state.toast;
  useEffect(() => {
    if (!toast) return;
    const timer = setTimeout(() => store.dismissToast(), 6000);
    return () => clearTimeout(timer);
  }, [toast, store]);
  return (
    <div
      class={`toast ${toast?.kind ?? ''}`}
      role={toast?.kind === 'error' ? 'alert' : 'status'}
      hidden={!toast}
    >
      {toast?.text}
    </div>
  );
}

function ShortcutsDialog({ store }: { store: ConsoleStore }) {
  const s = store.t();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  const keys: [string, string][] = [
    ['j / k', `${s.inbox} ↓ / ↑`],
    ['r', s.reply],
    ['e', s.resolve],
    ['t', s.transfer],
    ['c', s.claim],
    ['/', s.search],
    ['Enter', s.send],
    ['Shift+Enter', '↵'],
  ];
  return (
    <dialog ref={ref} aria-labelledby="keys-title" onClose={() => store.openDialog(null)}>
      <h2 id="keys-title">{s.shortcuts}</h2>
      <dl class="keys">
        {keys.map(([k, what]) => (
          <div key={k}>
            <dt>
              <kbd>{k}</kbd>
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
      <button type="button" onClick={() => store.openDialog(null)}>
        {s.close}
      </button>
    </dialog>
  );
}

function Shell({ store }: { store: ConsoleStore }) {
  useShortcuts(store);
  const { view, dialog } = store.state;
  return (
    <div class="shell">
      <Header store={store} />
      <div
        class={`work ${view === 'supervisor' || view === 'rooms' ? 'work-supervisor' : view === 'webhooks' || view === 'followups' || view === 'shop' ? 'work-settings' : view === 'insights' ? 'work-insights' : ''}`}
      >
        {view !== 'webhooks' && view !== 'followups' && view !== 'shop' && view !== 'insights' && (
          <InboxPane store={store} />
        )}
        {view === 'insights' ? (
          <Lazy store={store} load={() => import('./insights').then((m) => m.InsightsView)} />
        ) : view === 'webhooks' ? (
          <Lazy store={store} load={() => import('./webhooks').then((m) => m.WebhooksView)} />
        ) : view === 'followups' ? (
          <Lazy store={store} load={() => import('./followups').then((m) => m.FollowUpsView)} />
        ) : view === 'shop' ? (
          <Lazy store={store} load={() => import('./shop-settings').then((m) => m.ShopSettingsView)} />
        ) : view === 'supervisor' ? (
          <SupervisorView store={store} />
        ) : view === 'rooms' ? (
          <RoomsView store={store} />
        ) : (
          <>
            <ConversationView store={store} />
            <ProfilePanel store={store} />
          </>
        )}
      </div>
      {dialog === 'transfer' && <TransferDialog store={store} />}
      {dialog === 'shortcuts' && <ShortcutsDialog store={store} />}
      <Toast store={store} />
    </div>
  );
}

type Page = (props: { store: ConsoleStore }) => preact.JSX.Element;

/**
 * A page only supervisors open (insights, webhooks, follow-up rules, shop settings), loaded the first time it is
 * opened: each is its own chunk, so an agent's first load stays within the console's 40 KB budget.
 */
function Lazy({ store, load }: { store: ConsoleStore; load: () => Promise<Page> }) {
  const [page, setPage] = useState<Page | null>(null);
  useEffect(() => {
    void load().then((loaded) => setPage(() => loaded));
  }, [load]);
  const Loaded = page;
  return Loaded ? <Loaded store={store} /> : <main class="webhooks" aria-busy="true" />;
}
