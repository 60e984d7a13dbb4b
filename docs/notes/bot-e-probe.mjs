import { pathToFileURL } from 'node:url';
import { fillStore } from '../../scripts/lib/engine-inputs.mjs';

const [dist, which = 'all'] = process.argv.slice(2);
const api = await import(pathToFileURL(dist).href);
const store = api.readDemoStore();
const kb = fillStore(store);
const engine = api.createAnswerEngine(api.createKnowledgeIndex(kb));
const { QUESTIONS } = await import(new URL('./bot-e-probe-questions.mjs', import.meta.url).href);
let right = 0,
  n = 0;
for (const q of QUESTIONS) {
  if (which !== 'all' && q.set !== which) continue;
  const r = engine.answer({ text: q.q, channel: q.channel ?? 'web', memory: {} });
  let ok = false;
  try {
    ok = !!q.ok(r);
  } catch {
    ok = false;
  }
  n++;
  if (ok) right++;
  console.log(
    `${ok ? 'OK ' : 'XX '} [${q.set}] ${q.q}\n     ${r.action} ${r.intent ?? '-'} ${r.articleId ?? '-'} ${r.productId ?? '-'} | ${r.text.replace(/\n/g, ' ').slice(0, 260)}${r.quickReplies.length ? ' [' + r.quickReplies.join(' / ') + ']' : ''}`,
  );
}
console.log(`\n${which}: ${right}/${n} right`);
