// Runs the evaluation sets through the real HTTP routes of a fresh API on a temporary libSQL
// file and prints their figures: the demo store's dev questions, the independent shopper set
// (written apart from the knowledge and the dev set, per kind of shopper text) and the Banking77
// held-out fifth (intent learning on a public English data set). `npm run eval` builds first.
//
//   node eval/run-eval.mjs                 all four
//   node eval/run-eval.mjs dev|shopper|review|banking77 [-v]   (shopper/review list rows only with -v)
//   node eval/run-eval.mjs path/to/set.jsonl [-v]
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createApp,
  createDatabase,
  DEFAULT_RATE_LIMITS,
  evaluateQuestions,
  migrateDatabase,
  parseEvalQuestions,
  silentLogger,
} from '../dist/index.js';
import { banking77Path, evaluateBanking77 } from './banking77.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const SETS = {
  dev: here('./dev-questions.jsonl'),
  shopper: here('./shopper-questions.jsonl'),
  // The reviewer's blind set (written before reading the engine; see packages/api/README.md).
  review: here('./review-questions.jsonl'),
};
const args = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const verbose = process.argv.includes('--verbose') || process.argv.includes('-v');
const wanted = args.length ? args : ['dev', 'shopper', 'review', 'banking77'];
const pct = (x) => `${(x * 100).toFixed(1)}%`;
// The held-out sets measure questions the engine was not tuned on: in a plain run they print their
// figures only, never which questions failed (a failure line read while fixing the dev set is a hint
// to tune on). Name the set and pass -v to see its rows, e.g. when curating the set itself.
const HELD_OUT = new Set(['shopper', 'review']);

async function withApi(run) {
  const dir = mkdtempSync(join(tmpdir(), 'threadline-eval-'));
  const database = createDatabase({ url: `file:${join(dir, 'eval.db')}` });
  try {
    await migrateDatabase(database);
    const app = createApp({
      database,
      masterKey: randomBytes(32),
      sessionSigningKey: randomBytes(32),
      logger: silentLogger,
      // Hundreds of sessions and sends in a minute from one address: the eval measures answers, not limits.
      rateLimits: Object.fromEntries(Object.keys(DEFAULT_RATE_LIMITS).map((rule) => [rule, 1_000_000])),
    });
    return await run(app);
  } finally {
    database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runSet(name, file, showRows) {
  const report = await withApi(async (app) => {
    const started = performance.now();
    const result = await evaluateQuestions(app, parseEvalQuestions(readFileSync(file, 'utf8')));
    result.seconds = (performance.now() - started) / 1000;
    return result;
  });
  for (const row of showRows ? report.rows : []) {
    if (row.fullyRight && !verbose) continue;
    const e = row.question.expect;
    const g = row.got;
    const more = e.more ? ` +${e.more.map((m) => `${m.intent}/${m.articleId}`).join(',')}` : '';
    console.log(
      `${row.fullyRight ? '✓' : '✗'} [${row.question.channel}${row.question.kind ? ` ${row.question.kind}` : ''}] ${row.question.q}\n` +
        `    got ${g.intent}/${g.articleId}/${g.productId} ${g.action}${g.replies.length > 1 ? ` +${g.replies.length - 1}` : ''}  ` +
        `want ${e.intent}/${e.articleId}/${e.productId}${e.action ? ` ${e.action}` : ''}${more}${e.lang ? ` ${e.lang}` : ''}\n` +
        `    “${g.text.slice(0, 90).replace(/\n/g, ' / ')}”`,
    );
  }
  console.log(`\n${name} — ${report.total} questions from ${file} (${report.seconds.toFixed(1)} s)`);
  console.table({
    'intent accuracy': pct(report.intentAccuracy),
    'article top-1 accuracy': pct(report.articleTop1),
    'product accuracy': pct(report.productAccuracy),
    'out-of-scope declined': pct(report.outOfScopeRejection),
    'human requests escalated': pct(report.humanEscalation),
    'expected action taken': pct(report.actionAccuracy),
    'reply in the expected language': pct(report.languageAccuracy),
    'fully right (every expectation met)': pct(report.fullyRight),
    'in-scope wrongly declined': String(report.falseRejections),
  });
  if (Object.keys(report.byKind).length > 1) {
    console.table(
      Object.fromEntries(
        Object.entries(report.byKind).map(([kind, f]) => [
          kind,
          { n: f.total, intent: pct(f.intent / f.total), 'fully right': pct(f.fullyRight / f.total) },
        ]),
      ),
    );
  }
  return report;
}

for (const name of wanted) {
  if (name === 'banking77') {
    if (!existsSync(banking77Path)) {
      console.log(
        `\nBanking77 skipped: ${banking77Path} not found (it lives in the shared folder beside the repo).`,
      );
      continue;
    }
    const result = await withApi((app) => evaluateBanking77(app));
    console.log(
      `\nBanking77 — ${result.trained} questions imported as ${result.intents} intents through /v1/kb/import, ` +
        `${result.heldOut} held out (every fifth line of each intent) (${result.seconds.toFixed(1)} s)`,
    );
    console.table({
      'held-out intent accuracy': pct(result.accuracy),
      'word TF-IDF nearest neighbour (same split)': pct(result.baselineAccuracy),
    });
    continue;
  }
  const file = SETS[name] ?? name;
  const showRows = !HELD_OUT.has(name) || (verbose && args.includes(name));
  await runSet(
    SETS[name] ? `Threadline AI evaluation: ${name} set` : 'Threadline AI evaluation',
    file,
    showRows,
  );
}
