import type { ServiceDeps } from '../../platform/deps';
import { cachedKnowledgeRevision, loadKnowledge } from '../knowledge';
import { type AnswerEngine, createAnswerEngine } from './answer-engine';
import { createKnowledgeIndex } from './knowledge-index';

interface Entry {
  revision: number;
  engine: Promise<AnswerEngine>;
}

/**
 * One in-memory engine per app, rebuilt when the app's knowledge revision moves — a write through
 * any API process bumps it, so imports take effect without a restart: at once in the process that
 * made them, within REVISION_TTL_MS (1 s) in the others.
 */
export function createEngineRegistry(deps: Pick<ServiceDeps, 'database' | 'logger'>) {
  const entries = new Map<string, Entry>();

  async function build(appId: string): Promise<{ revision: number; engine: AnswerEngine }> {
    const { revision, kb } = await loadKnowledge(deps, appId);
    return { revision, engine: createAnswerEngine(createKnowledgeIndex(kb)) };
  }

  return {
    /** The app's engine, current as of its latest knowledge revision. */
    async get(appId: string): Promise<AnswerEngine> {
      // Cached briefly per process (see REVISION_TTL_MS); this process's own changes show at once.
      const revision = await cachedKnowledgeRevision(deps.database, appId);
      const entry = entries.get(appId);
      if (entry && entry.revision === revision) return entry.engine;
      const built = build(appId).then((b) => b.engine);
      entries.set(appId, { revision, engine: built });
      built.catch(() => entries.delete(appId));
      return built;
    },
    /** Forgets an app's engine (tests, deleted apps). */
    forget(appId: string): void {
      entries.delete(appId);
    },
  };
}

export type EngineRegistry = ReturnType<typeof createEngineRegistry>;
