// The `<script src=".../widget.js" data-app-key="pk_…" data-api-url="…">` build. tsup wraps this
// module as an IIFE with `globalName: 'Threadline'`, so its exports become `window.Threadline`.
import type { ThreadlineClient } from '@threadline/sdk-core';
import { defineThreadlineChat, type ThreadlineChatElement } from './chat-element';
import { createThreadline, type ThreadlineOptions } from './create-threadline';

export { createThreadline } from './create-threadline';
export { createWebPlatform } from './web-platform';

export interface InitOptions extends Omit<ThreadlineOptions, 'apiUrl'> {
  /** Default: the origin the script was loaded from. */
  apiUrl?: string;
  /** `zh-CN` or `en`; default from the browser. */
  lang?: string;
  /** Open the panel at once. */
  open?: boolean;
  /** Where to put the widget; default `document.body`. */
  container?: HTMLElement;
}

const script = typeof document !== 'undefined' ? (document.currentScript as HTMLScriptElement | null) : null;

/** The client of the widget `init` mounted (undefined before). */
export let client: ThreadlineClient | undefined;
/** The mounted `<threadline-chat>` element. */
export let element: ThreadlineChatElement | undefined;

/** Mounts `<threadline-chat>` with a client for `appKey`; returns the client (also `Threadline.client`). */
export function init(options: InitOptions): ThreadlineClient {
  if (client) return client;
  defineThreadlineChat();
  const { lang, open, container, ...clientOptions } = options;
  const apiUrl = options.apiUrl ?? (script?.src ? new URL(script.src).origin : location.origin);
  client = createThreadline({ ...clientOptions, apiUrl });
  const chat = document.createElement('threadline-chat') as unknown as ThreadlineChatElement;
  if (lang) chat.setAttribute('lang', lang);
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
    open: data.open === 'true',
  });
}
