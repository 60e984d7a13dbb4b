// `npm start`: build the packages quietly (turbo's log is shown only when the build fails), then
// run the demo, whose banner — the URLs and keys — is the last thing printed.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const turbo = join(dirname(require.resolve('turbo/package.json')), 'bin/turbo');

const started = Date.now();
process.stdout.write('Building Threadline… ');
const build = spawn(process.execPath, [turbo, 'run', 'build', '--output-logs=errors-only'], {
  cwd: root,
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', FORCE_COLOR: '0' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let log = '';
build.stdout.on('data', (chunk) => {
  log += chunk;
});
build.stderr.on('data', (chunk) => {
  log += chunk;
});
const code = await new Promise((resolve) => build.on('close', resolve));
if (code !== 0) {
  process.stdout.write('failed.\n\n');
  process.stderr.write(log);
  process.exit(typeof code === 'number' ? code : 1);
}
process.stdout.write(`done (${((Date.now() - started) / 1000).toFixed(1)} s).\n`);

const demo = spawn(
  process.execPath,
  [join(root, 'packages/api/dist/cli.js'), 'demo', ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => demo.kill(signal));
demo.on('close', (exitCode) => process.exit(exitCode ?? 0));
