import { defineConfig } from 'tsup';

/**
 * The agent console served at /console: Preact + TSX compiled by esbuild into a minified ES module
 * and one stylesheet under dist/console, with the static page from console/public. Pages only
 * supervisors open (follow-up rules) are imported on demand into their own chunk, so every agent's
 * first load stays within the 40 KB budget; code both need lands in a shared chunk that console.js
 * imports (bench/console.mjs counts it). Protocol imports are type-only, so zod stays out.
 */
export default defineConfig({
  entry: { console: 'console/src/main.tsx' },
  outDir: 'dist/console',
  format: ['esm'],
  splitting: true,
  outExtension: () => ({ js: '.js' }),
  platform: 'browser',
  target: 'es2020',
  minify: true,
  treeshake: true,
  sourcemap: false,
  clean: true,
  noExternal: [/.*/],
  publicDir: 'console/public',
  esbuildOptions(options) {
    options.jsx = 'automatic';
    options.jsxImportSource = 'preact';
  },
});
