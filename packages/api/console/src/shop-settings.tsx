import type { AppLanguageAnswer } from '@threadline/sdk-core/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ConsoleApiError } from './api';
import type { ConsoleStore } from './store';

/**
 * Shop settings (supervisors): the shop's language, which the web widget speaks unless the page
 * sets `lang`. Over `/v1/app/language`, the one app setting an agent token may change (PATCH
 * /v1/app also holds origins, keys and limits and stays with the secret key). The tag is checked by
 * the API alone, so a bad one is refused in the API's words, not by a second rule here.
 *
 * Strings live here rather than in i18n.ts, as on the webhooks page: a page only supervisors load.
 */

const strings = {
  en: {
    title: 'Shop settings',
    intro: 'Applies to every agent and every shopper of this shop.',
    legend: 'Language of the chat widget',
    legendHint:
      'The web widget on the shop’s pages speaks this language, unless a page sets its own (lang). This console’s language is chosen at the top right, per person.',
    auto: 'Let the page and the shopper’s browser decide',
    zh: '中文 (zh-CN)',
    en: 'English (en-US)',
    other: 'Another language',
    otherTag: 'Language tag (BCP 47)',
    otherHint: 'e.g. zh-TW, ja-JP, fr',
    current: 'In use now: ',
    save: 'Save',
    saving: 'Saving…',
    saved: 'Saved. Widgets use it from their next page load.',
    unchanged: 'Nothing to save: this is the language in use.',
    notSaved: (reason: string) => `Not saved: ${reason}`,
  },
  'zh-CN': {
    title: '店铺设置',
    intro: '对本店所有客服和顾客生效。',
    legend: '聊天窗口的语言',
    legendHint:
      '店铺网页上的聊天窗口使用此语言，网页自行设置了 lang 的除外。本工作台的界面语言在右上角按人选择。',
    auto: '由网页和顾客的浏览器决定',
    zh: '中文 (zh-CN)',
    en: 'English (en-US)',
    other: '其他语言',
    otherTag: '语言代码（BCP 47）',
    otherHint: '例如 zh-TW、ja-JP、fr',
    current: '当前使用：',
    save: '保存',
    saving: '正在保存…',
    saved: '已保存。聊天窗口在下次打开页面时使用。',
    unchanged: '无需保存：这就是当前使用的语言。',
    notSaved: (reason: string) => `未保存：${reason}`,
  },
};
type Strings = (typeof strings)['en'];

type Choice = 'auto' | 'zh-CN' | 'en-US' | 'other';
const PRESETS = ['zh-CN', 'en-US'] as const;

const choiceOf = (language: string | null): Choice =>
  language === null
    ? 'auto'
    : (PRESETS as readonly string[]).includes(language)
      ? (language as Choice)
      : 'other';

function describe(s: Strings, language: string | null) {
  if (language === null) return s.auto;
  if (language === 'zh-CN') return s.zh;
  if (language === 'en-US') return s.en;
  return language;
}

export function ShopSettingsView({ store }: { store: ConsoleStore }) {
  const s: Strings = strings[store.state.lang] ?? strings.en;
  const api = store.state.api!;
  /** What the API holds; undefined until read. */
  const [current, setCurrent] = useState<string | null | undefined>(undefined);
  const [choice, setChoice] = useState<Choice>('auto');
  const [other, setOther] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const otherInput = useRef<HTMLInputElement>(null);

  const show = (language: string | null) => {
    setCurrent(language);
    setChoice(choiceOf(language));
    setOther(choiceOf(language) === 'other' ? (language ?? '') : '');
  };
  useEffect(() => {
    api
      .get<AppLanguageAnswer>('/v1/app/language')
      .then((answer) => show(answer.language))
      .catch((e) => setResult({ kind: 'error', text: messageOf(e) }));
  }, [api]);

  const pick = (next: Choice) => {
    setChoice(next);
    setResult(null);
    // Choosing "another language" by keyboard goes on to the field it needs.
    if (next === 'other') setTimeout(() => otherInput.current?.focus(), 0);
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const language = choice === 'auto' ? null : choice === 'other' ? other.trim() : choice;
    if (language === current) {
      setResult({ kind: 'ok', text: s.unchanged });
      return;
    }
    setBusy(true);
    setResult(null);
    try {
      const answer = await api.send<AppLanguageAnswer>('PUT', '/v1/app/language', { language });
      show(answer.language);
      setResult({ kind: 'ok', text: s.saved });
    } catch (e) {
      setResult({ kind: 'error', text: s.notSaved(messageOf(e)) });
      if (choice === 'other') otherInput.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  const radio = (value: Choice, label: string) => (
    <label class="check">
      <input
        type="radio"
        name="language"
        value={value}
        checked={choice === value}
        onChange={() => pick(value)}
        disabled={current === undefined}
      />
      <span>{label}</span>
    </label>
  );

  return (
    <main class="webhooks shop-settings" aria-labelledby="shop-title" data-part="shop-settings">
      <h1 id="shop-title">{s.title}</h1>
      <p class="hint">{s.intro}</p>
      <form class="hook-form shop-form" data-part="language-form" onSubmit={submit} aria-busy={busy}>
        <fieldset aria-describedby="shop-language-hint">
          <legend>{s.legend}</legend>
          <p class="hint" id="shop-language-hint">
            {s.legendHint}
          </p>
          <p class="current" data-part="language-current">
            {s.current}
            <b>{current === undefined ? '…' : describe(s, current)}</b>
          </p>
          {radio('auto', s.auto)}
          {radio('zh-CN', s.zh)}
          {radio('en-US', s.en)}
          {radio('other', s.other)}
          <label class="other-tag">
            <span>{s.otherTag}</span>
            <input
              ref={otherInput}
              name="other"
              value={other}
              onInput={(e) => {
                setOther(e.currentTarget.value);
                setResult(null);
              }}
              disabled={choice !== 'other'}
              required={choice === 'other'}
              maxLength={35}
              placeholder={s.otherHint}
              autoComplete="off"
              spellcheck={false}
              aria-invalid={choice === 'other' && result?.kind === 'error'}
              aria-errormessage={result?.kind === 'error' ? 'shop-language-result' : undefined}
            />
          </label>
        </fieldset>
        {result && (
          <p
            id="shop-language-result"
            class={result.kind === 'error' ? 'error' : 'saved'}
            role={result.kind === 'error' ? 'alert' : 'status'}
            data-part={result.kind === 'error' ? 'language-error' : 'language-saved'}
          >
            {result.text}
          </p>
        )}
        <button
          type="submit"
          class="primary"
          data-action="save-language"
          disabled={busy || current === undefined}
        >
          {busy ? s.saving : s.save}
        </button>
      </form>
    </main>
  );
}

/**
 * The API's own words for a refusal, with its code: for a bad tag, the field's issue (what a BCP 47
 * tag looks like) rather than the envelope's general "the request body is not valid".
 */
const messageOf = (e: unknown) =>
  e instanceof ConsoleApiError
    ? `${e.issues.map((issue) => issue.message).join('; ') || e.message} (${e.code})`
    : e instanceof Error
      ? e.message
      : String(e);
