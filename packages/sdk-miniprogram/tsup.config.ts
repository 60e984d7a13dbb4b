import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, type Options } from 'tsup';

// Everything lands in miniprogram_dist, the folder WeChat devtools' 构建 npm copies into a host's
// miniprogram_npm: CommonJS, ES2015 syntax, sdk-core inlined, no Node built-ins (the built code is
// checked by test/built-bundle.test.ts). `npm run build` empties the folder first.
const OUT = 'miniprogram_dist';

const miniprogram: Options = {
  outDir: OUT,
  format: ['cjs'],
  target: 'es2015',
  platform: 'browser',
  outExtension: () => ({ js: '.js' }),
  minify: true,
  sourcemap: false,
  clean: false,
  splitting: false,
  shims: false,
  cjsInterop: false,
};

const COMPONENT = 'src/threadline-chat';

export default defineConfig([
  {
    ...miniprogram,
    // The entry a host requires: createThreadline, the platform, with sdk-core inlined.
    entry: { index: 'src/index.ts' },
    noExternal: [/.*/],
  },
  {
    ...miniprogram,
    // The component shares the entry's client: `require('../index')` stays a require.
    entry: { 'threadline-chat/index': `${COMPONENT}/index.ts` },
    external: ['../index'],
    noExternal: [/^@threadline\//],
    async onSuccess() {
      mkdirSync(join(OUT, 'threadline-chat'), { recursive: true });
      for (const file of readdirSync(COMPONENT)) {
        if (/\.(wxml|wxss|json)$/.test(file))
          copyFileSync(join(COMPONENT, file), join(OUT, 'threadline-chat', file));
      }
    },
  },
  {
    // Types for TypeScript hosts; WeChat ignores .d.ts files.
    entry: { index: 'src/index.ts' },
    outDir: OUT,
    dts: { only: true },
    clean: false,
  },
]);
