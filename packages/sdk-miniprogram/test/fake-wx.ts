import type {
  WxCallbackResult,
  WxHost,
  WxNetworkStatus,
  WxRequestOptions,
  WxSystemInfo,
} from '../src/wx-host';

/** One `wx.request` call as the fake saw it; the test answers it (or lets it hang). */
export interface FakeWxRequest {
  options: WxRequestOptions;
  method: string;
  path: string;
  query: Record<string, string>;
  aborted: boolean;
  /** Answered, failed or aborted: WeChat no longer holds it open. */
  done: boolean;
  succeed(statusCode: number, data?: unknown, header?: Record<string, string>): void;
  fail(errMsg: string): void;
  /** Set by a responder that holds work open for the request (e.g. a long-poll on the real API). */
  onAbort?: () => void;
}

export interface FakeWxOptions {
  /** Answers every request as it is made (the real API in-process, a script, …). */
  respond?: (request: FakeWxRequest) => void;
  /** Per-key limit the fake enforces like WeChat (throws past it). Default 1 MB. */
  storageKeyLimit?: number;
  /** Total limit (WeChat: 10 MB). */
  storageTotalLimit?: number;
  systemInfo?: WxSystemInfo;
  /** Omit wx.getDeviceInfo / getAppBaseInfo (older base libraries). */
  legacySystemInfo?: boolean;
  randomValues?: boolean;
}

export interface FakeWx extends WxHost {
  requests: FakeWxRequest[];
  /** Requests WeChat still holds open. */
  open(): FakeWxRequest[];
  storage: Map<string, unknown>;
  /** Codes `wx.login` hands out next (each once), like WeChat's 5-minute single-use codes. */
  loginCodes: string[];
  hide(): void;
  show(): void;
  setNetwork(isConnected: boolean): void;
  listeners: { hide: number; show: number; network: number };
}

/** A small, honest stand-in for the `wx` global: callbacks, errMsg strings, '' for missing keys. */
export function createFakeWx(options: FakeWxOptions = {}): FakeWx {
  const hide = new Set<() => void>();
  const show = new Set<(options?: unknown) => void>();
  const network = new Set<(status: WxNetworkStatus) => void>();
  const storage = new Map<string, unknown>();
  const keyLimit = options.storageKeyLimit ?? 1024 * 1024;
  const totalLimit = options.storageTotalLimit ?? 10 * 1024 * 1024;
  const info: WxSystemInfo = options.systemInfo ?? {
    platform: 'ios',
    system: 'iOS 17.4',
    model: 'iPhone 15',
    brand: 'Apple',
    version: '8.0.50',
    SDKVersion: '3.4.0',
    language: 'zh_CN',
  };
  const size = (key: string, value: unknown) => Buffer.byteLength(key) + Buffer.byteLength(String(value));

  const wx: FakeWx = {
    requests: [],
    open: () => wx.requests.filter((r) => !r.done),
    storage,
    loginCodes: [],
    listeners: {
      get hide() {
        return hide.size;
      },
      get show() {
        return show.size;
      },
      get network() {
        return network.size;
      },
    },

    request(requestOptions) {
      const url = new URL(requestOptions.url);
      const request: FakeWxRequest = {
        options: requestOptions,
        method: requestOptions.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        aborted: false,
        done: false,
        succeed(statusCode, data = '', header = {}) {
          // WeChat keeps calling back after abort() in some versions; the SDK must ignore it.
          request.done = true;
          requestOptions.success?.({ statusCode, data, header });
        },
        fail(errMsg) {
          request.done = true;
          requestOptions.fail?.({ errMsg } satisfies WxCallbackResult);
        },
      };
      wx.requests.push(request);
      options.respond?.(request);
      return {
        abort() {
          if (request.done) return;
          request.aborted = true;
          request.onAbort?.();
          request.fail('request:fail abort');
        },
      };
    },

    getStorageSync: (key) => (storage.has(key) ? storage.get(key) : ''),
    setStorageSync(key, value) {
      if (size(key, value) > keyLimit) throw new Error('setStorageSync:fail entry size limit reached');
      let total = size(key, value);
      for (const [k, v] of storage) if (k !== key) total += size(k, v);
      if (total > totalLimit) throw { errMsg: 'setStorageSync:fail exceed storage max size 10MB' };
      storage.set(key, value);
    },
    removeStorageSync: (key) => {
      storage.delete(key);
    },

    login(loginOptions) {
      const code = wx.loginCodes.shift();
      setTimeout(() =>
        code ? loginOptions.success?.({ code }) : loginOptions.fail?.({ errMsg: 'login:fail no code' }),
      );
    },

    onAppHide: (listener) => void hide.add(listener),
    offAppHide: (listener) => void hide.delete(listener),
    onAppShow: (listener) => void show.add(listener),
    offAppShow: (listener) => void show.delete(listener),
    onNetworkStatusChange: (listener) => void network.add(listener),
    offNetworkStatusChange: (listener) => void network.delete(listener),
    hide: () => {
      for (const listener of [...hide]) listener();
    },
    show: () => {
      for (const listener of [...show]) listener({ scene: 1001 });
    },
    setNetwork(isConnected) {
      for (const listener of [...network])
        listener({ isConnected, networkType: isConnected ? 'wifi' : 'none' });
    },

    ...(options.legacySystemInfo
      ? { getSystemInfoSync: () => info }
      : {
          getDeviceInfo: () => ({
            platform: info.platform,
            system: info.system,
            model: info.model,
            brand: info.brand,
          }),
          getAppBaseInfo: () => ({
            version: info.version,
            SDKVersion: info.SDKVersion,
            language: info.language,
          }),
        }),
    ...(options.randomValues === false
      ? {}
      : {
          getRandomValues(randomOptions: {
            length: number;
            success?(result: { randomValues: ArrayBuffer }): void;
          }) {
            const bytes = new Uint8Array(randomOptions.length);
            crypto.getRandomValues(bytes);
            setTimeout(() => randomOptions.success?.({ randomValues: bytes.buffer }));
          },
        }),
  };
  return wx;
}
