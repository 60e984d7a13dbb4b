import type { Platform } from '@threadline/sdk-core';
import { createEntropyPool } from './entropy-pool';
import { createRequestLimiter } from './request-limiter';
import { resolveWx, type WxHost, type WxNetworkStatus, type WxSystemInfo } from './wx-host';
import { createWxRequest } from './wx-request';
import { createWxStorage, WX_STORAGE_KEY_LIMIT } from './wx-storage';

export interface MiniProgramPlatformOptions {
  /** The host object; default: the global `wx`, looked up at each call (tests swap it). */
  wx?: WxHost | (() => WxHost | undefined);
  /**
   * How many `wx.request` the SDK may have open at once. WeChat allows 10 for the whole
   * mini-program; one is the long-poll, and the host app needs the rest. Default 4.
   */
  maxConcurrentRequests?: number;
  /** Refuse values over this many bytes per storage key. Default 1 MB, WeChat's limit. */
  maxStorageBytesPerKey?: number;
  /** Sent as `device.appVersion` with each new session. */
  appVersion?: string;
}

export interface MiniProgramPlatform extends Platform {
  /** Resolves once strong random bytes are pooled (see `createEntropyPool`). Never rejects. */
  ready: Promise<void>;
  /** The app went to the background (`false`) or came back (`true`); returns an unsubscribe. */
  onAppStateChange(listener: (active: boolean) => void): () => void;
}

function subscribe<T>(
  on: ((listener: T) => void) | undefined,
  off: ((listener: T) => void) | undefined,
  listener: T,
): () => void {
  if (!on) return () => {};
  on(listener);
  return () => off?.(listener);
}

/** The platform contract of `@threadline/sdk-core` over `wx.*`: request, storage, lifecycle, network, device. */
export function createMiniProgramPlatform(options: MiniProgramPlatformOptions = {}): MiniProgramPlatform {
  const getWx = () => resolveWx(options.wx);
  const limiter = createRequestLimiter(Math.max(1, Math.min(options.maxConcurrentRequests ?? 4, 9)));
  const entropy = createEntropyPool(getWx);
  const timers = {
    setTimeout: (callback: () => void, ms: number): unknown => setTimeout(callback, ms),
    clearTimeout: (handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };

  return {
    ready: entropy.ready,
    request: createWxRequest(getWx, limiter, timers),
    storage: createWxStorage(getWx, options.maxStorageBytesPerKey ?? WX_STORAGE_KEY_LIMIT),
    randomBytes: entropy.randomBytes,
    // The logic layer's own timers: old base libraries have no `globalThis` for the core to find them on.
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,

    onNetworkChange(listener) {
      const wx = getWx();
      return subscribe(wx.onNetworkStatusChange, wx.offNetworkStatusChange, (status: WxNetworkStatus) =>
        listener(status.isConnected),
      );
    },

    onAppStateChange(listener) {
      const wx = getWx();
      const hide = subscribe(wx.onAppHide, wx.offAppHide, () => listener(false));
      const show = subscribe(wx.onAppShow, wx.offAppShow, () => listener(true));
      return () => {
        hide();
        show();
      };
    },

    get device() {
      return describeDevice(getWx(), options.appVersion);
    },
  };
}

/** `device` for new sessions, from getDeviceInfo/getAppBaseInfo (or the older getSystemInfoSync). */
export function describeDevice(wx: WxHost, appVersion?: string): Platform['device'] {
  let info: WxSystemInfo = {};
  try {
    info =
      wx.getDeviceInfo && wx.getAppBaseInfo
        ? { ...wx.getDeviceInfo(), ...wx.getAppBaseInfo() }
        : (wx.getSystemInfoSync?.() ?? {});
  } catch {
    // Device details are a nicety; a session starts without them.
  }
  const parts = [
    info.version ? `WeChat/${info.version}` : 'WeChat',
    info.SDKVersion ? `MiniProgram/${info.SDKVersion}` : '',
    info.system ?? '',
    [info.brand, info.model].filter(Boolean).join(' '),
  ].filter(Boolean);
  const version =
    appVersion ??
    (() => {
      try {
        return wx.getAccountInfoSync?.().miniProgram?.version || undefined;
      } catch {
        return undefined;
      }
    })();
  return {
    platform: `miniprogram${info.platform ? `-${info.platform}` : ''}`.slice(0, 64),
    userAgent: parts.join(' ').slice(0, 512),
    ...(info.language ? { locale: info.language.slice(0, 35) } : {}),
    ...(version ? { appVersion: version.slice(0, 64) } : {}),
  };
}
