import type { KbArticle } from '@threadline/sdk-core/protocol';
import MiniSearch from 'minisearch';
import { cachedKnowledgeRevision, listArticles, tokenize } from '../knowledge';
import type { ServiceDeps } from '../platform/deps';

type Deps = Pick<ServiceDeps, 'database' | 'clock'>;

interface Entry {
  revision: number;
  search: Promise<{ index: MiniSearch<KbArticle>; byId: Map<string, KbArticle> }>;
}

/** The same Chinese-aware terms the bot matches with: words, character bigrams, Latin words. */
const terms = (text: string) => {
  const tokens = tokenize(text);
  return [...tokens.terms, ...tokens.chars];
};

/**
 * Canned replies for agents: the app's knowledge articles searched by title, question variants and
 * answer (MiniSearch, the engine's tokeniser), rebuilt when the knowledge revision moves.
 */
export function createCannedReplies(deps: Deps) {
  const perApp = new Map<string, Entry>();

  async function build(appId: string) {
    const articles = await listArticles(deps, appId);
    const index = new MiniSearch<KbArticle>({
      fields: ['title', 'questions', 'answer'],
      extractField: (doc, field) => {
        const value = (doc as unknown as Record<string, unknown>)[field];
        return Array.isArray(value) ? value.join('\n') : String(value ?? '');
      },
      tokenize: terms,
      processTerm: (term) => term,
      searchOptions: { boost: { title: 3, questions: 2, answer: 1 }, prefix: false },
    });
    index.addAll(articles);
    return { index, byId: new Map(articles.map((a) => [a.id, a])) };
  }

  return {
    /** Best-matching articles for `query`, best first. */
    async search(appId: string, query: string, limit: number) {
      const revision = await cachedKnowledgeRevision(deps.database, appId);
      let entry = perApp.get(appId);
      if (!entry || entry.revision !== revision) {
        entry = { revision, search: build(appId) };
        entry.search.catch(() => perApp.delete(appId));
        perApp.set(appId, entry);
      }
      const { index, byId } = await entry.search;
      return index
        .search(query, { combineWith: 'OR' })
        .slice(0, limit)
        .flatMap((hit) => {
          const article = byId.get(String(hit.id));
          return article
            ? [
                {
                  id: article.id,
                  title: article.title,
                  answer: article.answer,
                  intent: article.intent ?? null,
                },
              ]
            : [];
        });
    },
  };
}
export type CannedReplies = ReturnType<typeof createCannedReplies>;
