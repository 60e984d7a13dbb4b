import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import vm from 'node:vm';
import { parse } from 'acorn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_URL, type StartedApi, startApi } from './api-harness';
import { answerWithApi } from './api-wx';
import { createFakeWx } from './fake-wx';

// What a host's 构建 npm copies: miniprogram_dist. Run `npm run build` first (npm test does).
const dist = join(__dirname, '..', 'miniprogram_dist');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe('the built miniprogram_dist', () => {
  let outside: string;
  beforeAll(() => {
    if (!existsSync(join(dist, 'index.js')))
      throw new Error(
        'miniprogram_dist is missing: run `npm run build -w @threadline/sdk-miniprogram` first.',
      );
    // Copied out of the repository, where no node_modules can be reached.
    outside = mkdtempSync(join(tmpdir(), 'threadline-mp-dist-'));
    cpSync(dist, outside, { recursive: true });
  });
  afterAll(() => {
    if (outside) rmSync(outside, { recursive: true, force: true });
  });

  it('holds the entry and the component (js, wxml, wxss, json)', () => {
    const shipped = files(outside).map((path) => relative(outside, path).replace(/\\/g, '/'));
    expect(shipped).toEqual(
      expect.arrayContaining([
        'index.js',
        'threadline-chat/index.js',
        'threadline-chat/index.json',
        'threadline-chat/index.wxml',
        'threadline-chat/index.wxss',
      ]),
    );
    expect(JSON.parse(readFileSync(join(outside, 'threadline-chat/index.json'), 'utf8')).component).toBe(
      true,
    );
  });

  it('is ES2015 script syntax, and requires nothing but the package’s own entry', () => {
    for (const path of files(outside).filter((p) => p.endsWith('.js'))) {
      const code = readFileSync(path, 'utf8');
      // Throws on anything newer than ES2015 (async functions, ?., ??, object spread, class fields…).
      expect(() => parse(code, { ecmaVersion: 2015, sourceType: 'script' })).not.toThrow();
      const required = [...code.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]);
      expect(required.filter((name) => name !== '../index')).toEqual([]);
      expect(code).not.toMatch(/\bprocess\.env\b|\bBuffer\.|\bimport\(/);
    }
  });

  describe('loaded in a bare realm with only `wx`', () => {
    let api: StartedApi;
    beforeAll(async () => {
      api = await startApi();
    });
    afterAll(async () => {
      await api?.close();
    });

    /**
     * Evaluates index.js from the copy outside the repo in a fresh V8 context that has what the
     * mini-program logic layer has — ECMAScript built-ins, timers, console, `wx` — and nothing else:
     * no require (beyond a throwing stub), process, fetch, URL, TextDecoder, AbortController or crypto.
     */
    function load(wx: unknown, options: { withoutGlobalThis?: boolean } = {}) {
      const asked: string[] = [];
      const sandbox = {
        wx,
        console,
        setTimeout,
        clearTimeout,
        module: { exports: {} as Record<string, unknown> },
        require(name: string) {
          asked.push(name);
          throw new Error(`the mini-program bundle tried to require("${name}")`);
        },
      };
      const context = vm.createContext(sandbox);
      // Very old base libraries have no `globalThis`.
      if (options.withoutGlobalThis) vm.runInContext('delete globalThis.globalThis', context);
      vm.runInContext(
        `(function (module, exports, require) {${readFileSync(join(outside, 'index.js'), 'utf8')}\n})(module, module.exports, require);`,
        context,
        { filename: join(outside, 'index.js') },
      );
      for (const name of [
        'fetch',
        'URL',
        'TextDecoder',
        'AbortController',
        'XMLHttpRequest',
        'EventSource',
        'process',
      ])
        expect(vm.runInContext(`typeof ${name}`, context)).toBe('undefined');
      return { exports: sandbox.module.exports, asked, context };
    }

    it('exports createThreadline and createMiniProgramPlatform', () => {
      const { exports, asked } = load(createFakeWx());
      expect(typeof exports.createThreadline).toBe('function');
      expect(typeof exports.createMiniProgramPlatform).toBe('function');
      expect(asked).toEqual([]);
    });

    it('starts a session, sends and gets the answer through the global wx alone', async () => {
      const shop = await api.createShop();
      const wx = createFakeWx({ respond: answerWithApi(api.app) });
      const { exports, asked } = load(wx);
      const client = (exports.createThreadline as any)({ appKey: shop.publishableKey, apiUrl: API_URL });
      try {
        const started = await client.start();
        expect(started.customer.identified).toBe(false);
        expect(started.anonymousId).toMatch(/^[A-Za-z0-9_-]{22}$/);
        const answer = await client.send('你好，在吗');
        expect(answer.message.text).toBe('你好，在吗');
        expect(answer.message.channel).toBe('miniprogram');
        // The anonymous id persisted through wx.setStorageSync.
        expect(wx.storage.get('threadline.anonymous_id')).toBe(started.anonymousId);
        expect(asked).toEqual([]);
      } finally {
        client.close();
      }
    });

    it('loads and sends on an old base library that has no globalThis', async () => {
      const shop = await api.createShop();
      const wx = createFakeWx({ respond: answerWithApi(api.app) });
      const { exports, asked, context } = load(wx, { withoutGlobalThis: true });
      expect(vm.runInContext('typeof globalThis', context)).toBe('undefined');
      const client = (exports.createThreadline as any)({ appKey: shop.publishableKey, apiUrl: API_URL });
      try {
        await client.start();
        expect((await client.send('老版本基础库')).message.text).toBe('老版本基础库');
        expect(asked).toEqual([]);
      } finally {
        client.close();
      }
    });
  });
});
