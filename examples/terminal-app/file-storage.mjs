import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Platform storage in one JSON file: read once, written through on every change (write + rename,
 * so a crash never leaves half a file). Sync, like localStorage — the core accepts either.
 */
export function createFileStorage(dir) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'storage.json');
  let data = {};
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    data = {};
  }
  const save = () => {
    writeFileSync(`${file}.tmp`, JSON.stringify(data, null, 2));
    renameSync(`${file}.tmp`, file);
  };
  return {
    getItem: (key) => data[key] ?? null,
    setItem(key, value) {
      data[key] = value;
      save();
    },
    removeItem(key) {
      delete data[key];
      save();
    },
  };
}
