import {
  type Channel,
  type ClientOptions,
  createClient,
  type Platform,
  type ThreadlineClient,
} from '@threadline/sdk-core';
import { createWebPlatform, type WebPlatformOptions } from './web-platform';

export type { ThreadlineClient } from '@threadline/sdk-core';

export interface ThreadlineOptions extends Omit<ClientOptions, 'platform' | 'channel'> {
  /** Default `web`. */
  channel?: Channel;
  /** Default: the browser platform built from `web`. */
  platform?: Platform;
  web?: WebPlatformOptions;
}

/** The §5a client for browsers: `createThreadline({ appKey, apiUrl, channel: 'web' })`. */
export function createThreadline(options: ThreadlineOptions): ThreadlineClient {
  const { web, ...rest } = options;
  return createClient({
    ...rest,
    channel: options.channel ?? 'web',
    platform: options.platform ?? createWebPlatform({ tabKey: options.appKey, ...web }),
  });
}
