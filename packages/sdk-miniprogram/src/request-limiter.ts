import type { AbortSignalLike } from '@threadline/sdk-core';

export interface RequestLimiter {
  /** Runs `task` once a slot is free; a request aborted while it waits never starts. */
  run<T>(task: () => Promise<T>, signal: AbortSignalLike, onAbortWhileQueued: () => unknown): Promise<T>;
  active(): number;
  waiting(): number;
}

/**
 * WeChat allows 10 `wx.request` at once for the whole mini-program and fails the eleventh; the host
 * app needs some of them too, so the SDK keeps its own share well below that.
 */
export function createRequestLimiter(max: number): RequestLimiter {
  let active = 0;
  const queue: Array<() => void> = [];

  const release = () => {
    active--;
    const next = queue.shift();
    if (next) next();
  };

  return {
    run(task, signal, onAbortWhileQueued) {
      return new Promise((resolve, reject) => {
        const start = () => {
          signal.removeEventListener('abort', dropQueued);
          active++;
          let started: Promise<never> | ReturnType<typeof task>;
          try {
            started = task();
          } catch (error) {
            started = Promise.reject(error);
          }
          started.then(
            (value) => {
              release();
              resolve(value);
            },
            (error) => {
              release();
              reject(error);
            },
          );
        };
        const dropQueued = () => {
          const index = queue.indexOf(start);
          if (index >= 0) queue.splice(index, 1);
          reject(onAbortWhileQueued());
        };
        if (signal.aborted) return reject(onAbortWhileQueued());
        if (active < max) return start();
        queue.push(start);
        signal.addEventListener('abort', dropQueued);
      });
    },
    active: () => active,
    waiting: () => queue.length,
  };
}
