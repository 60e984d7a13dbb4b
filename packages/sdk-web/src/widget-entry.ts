// The `<script src=".../widget.js" data-app-key="pk_…" data-api-url="…">` build. tsup wraps this
// module as an IIFE with `globalName: 'Threadline'`, so its exports become `window.Threadline`.
import type { ThreadlineClient } from '@threadline/sdk-core';
import { defineThreadlineChat, isThreadlineChat, type ThreadlineChatElement } from './chat-element';
import { createThreadline, type ThreadlineOptions } from './create-threadline';

export { createThreadline } from './create-threadline';
export { createWebPlatform } from './web-platform';

export interface InitOptions extends Omit<ThreadlineOptions, 'apiUrl'> {
  /** Default: the origin the script was loaded from. */
  apiUrl?: string;
  /** `zh-CN` or `en`: the app's language. Default: the page's `<html lang>`, then the browser's. */
  lang?: string;
  /**
   * Forget the shopper (identity, history, unsent messages) when the browser session ends, as a
   * shop login kept in a session cookie does: for shops used on shared or public computers.
   * Logging out must still call `client.reset()`.
   */
  forgetOnClose?: boolean;
  /** The channels the handoff view offers (default `['app', 'miniprogram', 'phone']`). */
  handoffTargets?: string[];
  /** Open the panel at once. */
  open?: boolean;
  /** Where to put the widget; default `document.body`. */
  container?: HTMLElement;
}

const script = typeof document !== 'undefined' ? (document.currentScript as HTMLScriptElement | null) : null;

/**
 * What an earlier copy of this bundle exported, when the page loads widget.js twice (a theme and
 * a plugin both add it): read before this copy's own exports replace `window.Threadline`.
 */
const earlier = (
  globalThis as { Threadline?: { client?: ThreadlineClient; element?: ThreadlineChatElement } }
).Threadline;

/** The client of the widget `init` mounted (undefined before). */
export let client: ThreadlineClient | undefined;
/** The mounted `<threadline-chat>` element. */
export let element: ThreadlineChatElement | undefined;

/** Mounts `<threadline-chat>` with a client for `appKey`; returns the client (also `Threadline.client`). */
export function init(options: InitOptions): ThreadlineClient {
  if (client) return client;
  // One widget per page however often the bundle is loaded: a second copy adopts the first one's.
  if (earlier?.client && earlier.element) {
    client = earlier.client;
    element = earlier.element;
    return client;
  }
  const tag = defineThreadlineChat();
  const { lang, open, container, forgetOnClose, handoffTargets, ...clientOptions } = options;
  const apiUrl = options.apiUrl ?? (script?.src ? new URL(script.src).origin : location.origin);
  client = createThreadline({ ...clientOptions, apiUrl });
  const chat = document.createElement(tag);
  if (!isThreadlineChat(chat)) {
    // The page's custom-element registry would not take ours: the client still works for the page.
    console.warn('threadline: the <threadline-chat> element could not be registered; no widget is shown.');
    return client;
  }
  if (lang) chat.setAttribute('lang', lang);
  if (forgetOnClose) chat.setAttribute('forget-on-close', '');
  if (handoffTargets?.length) chat.setAttribute('handoff-targets', handoffTargets.join(' '));
  if (clientOptions.channel) chat.setAttribute('channel', clientOptions.channel);
  chat.client = client;
  element = chat;
  const mount = () => {
    (container ?? document.body).append(chat);
    if (open) chat.toggle(true);
  };
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount, { once: true });
  return client;
}

defineThreadlineChat();
const data = script?.dataset;
if (data?.appKey) {
  init({
    appKey: data.appKey,
    ...(data.apiUrl ? { apiUrl: data.apiUrl } : {}),
    ...(data.lang ? { lang: data.lang } : {}),
    ...(data.channel ? { channel: data.channel } : {}),
    ...(data.forgetOnClose !== undefined ? { forgetOnClose: data.forgetOnClose !== 'false' } : {}),
    ...(data.handoffTargets ? { handoffTargets: data.handoffTargets.split(/[\s,]+/) } : {}),
    open: data.open === 'true',
  });
}
