import { sql } from 'drizzle-orm';
import type { Database } from './database';

/**
 * Data changes the SQL migrations cannot make on their own, run after them on every start. Each
 * step is idempotent: it finds nothing left to do the second time.
 */
const STEPS: { why: string; statements: string[] }[] = [
  {
    why: 'agent tokens moved from agents.token_hash (and a rotated-out previous_token_hash) to agent_tokens, so existing tokens keep working',
    statements: [
      `INSERT INTO agent_tokens (id, app_id, agent_id, token_hash, label, created_by, created_at)
       SELECT 'atk_' || lower(hex(randomblob(16))), app_id, id, token_hash, 'first agent token', 'app_create', created_at
       FROM agents WHERE token_hash IS NOT NULL
       ON CONFLICT (token_hash) DO NOTHING`,
      `INSERT INTO agent_tokens (id, app_id, agent_id, token_hash, label, created_by, created_at, expires_at)
       SELECT 'atk_' || lower(hex(randomblob(16))), app_id, id, previous_token_hash, 'rotated out', 'merchant',
              created_at, previous_token_valid_until
       FROM agents WHERE previous_token_hash IS NOT NULL
       ON CONFLICT (token_hash) DO NOTHING`,
      'UPDATE agents SET token_hash = NULL WHERE token_hash IS NOT NULL',
      'UPDATE agents SET previous_token_hash = NULL, previous_token_valid_until = NULL WHERE previous_token_hash IS NOT NULL',
      'UPDATE agents SET updated_at = created_at WHERE updated_at = 0',
    ],
  },
];

export async function runDataMigrations(database: Database): Promise<void> {
  await database.write(async (db) => {
    for (const step of STEPS) {
      for (const statement of step.statements) await db.run(sql.raw(statement));
    }
  });
}
