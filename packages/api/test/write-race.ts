import { AsyncLocalStorage } from 'node:async_hooks';
import type { TestApi } from './harness';

/**
 * Builds a race for real: `beforeFirstWrite(before, request)` runs `request`, and when the request
 * makes its first `database.write` (after its authentication), `before` runs to completion first.
 * `before` runs outside the request's context, so its own writes pass straight through. Install
 * once per TestApi.
 */
export function armWriteRace(api: TestApi) {
  const race = new AsyncLocalStorage<{ before?: () => Promise<void> }>();
  const database = api.deps.database;
  const write = database.write;
  database.write = ((work: Parameters<typeof write>[0]) => {
    const pending = race.getStore();
    const before = pending?.before;
    if (!before) return write(work);
    pending.before = undefined;
    return race.exit(async () => {
      await before();
      return write(work);
    });
  }) as typeof write;
  return {
    beforeFirstWrite: <T>(before: () => Promise<void>, request: () => Promise<T>): Promise<T> =>
      race.run({ before }, request),
  };
}
