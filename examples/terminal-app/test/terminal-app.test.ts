import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApi, type TestApi } from '../../../packages/api/test/harness';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const sdkCore = here('../../../packages/sdk-core');

describe('examples/terminal-app', () => {
  let api: TestApi;
  let server: ReturnType<typeof serve>;
  let apiUrl: string;
  let storageDir: string;
  let app: ChildProcessWithoutNullStreams | undefined;

  beforeAll(async () => {
    // The example runs the published build of the core, as a user's app would.
    if (!existsSync(join(sdkCore, 'dist/fetch.js')))
      execFileSync('npx', ['tsup'], { cwd: sdkCore, stdio: 'ignore' });
    api = await createTestApi({ heartbeatMs: 1_000 });
    server = serve({ fetch: api.app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    storageDir = mkdtempSync(join(tmpdir(), 'threadline-terminal-'));
  });
  afterAll(async () => {
    app?.kill();
    await new Promise((resolve) => server.close(resolve));
    await api.close();
    rmSync(storageDir, { recursive: true, force: true });
  });

  it('sends a typed line to the API and prints a phone message as it arrives', async () => {
    const shop = await api.createShop();
    const token = await shop.identityToken('terminal-user');
    app = spawn(
      process.execPath,
      [
        here('../index.mjs'),
        '--api',
        apiUrl,
        '--key',
        shop.publishableKey,
        '--storage',
        storageDir,
        '--token',
        token,
      ],
      { stdio: 'pipe' },
    );
    let output = '';
    app.stdout.on('data', (chunk) => {
      output += chunk;
    });
    app.stderr.on('data', (chunk) => {
      output += chunk;
    });
    await vi.waitFor(() => expect(output).toMatch(/logged in as cus_\S+ on app/), {
      timeout: 10_000,
      interval: 50,
    });

    app.stdin.write('这款面霜保质期多久\n');
    await vi.waitFor(() => expect(output).toContain('[app] you: 这款面霜保质期多久'), {
      timeout: 10_000,
      interval: 50,
    });
    const { customer } = (
      await shop.channelMessage('phone', { externalId: 'terminal-user' }, '电话里补充一句')
    ).body;

    await vi.waitFor(() => expect(output).toContain('[phone] you: 电话里补充一句'), {
      timeout: 10_000,
      interval: 50,
    });
    const session = await shop.startSession({ channel: 'web', identityToken: token });
    expect(session.customer.id).toBe(customer.id);
    const timeline = await api.call('GET', '/v1/timeline', { token: session.sessionToken });
    expect(timeline.body.messages.map((m: { channel: string; text: string }) => [m.channel, m.text])).toEqual(
      [
        ['app', '这款面霜保质期多久'],
        ['phone', '电话里补充一句'],
      ],
    );
    const persisted = JSON.parse(readFileSync(join(storageDir, 'storage.json'), 'utf8'));
    expect(persisted['threadline.anonymous_id']).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
