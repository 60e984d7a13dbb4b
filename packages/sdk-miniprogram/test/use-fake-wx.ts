import { afterEach, beforeEach } from 'vitest';
import type { WxHost } from '../src/wx-host';
import { createFakeWx, type FakeWx, type FakeWxOptions } from './fake-wx';

// Apart from fake-wx.ts so that scripts (screenshots) can use the fake without loading vitest.
/** A fresh fake `wx` as the global for each test of the file (sentry-miniapp's habit). */
export function useFakeWx(options: FakeWxOptions = {}): { readonly current: FakeWx } {
  const holder = { current: undefined as unknown as FakeWx };
  const g = globalThis as { wx?: WxHost };
  beforeEach(() => {
    holder.current = createFakeWx(options);
    g.wx = holder.current;
  });
  afterEach(() => {
    delete g.wx;
  });
  return holder;
}
