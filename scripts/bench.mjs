#!/usr/bin/env node
// `npm run bench`: runs every bench/*.mjs at the repo root in name order (or those named on the
// command line, e.g. `node scripts/bench.mjs api-messages`), prints a table per bench and a summary,
// and writes bench-results/latest.json.
//
// A bench file exports `default async function run({ log, quick })` returning
// `{ name, rows: [{ metric, value, unit, baseline?, ratio?, budget?, pass?, note? }] }`.
// `quick` is true with `--quick` (small sizes, short runs, for development: `npm run bench -- --quick`).
//
// A missed budget is reported, never an error; a bench that throws makes the run exit non-zero.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = join(root, 'bench');
const quick = process.argv.includes('--quick');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));

const files = readdirSync(benchDir, { withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith('.mjs'))
  .map((e) => e.name)
  .sort()
  .filter((name) => filters.length === 0 || filters.some((f) => name.replace(/\.mjs$/, '').includes(f)));

if (files.length === 0) {
  console.error(`No bench matches ${filters.join(', ') || '(none in bench/)'}.`);
  process.exit(1);
}

const fmt = (value) => {
  if (value === undefined || value === null) return '';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value !== 'number') return String(value);
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
};

function table(rows) {
  const head = ['metric', 'value', 'unit', 'baseline', 'ratio', 'budget', 'pass'];
  const body = rows.map((r) => [
    r.metric,
    fmt(r.value),
    r.unit ?? '',
    fmt(r.baseline),
    r.ratio === undefined ? '' : `${fmt(r.ratio)}×`,
    r.budget ?? '',
    r.pass === undefined ? '' : r.pass ? 'PASS' : 'MISS',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => String(b[i]).length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
  for (const r of rows) if (r.note) out.push(`  · ${r.metric}: ${r.note}`);
  return out.join('\n');
}

const startedAt = new Date();
const results = [];
console.log(
  `threadline bench · node ${process.version} · ${os.cpus().length} CPU · ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB · load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}${quick ? ' · QUICK (small sizes)' : ''}`,
);

for (const file of files) {
  const id = basename(file, '.mjs');
  const log = (...args) => console.log(`[${id}]`, ...args);
  console.log(`\n▶ ${id}`);
  const t0 = performance.now();
  try {
    const mod = await import(pathToFileURL(join(benchDir, file)).href);
    if (typeof mod.default !== 'function') throw new Error(`${file} has no default export function`);
    const result = await mod.default({ log, quick });
    if (!result || !Array.isArray(result.rows)) throw new Error(`${file} returned no { name, rows }`);
    const durationMs = performance.now() - t0;
    results.push({ file, name: result.name ?? id, durationMs, rows: result.rows, meta: result.meta });
    console.log(`\n${result.name ?? id}  (${(durationMs / 1000).toFixed(1)} s)\n${table(result.rows)}`);
  } catch (error) {
    const durationMs = performance.now() - t0;
    console.error(`✖ ${id} crashed:`, error?.stack ?? error);
    results.push({ file, name: id, durationMs, rows: [], error: String(error?.stack ?? error) });
  }
  globalThis.gc?.();
}

console.log('\n══ summary');
let crashed = 0;
for (const r of results) {
  if (r.error) {
    crashed++;
    console.log(`✖ ${r.name}: CRASHED — ${r.error.split('\n')[0]}`);
    continue;
  }
  const budgeted = r.rows.filter((row) => row.pass !== undefined);
  const missed = budgeted.filter((row) => !row.pass);
  const mark = missed.length ? '✗' : '✓';
  console.log(
    `${mark} ${r.name}: ${budgeted.length - missed.length}/${budgeted.length} budgets met${
      missed.length
        ? ` — missed: ${missed.map((m) => `${m.metric} (${fmt(m.value)} ${m.unit ?? ''} vs ${m.budget})`).join('; ')}`
        : ''
    }`,
  );
}

const outDir = join(root, 'bench-results');
mkdirSync(outDir, { recursive: true });
const report = {
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  quick,
  machine: {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    totalMemGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    loadavgAtEnd: os.loadavg(),
  },
  results,
};
writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nwrote bench-results/latest.json`);
process.exitCode = crashed > 0 ? 1 : 0;
