import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * The webhook sealing key of a local start (`npm start` on the embedded stack) when neither
 * TRELLIS_WEBHOOK_KEY nor TRELLIS_PLATFORM_KEY is set. The local platform key cannot serve: it is
 * printed once and kept only as a hash. So a random key is generated on the first start into
 * `<data dir>/webhook-sealing.key` (owner-only, 0600) and read back on the next ones, kept out of
 * the database: a dump or a tenant export holds sealed secrets that do not open without it.
 * Production (an external stack) never comes here and must set the key itself.
 */
export const LOCAL_SEALING_KEY_FILE = 'webhook-sealing.key';

export function localSealingKey(dataDir: string): { key: string; file: string; created: boolean } {
  const file = path.resolve(dataDir, LOCAL_SEALING_KEY_FILE);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    // `wx`: two starts at once on one data dir cannot both write a key; the loser reads the winner's.
    fs.writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
    return { key: read(file), file, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { key: read(file), file, created: false };
  }
}

function read(file: string): string {
  const key = fs.readFileSync(file, 'utf8').trim();
  if (key.length < 32) throw new Error(`${file} holds no usable webhook sealing key (under 32 characters): restore it, or delete it and rotate every endpoint's secret`);
  return key;
}
