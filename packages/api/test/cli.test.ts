import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '../../..');
const cli = resolve(repoRoot, 'packages/api/dist/cli.js');
const example = resolve(repoRoot, 'packages/api/seed/knowledge-example.json');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `threadline` binary as a user would, in its own data folder. */
function threadline(
  args: string[],
  env: Record<string, string> = {},
  command = process.execPath,
): Promise<Result> {
  const argv = command === process.execPath ? [cli, ...args] : args;
  return run(command, argv, {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1', ...env },
    timeout: 60_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

/** One line, no stack trace: what a user should see when a command cannot do its work. */
const oneClearLine = (text: string) => {
  const lines = text.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(text).not.toMatch(/\n\s+at |Error:/);
  return lines[0]!;
};

describe('the threadline CLI', () => {
  let dir: string;
  let env: Record<string, string>;
  let app: { appId: string; identitySecret: string };

  beforeAll(async () => {
    if (!existsSync(cli))
      throw new Error('Build first: packages/api/dist/cli.js is missing (npm run build).');
    dir = mkdtempSync(join(tmpdir(), 'threadline-cli-'));
    env = { THREADLINE_DIR: dir, DATABASE_URL: `file:${join(dir, 'cli.db')}` };
    const created = await threadline(['app', 'create', '--name', 'Trail & Co'], env);
    expect(created.code).toBe(0);
    app = JSON.parse(created.stdout.slice(created.stdout.indexOf('{')));
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('help (item 19) and the bin (item 18)', () => {
    it.each([[['--help']], [['-h']], [[]], [['app']], [['app', '--help']], [['kb', 'import', '--help']]])(
      '`threadline %s` prints help and exits 0',
      async (args) => {
        const result = await threadline(args, env);
        expect(result.code).toBe(0);
        expect(result.stdout).toMatch(/^Usage: threadline/m);
      },
    );

    it.each([[['serv']], [['app', 'creat']]])(
      'an unknown command (%j) is a usage error: exit 2, one line plus a hint',
      async (args) => {
        const result = await threadline(args, env);
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(new RegExp(`unknown command '${args.at(-1)}'`));
        expect(result.stderr.trim().split('\n').length).toBeLessThanOrEqual(3);
        expect(result.stdout).toBe('');
      },
    );

    it('the workspace bin is linked and executable, and `npx threadline` finds it (the root package is not called threadline)', async () => {
      // npx looks for a package called threadline first: the repository root must not be one.
      expect(JSON.parse(readFileSync(resolve(repoRoot, 'package.json'), 'utf8')).name).toBe(
        'threadline-monorepo',
      );
      const bin = resolve(repoRoot, 'node_modules/.bin/threadline');
      expect(statSync(bin).mode & 0o111).not.toBe(0);
      const direct = await threadline(['--version'], env, bin);
      expect(direct.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
      const viaNpx = await threadline(['--no-install', 'threadline', '--help'], env, 'npx');
      expect(viaNpx.code).toBe(0);
      expect(viaNpx.stdout).toMatch(/Usage: threadline/);
    });
  });

  describe('app voice (issue 15)', () => {
    it('sets the Twilio auth token, the agent number and brand voices; never prints the token', async () => {
      const result = await threadline(
        [
          'app',
          'voice',
          '--app',
          app.appId,
          '--twilio-auth-token',
          'cli-twilio-token-0123456789',
          '--transfer-to',
          '+862161234567',
          '--voice',
          'phone=专业男声',
          'web=温柔女声',
        ],
        env,
      );
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout).voice).toEqual({
        twilioConfigured: true,
        transferTo: '+862161234567',
        voices: { phone: '专业男声', web: '温柔女声' },
        greeting: null,
        smsWebhookUrl: null,
      });
      expect(result.stdout + result.stderr).not.toContain('cli-twilio-token-0123456789');
      expect(result.stderr).toContain(`/v1/voice/twilio/${app.appId}`);
      const cleared = await threadline(['app', 'voice', '--app', app.appId, '--transfer-to', ''], env);
      expect(JSON.parse(cleared.stdout).voice.transferTo).toBeNull();
      expect(JSON.parse(cleared.stdout).voice.twilioConfigured).toBe(true);
    });

    it('refuses a bad agent number or voice pair as a usage error: exit 2, one line', async () => {
      const badTarget = await threadline(['app', 'voice', '--app', app.appId, '--transfer-to', '12345'], env);
      expect(badTarget.code).toBe(2);
      expect(oneClearLine(badTarget.stderr)).toMatch(/transferTo/);
      const badPair = await threadline(['app', 'voice', '--app', app.appId, '--voice', 'phone'], env);
      expect(badPair.code).toBe(2);
      expect(oneClearLine(badPair.stderr)).toMatch(/channel=name/);
    });
  });

  describe('app create and token sign (items 20–21)', () => {
    it('app create tells the operator the bot is silent until knowledge is imported, except for greetings', async () => {
      const result = await threadline(['app', 'create', '--name', 'Second shop'], env);
      expect(result.code).toBe(0);
      // The keys stay machine-readable on stdout; the advice goes to stderr.
      expect(JSON.parse(result.stdout.slice(result.stdout.indexOf('{')))).toHaveProperty('secretKey');
      expect(result.stderr).toMatch(/answers greetings from the start/);
      expect(result.stderr).toMatch(/silent on everything else until you import\s+knowledge/);
      expect(result.stderr).toMatch(/threadline kb import knowledge\.json --app app_/);
      expect(result.stderr).toContain('knowledge-example.json');
    });

    it('token sign refuses to guess the app, and names the demo app when there is one', async () => {
      const refused = await threadline(['token', 'sign', '--sub', 'user-42'], env);
      expect(refused.code).toBe(2);
      expect(oneClearLine(refused.stderr)).toMatch(
        /^usage: say which app the token is for: --app app_… or --secret is_…/,
      );
      expect(refused.stdout).toBe('');

      // With a demo app in the data folder (what `npm start` writes), the refusal names it.
      writeFileSync(
        join(dir, 'demo.json'),
        JSON.stringify({ appId: app.appId, identitySecret: app.identitySecret }),
      );
      const hinted = await threadline(['token', 'sign', '--sub', 'user-42'], env);
      expect(hinted.code).toBe(2);
      expect(hinted.stderr).toContain(`The demo app here is ${app.appId}: --app demo.`);
      rmSync(join(dir, 'demo.json'));
    });

    it('token sign --app says which app it signed for, and the token verifies with that app’s secret', async () => {
      const result = await threadline(
        ['token', 'sign', '--sub', 'user-42', '--app', app.appId, '--name', '王小姐'],
        env,
      );
      expect(result.code).toBe(0);
      expect(oneClearLine(result.stderr)).toBe(
        `Signed for app ${app.appId} (Trail & Co); sub user-42, valid 3600 s.`,
      );
      const { payload, protectedHeader } = await jwtVerify(
        result.stdout.trim(),
        new TextEncoder().encode(app.identitySecret),
      );
      expect(protectedHeader.alg).toBe('HS256');
      expect(payload).toMatchObject({ sub: 'user-42', name: '王小姐' });
      expect(payload.exp! - payload.iat!).toBe(3600);
    });

    it('token sign --secret says the token is for whichever app owns that secret', async () => {
      const result = await threadline(['token', 'sign', '--sub', 'u1', '--secret', app.identitySecret], env);
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/identity secret you gave/);
      await expect(
        jwtVerify(result.stdout.trim(), new TextEncoder().encode(app.identitySecret)),
      ).resolves.toBeTruthy();
    });

    it.each([
      [['--app', 'app_nope'], 1, /^error: no app app_nope in file:.*`threadline app create` makes one/],
      [['--secret', 'sk_live_wrongkind'], 2, /^usage: --secret takes an identity secret \(is_…\)/],
      [['--app', 'x', '--secret', 'is_x'], 2, /^usage: give --app or --secret, not both/],
      [['--app', 'demo'], 2, /^usage: no demo app in .* yet: run `npm start` once/],
    ])('token sign %j: exit %i with one clear line', async (extra, code, message) => {
      const result = await threadline(['token', 'sign', '--sub', 'u1', ...(extra as string[])], env);
      expect(result.code).toBe(code);
      expect(oneClearLine(result.stderr)).toMatch(message as RegExp);
    });
  });

  describe('kb import (item 20)', () => {
    it('imports the documented example file and says what it did', async () => {
      const result = await threadline(['kb', 'import', example, '--app', app.appId], env);
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe(
        `Imported 3 articles, 2 products and 4 intents into ${app.appId} (Trail & Co). The bot answers from them now.`,
      );
    });

    it.each([
      [
        'a missing file',
        () => join(dir, 'nope.json'),
        () => app.appId,
        /^error: no such file: .*nope\.json$/,
      ],
      ['a folder', () => dir, () => app.appId, /is a folder, not a knowledge file$/],
      [
        'bad JSON',
        () => {
          writeFileSync(join(dir, 'broken.json'), '{"articles": [ {"title": "x",, } ]}');
          return join(dir, 'broken.json');
        },
        () => app.appId,
        /^error: .*broken\.json is not valid JSON: /,
      ],
      [
        'a file of the wrong shape',
        () => {
          writeFileSync(
            join(dir, 'shape.json'),
            JSON.stringify({ articles: [{ title: 'x', questions: [], answer: 'y' }] }),
          );
          return join(dir, 'shape.json');
        },
        () => app.appId,
        /^error: .*shape\.json does not fit the knowledge format: articles\[0\]\.questions: /,
      ],
      ['an unknown app', () => example, () => 'app_doesnotexist', /^error: no app app_doesnotexist in /],
    ])('%s: exit 1 with one clear line', async (_what, file, appId, message) => {
      const result = await threadline(['kb', 'import', file(), '--app', appId()], env);
      expect(result.code).toBe(1);
      expect(oneClearLine(result.stderr)).toMatch(message);
    });

    it('without --app it is a usage error (exit 2)', async () => {
      const result = await threadline(['kb', 'import', example], env);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/required option '--app <appId>' not specified/);
    });
  });
  describe('serve and demo when the machine says no (review of issue 10): one line, no stack trace', () => {
    it.each([
      [['serve', '--port', 'abc'], {}, /^usage: --port must be a whole number from 0 to 65535, not "abc"$/],
      [['serve', '--port', '65536'], {}, /^usage: --port must be a whole number/],
      [['serve', '--port', '-1'], {}, /^usage: --port must be a whole number/],
      [['demo'], { PORT: '70000' }, /^usage: PORT must be a whole number from 0 to 65535, not "70000"$/],
      [['serve'], { PORT: '8080abc' }, /^usage: PORT must be a whole number/],
    ])('refuses a port that is not one: threadline %j %j', async (args, extra, message) => {
      const result = await threadline(args, { ...env, ...extra });
      expect(result.code).toBe(2);
      expect(oneClearLine(result.stderr)).toMatch(message);
    });

    it('a port already in use, a host that is not this machine, a database URL libSQL cannot open', async () => {
      const { createServer } = await import('node:net');
      const busy = createServer();
      await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done));
      const port = String((busy.address() as { port: number }).port);
      try {
        const inUse = await threadline(['serve', '--port', port], env);
        expect(inUse.code).toBe(1);
        expect(oneClearLine(inUse.stderr)).toBe(
          `error: 127.0.0.1:${port} is already in use: stop what listens there, or choose another --port (env PORT)`,
        );
      } finally {
        busy.close();
      }
      // 192.0.2.1 is TEST-NET-1: never an address of this machine.
      const foreign = await threadline(['serve', '--port', '0', '--host', '192.0.2.1'], env);
      expect(foreign.code).toBe(1);
      expect(oneClearLine(foreign.stderr)).toMatch(/^error: cannot listen on that host \(.*\): give --host/);
      const badDb = await threadline(['serve', '--port', '0', '--db', 'nonsense'], env);
      expect(badDb.code).toBe(1);
      expect(oneClearLine(badDb.stderr)).toMatch(/^error: the database could not be opened: URL_INVALID/);
    });
  });
});
