/** @threadline/sdk-miniprogram: Threadline for WeChat mini-programs (client, wx.* platform, chat component). */
export {
  type ClientEvents,
  type ConnectionStatus,
  HttpError,
  type Message,
  NetworkError,
  type ResumeResult,
  type StartResult,
  ThreadlineError,
  TimeoutError,
} from '@threadline/sdk-core';
export { type HandoffQuery, parseHandoffCode } from './handoff-code';
export {
  createMiniProgramPlatform,
  describeDevice,
  type MiniProgramPlatform,
  type MiniProgramPlatformOptions,
} from './miniprogram-platform';
export {
  createThreadline,
  getThreadline,
  type MiniProgramThreadline,
  type ThreadlineOptions,
} from './threadline';
export type { WxHost } from './wx-host';
export { WX_STORAGE_KEY_LIMIT } from './wx-storage';
