// Limits and defaults of `startServer` that the CLI's help and checks quote: a module of their own so
// `threadline --help` reads them without loading the server.

/**
 * The request thread's connection does nearly all of a served process's writes, into random
 * leaves of big indexes (identities by handle, messages by customer and by conversation): with
 * SQLite's 2 MiB cache most of those leaves are read again from the file (the OS cache) and
 * parsed on every batch. Only that connection gets more (see speed-16k.md for the A/B): another
 * connection's commit empties a connection's cache, and the worker threads' connections (fold,
 * drain, checkpointer) see the request thread commit many times a second, so a big cache there
 * would only be refilled (speed-16j §4: 64 MiB on every connection cost 4–7 % more CPU). Filled
 * on demand: an idle process does not hold it.
 */
export const DEFAULT_PAGE_CACHE_MIB = 64;
/** The largest `pageCacheMiB` taken (64 GiB): far past any use, well below SQLite's int of KiB. */
export const MAX_PAGE_CACHE_MIB = 65_536;
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
