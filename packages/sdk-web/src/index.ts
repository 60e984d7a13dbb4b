/** @threadline/sdk-web: the browser platform, `createThreadline` and the `<threadline-chat>` widget. */
export * from '@threadline/sdk-core';
export { createBrowserStorage, createMemoryStorage } from './browser-storage';
export { defineThreadlineChat, ThreadlineChatElement } from './chat-element';
export { createThreadline, type ThreadlineOptions } from './create-threadline';
export { encodeQr, qrSvg } from './qr-code';
export { createWebPlatform, type WebPlatformOptions } from './web-platform';
