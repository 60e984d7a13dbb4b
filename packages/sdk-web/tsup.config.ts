import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The npm entry: sdk-core stays a dependency, so apps share one copy with their own imports.
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    target: 'es2020',
    treeshake: true,
  },
  {
    // The <script> bundle: everything inlined, minified, `window.Threadline`, nothing else needed.
    entry: { widget: 'src/widget-entry.ts' },
    format: ['iife'],
    globalName: 'Threadline',
    outExtension: () => ({ js: '.js' }),
    noExternal: [/.*/],
    minify: true,
    target: 'es2020',
    platform: 'browser',
    treeshake: true,
    sourcemap: false,
  },
]);
