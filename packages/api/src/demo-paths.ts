import { join } from 'node:path';

/** Where the demo's database, server keys and demo.json live in a data folder (THREADLINE_DIR). */
export const demoPaths = (dataDir: string) => ({
  database: `file:${join(dataDir, 'threadline.db')}`,
  keys: join(dataDir, 'server-keys.json'),
  info: join(dataDir, 'demo.json'),
});
