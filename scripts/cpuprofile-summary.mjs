#!/usr/bin/env node
// Summarises a V8 .cpuprofile (from `node --cpu-prof`, or a bench's BENCH_PROFILE_DIR): the top
// frames by self time and by inclusive time (a frame counted once per sample however often it
// recurs on the stack), and self time per file. Idle time is left out of the shares.
//
//   node scripts/cpuprofile-summary.mjs <file.cpuprofile> [--top 30]
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args[topAt + 1]) : 30;
if (!file || !Number.isInteger(top) || top <= 0) {
  console.error('usage: node scripts/cpuprofile-summary.mjs <file.cpuprofile> [--top 30]');
  process.exit(2);
}

const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

const shortUrl = (url) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/.*\/node_modules\//, '')
    .replace(/.*\/packages\//, '');
const frameName = ({ callFrame: f }) =>
  `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}${f.lineNumber >= 0 ? `:${f.lineNumber + 1}` : ''}`;

const self = new Map();
const inclusive = new Map();
const perFile = new Map();
const add = (map, key, ms) => map.set(key, (map.get(key) ?? 0) + ms);
let busy = 0;
let idle = 0;
// A sample's duration is the gap to the next one (the last one reuses its own).
for (let i = 0; i < profile.samples.length; i++) {
  const ms = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
  const leaf = byId.get(profile.samples[i]);
  if (leaf.callFrame.functionName === '(idle)') {
    idle += ms;
    continue;
  }
  busy += ms;
  add(self, frameName(leaf), ms);
  add(perFile, shortUrl(leaf.callFrame.url) || leaf.callFrame.functionName, ms);
  const onStack = new Set();
  for (let id = leaf.id; id !== undefined; id = parentOf.get(id)) onStack.add(frameName(byId.get(id)));
  for (const name of onStack) add(inclusive, name, ms);
}

const print = (title, map, count) => {
  console.log(`\n${title}`);
  for (const [name, ms] of [...map].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    console.log(`${ms.toFixed(0).padStart(8)} ms ${((100 * ms) / busy).toFixed(1).padStart(5)}%  ${name}`);
  }
};
console.log(`${file}: ${busy.toFixed(0)} ms busy, ${idle.toFixed(0)} ms idle`);
print('self time', self, top);
print('inclusive time', inclusive, top);
print('self time by file', perFile, Math.min(top, 20));
