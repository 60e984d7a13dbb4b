// Runs the dev question set through the real HTTP routes of a fresh API on a temporary libSQL
// file and prints intent, article, product and out-of-scope figures. `npm run eval` builds first.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

const file = process.argv[2] ?? fileURLToPath(new URL('./dev-questions.jsonl', import.meta.url));
const verbose = process.argv.includes('--verbose') || process.argv.includes('-v');
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
  const started = performance.now();
  const report = await evaluateQuestions(app, parseEvalQuestions(readFileSync(file, 'utf8')));
  const seconds = (performance.now() - started) / 1000;
  const pct = (x) => `${(x * 100).toFixed(1)}%`;
  for (const row of report.rows) {
    const bad = !row.ok.intent || row.ok.article === false || !row.ok.product;
    if (!bad && !verbose) continue;
    const e = row.question.expect;
    console.log(
      `${bad ? '✗' : '✓'} [${row.question.channel}] ${row.question.q}\n    got ${row.got.intent}/${row.got.articleId}/${row.got.productId}  want ${e.intent}/${e.articleId}/${e.productId}`,
    );
  }
  console.log(
    `\nThreadline AI evaluation — ${report.total} questions from ${file} (${seconds.toFixed(1)} s)`,
  );
  console.table({
    'intent accuracy': pct(report.intentAccuracy),
    'article top-1 accuracy': pct(report.articleTop1),
    'product accuracy': pct(report.productAccuracy),
    'out-of-scope rejection': pct(report.outOfScopeRejection),
    'in-scope wrongly declined': String(report.falseRejections),
  });
} finally {
  database.close();
  rmSync(dir, { recursive: true, force: true });
}
