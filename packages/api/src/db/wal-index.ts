import { fstatSync, readdirSync, readlinkSync, readSync, realpathSync } from 'node:fs';
import { endianness } from 'node:os';

/**
 * Reads the wal-index header of a local database (SQLite's `-shm` file: frames in the log and
 * frames already copied into the database) through SQLite's own descriptor on it, found in
 * /proc/self/fd. Never opens or closes a descriptor on the file: closing any descriptor of a file
 * drops every POSIX lock the process holds on it, and SQLite keeps its WAL locks (the readers'
 * marks, the writer's and the checkpointer's, and the one that tells a new process the -shm is in
 * use) as such locks on the `-shm` — a probe that opened and closed its own descriptor silently
 * took them from every connection of the process, which let another process write or checkpoint
 * under them (a corrupt file, "2nd reference to page", seen once in ckpt-33's runs).
 *
 * Valid while a connection of this process has the file open in WAL mode (the caller's own does).
 * Returns null when the header cannot be read that way (no /proc, not WAL yet, another engine's
 * layout, a writer mid-update): the caller falls back to timed checkpoints.
 */
export function walIndexReader(path: string): () => { frames: number; copied: number } | null {
  const little = endianness() === 'LE';
  const header = Buffer.alloc(136);
  let fd = -1;
  let ino = -1;
  let dev = -1;
  let lookedAt = Number.NEGATIVE_INFINITY;
  const find = (): boolean => {
    // A failed look-up is not repeated on every poll.
    const now = Date.now();
    if (now - lookedAt < 1_000) return false;
    lookedAt = now;
    let target: string;
    try {
      target = realpathSync(`${path}-shm`);
    } catch {
      return false;
    }
    let entries: string[];
    try {
      entries = readdirSync('/proc/self/fd');
    } catch {
      return false;
    }
    for (const entry of entries) {
      try {
        if (readlinkSync(`/proc/self/fd/${entry}`) !== target) continue;
        const stat = fstatSync(Number(entry));
        fd = Number(entry);
        ino = stat.ino;
        dev = stat.dev;
        return true;
      } catch {
        // Closed meanwhile.
      }
    }
    return false;
  };
  return () => {
    try {
      if (fd < 0 && !find()) return null;
      // SQLite may have closed it (its last connection went) and the number been reused.
      const stat = fstatSync(fd);
      if (stat.ino !== ino || stat.dev !== dev) {
        fd = -1;
        return null;
      }
      if (readSync(fd, header, 0, header.length, 0) < header.length) return null;
    } catch {
      fd = -1;
      return null;
    }
    const u32 = (at: number) => (little ? header.readUInt32LE(at) : header.readUInt32BE(at));
    // iVersion 3007000, isInit, and the header's two copies agree (a writer was not mid-update).
    if (u32(0) !== 3_007_000 || header[12] !== 1 || u32(16) !== u32(48 + 16)) return null;
    return { frames: u32(16), copied: u32(96) };
  };
}
