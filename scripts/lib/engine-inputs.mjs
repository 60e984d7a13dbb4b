// What the engine scripts (engine-answers.mjs, engine-cpu.mjs) feed the answer engine: the demo
// store filled as the knowledge import fills it, and the Banking77 file from the shared folder.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** shared/eval/banking77-train.csv beside the repository (up to 8 levels up), or null. */
export function findBanking77() {
  let dir = repoRoot;
  for (let depth = 0; depth < 8; depth++) {
    const candidate = join(dir, 'shared', 'eval', 'banking77-train.csv');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return null;
}

/** The demo store's articles, products and intents with the defaults the import gives them. */
export const fillStore = (store) => ({
  articles: store.articles.map((a) => ({
    id: '',
    title: '',
    questions: [],
    answer: '',
    intent: null,
    channelAnswers: {},
    productIds: [],
    ...a,
  })),
  products: store.products.map((p) => ({
    id: '',
    name: '',
    aliases: [],
    category: null,
    price: null,
    attributes: {},
    ...p,
  })),
  intents: store.intents.map((i) => ({
    id: '',
    name: '',
    policy: 'ai',
    ticketType: null,
    answerFrom: null,
    examples: [],
    ...i,
  })),
});
