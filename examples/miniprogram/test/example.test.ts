import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import vm from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeWx, type FakeWx } from '../../../packages/sdk-miniprogram/test/fake-wx';

// The example as WeChat would run it: app.js and the page's JS with App/Page/getApp/wx globals,
// `require('@threadline/sdk-miniprogram')` answered by the built miniprogram_dist (what 构建 npm copies).
const here = join(__dirname, '..');
const mini = join(here, 'miniprogram');
const dist = join(here, '..', '..', 'packages', 'sdk-miniprogram', 'miniprogram_dist');
const nodeRequire = createRequire(import.meta.url);
const json = (path: string) => JSON.parse(readFileSync(join(here, path), 'utf8'));

const session = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    sessionToken: 'st_1',
    expiresAt: '2099-01-01T00:00:00.000Z',
    anonymousId: 'C'.repeat(22),
    session: { id: 'ses_1', channel: 'miniprogram' },
    customer: { id: 'cus_1', identified: true },
    conversation: null,
    ...over,
  });

function run(file: string, globals: Record<string, unknown>) {
  const context = vm.createContext({ console, setTimeout, clearTimeout, ...globals });
  const module = { exports: {} };
  const require = (name: string) =>
    name === '@threadline/sdk-miniprogram'
      ? nodeRequire(join(dist, 'index.js'))
      : nodeRequire(join(mini, name));
  vm.runInContext(
    `(function (module, exports, require) {${readFileSync(join(mini, file), 'utf8')}\n})`,
    context,
  )(module, module.exports, require);
}

describe('examples/miniprogram', () => {
  let wx: FakeWx | undefined;
  afterEach(() => {
    delete (globalThis as { wx?: unknown }).wx;
  });

  it('is a project WeChat devtools opens, with the component wired through usingComponents', () => {
    const project = json('project.config.json');
    expect(project.miniprogramRoot).toBe('miniprogram/');
    expect(project.setting.packNpmRelationList[0]).toEqual({
      packageJsonPath: './package.json',
      miniprogramNpmDistDir: './miniprogram/',
    });
    expect(json('package.json').dependencies['@threadline/sdk-miniprogram']).toBeDefined();
    expect(json('miniprogram/app.json').pages).toEqual(['pages/chat/index']);
    const using = json('miniprogram/pages/chat/index.json').usingComponents['threadline-chat'];
    // After 构建 npm this path is miniprogram_npm/@threadline/sdk-miniprogram/threadline-chat/index.
    expect(using).toBe('@threadline/sdk-miniprogram/threadline-chat/index');
    const pkg = json('../../packages/sdk-miniprogram/package.json');
    const built = join(
      here,
      '..',
      '..',
      'packages',
      'sdk-miniprogram',
      pkg.miniprogram,
      'threadline-chat',
      'index.json',
    );
    expect(JSON.parse(readFileSync(built, 'utf8')).component).toBe(true);
  });

  it('app.js logs in with WeChat at launch; the page hands a scanned handoff to the component, which asks first', async () => {
    wx = createFakeWx({
      respond(request) {
        if (request.path === '/v1/sessions') request.succeed(201, session());
      },
    });
    wx.loginCodes.push('wx-login-code');
    (globalThis as { wx?: unknown }).wx = wx;
    let app: any;
    let page: any;
    run('app.js', { wx, App: (options: unknown) => (app = options) });
    app.onLaunch();
    expect(app.threadline).toBeDefined();
    await vi.waitFor(() => expect(wx!.requests.filter((r) => r.path === '/v1/sessions')).toHaveLength(1));
    expect(JSON.parse(String(wx.requests[0]!.options.data))).toMatchObject({
      channel: 'miniprogram',
      wechatCode: 'wx-login-code',
    });

    run('pages/chat/index.js', { wx, Page: (options: unknown) => (page = options), getApp: () => app });
    page.setData = (data: Record<string, unknown>) => Object.assign(page.data, data);
    const scene = encodeURIComponent('h=Qx7mV2kP9sT4wY8zB1cD3e');
    page.onLoad({ scene });
    // The page claims nothing itself: the code goes to <threadline-chat handoff>, which asks.
    expect(page.data.handoff).toBe(scene);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(wx.requests.filter((r) => r.path === '/v1/sessions')).toHaveLength(1);
    expect(readFileSync(join(mini, 'pages/chat/index.wxml'), 'utf8')).toContain('handoff="{{handoff}}"');
    app.threadline.close();
  });
});
