import { defineConfig } from 'tsup';

/**
 * The agent console served at /console: Preact + TSX compiled by esbuild into one minified IIFE and
 * one stylesheet under dist/console, with the static page from console/public. Protocol imports
 * are type-only, so zod stays out of the bundle.
 */
export default defineConfig({
  entry: { console: 'console/src/main.tsx' },
  outDir: 'dist/console',
  format: ['iife'],
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
