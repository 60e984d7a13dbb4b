import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ServerKeys {
  masterKey: Uint8Array;
  sessionSigningKey: Uint8Array;
}

function decodeKey(name: string, value: string): Uint8Array {
  const bytes = Buffer.from(value, value.length === 64 && /^[0-9a-f]+$/i.test(value) ? 'hex' : 'base64');
  if (bytes.length !== 32) throw new Error(`${name} must be 32 bytes, base64 or hex encoded`);
  return bytes;
}

/**
 * The server's two keys: from THREADLINE_MASTER_KEY / THREADLINE_SESSION_KEY when set (production),
 * otherwise from a 0600 key file made on first start (the embedded default). Losing the master key
 * loses the encrypted identity secrets and PII, so the file is never rewritten once it exists.
 */
export function loadServerKeys(env: NodeJS.ProcessEnv, keyFile: string): ServerKeys {
  if (env.THREADLINE_MASTER_KEY && env.THREADLINE_SESSION_KEY) {
    return {
      masterKey: decodeKey('THREADLINE_MASTER_KEY', env.THREADLINE_MASTER_KEY),
      sessionSigningKey: decodeKey('THREADLINE_SESSION_KEY', env.THREADLINE_SESSION_KEY),
    };
  }
  if (!existsSync(keyFile)) {
    mkdirSync(dirname(keyFile), { recursive: true });
    const fresh = {
      masterKey: randomBytes(32).toString('base64'),
      sessionSigningKey: randomBytes(32).toString('base64'),
    };
    writeFileSync(keyFile, `${JSON.stringify(fresh, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(keyFile, 0o600);
  }
  const stored = JSON.parse(readFileSync(keyFile, 'utf8')) as {
    masterKey: string;
    sessionSigningKey: string;
  };
  return {
    masterKey: decodeKey('masterKey', stored.masterKey),
    sessionSigningKey: decodeKey('sessionSigningKey', stored.sessionSigningKey),
  };
}
