import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread's script, found next to the module that starts it (`base`: its `import.meta.url`):
 * `<name>.js` when built (dist/, where tsup puts each worker entry), or the `<name>.ts` source loaded
 * through tsx (tests and development run the sources). Node 20 does not apply `--import` loaders to
 * a worker's entry file, so the source is imported from a small bootstrap after registering tsx.
 * Null when neither is there: the caller then does the work in its own thread.
 */
export function workerScript(base: string, name: string): { script: URL | string; eval: boolean } | null {
  const built = new URL(`./${name}.js`, base);
  if (existsSync(fileURLToPath(built))) return { script: built, eval: false };
  const source = new URL(`./${name}.ts`, base);
  if (!existsSync(fileURLToPath(source))) return null;
  try {
    // The ESM build of tsx's API (require.resolve would give the CommonJS one, which registers
    // a loader path that does not exist from a worker).
    const tsxPackage = createRequire(base).resolve('tsx/package.json');
    const tsx = new URL('./dist/esm/api/index.mjs', pathToFileURL(tsxPackage)).href;
    const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(source.href)}); })`;
    return { script: bootstrap, eval: true };
  } catch {
    return null;
  }
}

/** Process flags a worker refused (V8 and per-process options such as `--expose-gc`), learnt once. */
const refusedFlags = new Set<string>();

/**
 * The process's flags for a worker, less those that describe the process's own entry
 * (`node --input-type=module -e …` would make the worker read its script as a string) and those a
 * worker refuses.
 */
export const workerExecArgv = () =>
  process.execArgv.filter((arg) => !arg.startsWith('--input-type') && !refusedFlags.has(arg.split('=')[0]!));

/**
 * `new Worker(script, options)` with the process's flags (`workerExecArgv`). Node refuses a worker
 * whose flags include V8 or per-process options (`node --expose-gc …`, as the benchmarks run): the
 * refused ones are left out and the worker started again, once.
 */
export function startWorker(
  script: { script: URL | string; eval: boolean },
  options: Omit<WorkerOptions, 'eval' | 'execArgv'> = {},
): Worker {
  try {
    return new Worker(script.script, { ...options, eval: script.eval, execArgv: workerExecArgv() });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
    const flags = String((error as Error).message)
      .split(':')
      .slice(1)
      .join(':');
    for (const flag of flags.split(/[\s,]+/)) if (flag.startsWith('-')) refusedFlags.add(flag.split('=')[0]!);
    return new Worker(script.script, { ...options, eval: script.eval, execArgv: workerExecArgv() });
  }
}
