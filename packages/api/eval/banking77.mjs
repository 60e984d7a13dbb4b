// The Banking77 check: intent learning on a public English data set (PolyAI, CC BY 4.0), read
// from the shared folder beside the repository — never by the product at run time.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateIntentSplit, parseLabelledCsv } from '../dist/index.js';

/** `shared/eval/banking77-train.csv` in the nearest folder above this file that has one. */
function findBanking77() {
  if (process.env.THREADLINE_BANKING77) return process.env.THREADLINE_BANKING77;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 8; depth++) {
    const candidate = join(dir, 'shared', 'eval', 'banking77-train.csv');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return join(
    dirname(fileURLToPath(import.meta.url)),
    '..',
    '..',
    '..',
    '..',
    'shared',
    'eval',
    'banking77-train.csv',
  );
}

export const banking77Path = findBanking77();

/** Imports four fifths as intents through /v1/kb/import and scores the held-out fifth. */
export async function evaluateBanking77(app) {
  return evaluateIntentSplit(app, parseLabelledCsv(readFileSync(banking77Path, 'utf8')));
}
