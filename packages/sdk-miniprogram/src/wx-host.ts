/**
 * The slice of the `wx` global the SDK uses, typed here so the package needs no ambient typings
 * and a test can hand in a small fake. Every member the SDK can live without is optional, because
 * base libraries differ (getDeviceInfo came in 2.20.1, getRandomValues in 2.22, …).
 */
export interface WxCallbackResult {
  errMsg: string;
  errno?: number;
}

export interface WxRequestOptions {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS' | 'HEAD';
  header?: Record<string, string>;
  data?: string;
  dataType?: string;
  responseType?: 'text' | 'arraybuffer';
  timeout?: number;
  success?(result: { statusCode: number; data: unknown; header?: Record<string, string> }): void;
  fail?(error: WxCallbackResult): void;
}

export interface WxRequestTask {
  abort(): void;
}

export interface WxNetworkStatus {
  isConnected: boolean;
  networkType?: string;
}

export interface WxSystemInfo {
  platform?: string;
  system?: string;
  model?: string;
  brand?: string;
  version?: string;
  SDKVersion?: string;
  language?: string;
}

export interface WxHost {
  request(options: WxRequestOptions): WxRequestTask;
  getStorageSync(key: string): unknown;
  setStorageSync(key: string, value: string): void;
  removeStorageSync(key: string): void;
  login?(options: {
    timeout?: number;
    success?(result: { code: string }): void;
    fail?(error: WxCallbackResult): void;
  }): void;
  onAppHide?(listener: () => void): void;
  offAppHide?(listener: () => void): void;
  onAppShow?(listener: (options?: unknown) => void): void;
  offAppShow?(listener: (options?: unknown) => void): void;
  onNetworkStatusChange?(listener: (status: WxNetworkStatus) => void): void;
  offNetworkStatusChange?(listener: (status: WxNetworkStatus) => void): void;
  getRandomValues?(options: {
    length: number;
    success?(result: { randomValues: ArrayBuffer }): void;
    fail?(error: WxCallbackResult): void;
  }): void;
  getDeviceInfo?(): WxSystemInfo;
  getAppBaseInfo?(): WxSystemInfo;
  getSystemInfoSync?(): WxSystemInfo;
  getAccountInfoSync?(): { miniProgram?: { appId?: string; version?: string; envVersion?: string } };
}

declare const wx: WxHost | undefined;

/** The injected host, or the mini-program's global `wx` looked up at call time (so tests can swap it). */
export function resolveWx(injected?: WxHost | (() => WxHost | undefined)): WxHost {
  const host = typeof injected === 'function' ? injected() : injected;
  if (host) return host;
  if (typeof wx !== 'undefined' && wx) return wx;
  throw new Error('Threadline: no `wx` found. Run inside a WeChat mini-program or pass { wx }.');
}
