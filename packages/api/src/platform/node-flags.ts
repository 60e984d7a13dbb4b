/**
 * The V8 settings the API server runs with (`threadline serve`, `threadline demo`, `npm start`).
 *
 * A send allocates a lot of short-lived objects (request, zod parse, the answer engine's reading of
 * the text, rows, events, the response). With V8's default young generation (a 16 MiB semi-space at
 * most on 64-bit) a busy server scavenges every few dozen sends, and each scavenge copies the live
 * objects of every send in flight. A larger semi-space means fewer scavenges for the same garbage
 * (issue 18, docs/notes/speed-18g.md: measured, not assumed). The cost is memory: the young
 * generation reserves up to 2 × (semi-space) plus one more semi-space while it copies.
 *
 * V8 reads these sizes once, when the heap is set up: `v8.setFlagsFromString` later changes nothing
 * (checked with --trace-gc), so the server process must be started with them. The CLI starts itself
 * again with them when they are missing (`relaunchArgs`); a flag of the same name given by the
 * operator (command line or NODE_OPTIONS) wins and nothing is added.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

/** The flag's name, `--max-semi-space-size` of `--max-semi-space-size=64` (`_` and `-` alike). */
const nameOf = (flag: string) => flag.split('=')[0]!.replace(/_/g, '-');

/**
 * The SERVER_NODE_FLAGS this process was not started with: none of the same name in `execArgv`
 * (the node command line) or in NODE_OPTIONS.
 */
export function missingServerFlags(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env.NODE_OPTIONS,
): string[] {
  const given = new Set([...execArgv, ...(nodeOptions ?? '').split(/\s+/)].filter(Boolean).map(nameOf));
  return SERVER_NODE_FLAGS.filter((flag) => !given.has(nameOf(flag)));
}

/**
 * The node arguments to start the server command again with SERVER_NODE_FLAGS, or null when this
 * process already has them (or they are turned off: THREADLINE_NODE_FLAGS=0).
 */
export function relaunchArgs(
  argv: readonly string[] = process.argv,
  execArgv: readonly string[] = process.execArgv,
  env: NodeJS.ProcessEnv = process.env,
): string[] | null {
  if (env.THREADLINE_NODE_FLAGS === '0') return null;
  const missing = missingServerFlags(execArgv, env.NODE_OPTIONS);
  if (missing.length === 0) return null;
  return [...execArgv, ...missing, ...argv.slice(1)];
}
