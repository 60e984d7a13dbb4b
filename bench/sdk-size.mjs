// Bundle size of @threadline/sdk-core (SPEC §10: ≤ 10 KB gzip): the built dist/index.js bundled
// with its dependencies (eventsource-parser) by esbuild, minified, as an app's bundler would ship
// it, then gzipped with node:zlib. The ./fetch platform is reported alongside, for information.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { repoRoot } from './lib/common.mjs';

const CORE_BUDGET_BYTES = 10 * 1024;

async function minifiedSize(entry) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  return { minified: code.length, gzip: gzipSync(code).length, text: new TextDecoder().decode(code) };
}

export default async function run({ log }) {
  const dist = join(repoRoot, 'packages/sdk-core/dist');
  const entry = join(dist, 'index.js');
  if (!existsSync(entry))
    throw new Error('packages/sdk-core/dist/index.js is missing: run `npm run build` first.');
  const core = await minifiedSize(entry);
  const fetchPlatform = await minifiedSize(join(dist, 'fetch.js'));
  log(`sdk-core: ${core.minified} B minified, ${core.gzip} B gzip`);
  const pullsZod = /\bZodError\b|zod\.dev/.test(core.text);
  return {
    name: 'sdk-size',
    rows: [
      {
        metric: 'sdk-core index.js, minified + gzip',
        value: core.gzip / 1024,
        unit: 'KB',
        budget: '≤ 10 KB',
        pass: core.gzip <= CORE_BUDGET_BYTES && !pullsZod,
        ...(pullsZod ? { note: 'zod ended up in the client bundle' } : {}),
      },
      { metric: 'sdk-core index.js, minified', value: core.minified / 1024, unit: 'KB' },
      { metric: 'sdk-core/fetch platform, minified + gzip', value: fetchPlatform.gzip / 1024, unit: 'KB' },
    ],
  };
}
