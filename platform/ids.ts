import { randomBytes } from 'node:crypto';

/**
 * Ids are `<kind prefix>_<26 chars>`: 10 chars of time then 16 of randomness (Crockford base32,
 * like a ULID), so they sort by creation time and cursor pagination can page on `_id` alone.
 */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export type IdPrefix = 'ten' | 'key' | 'aud' | 'exp' | 'rs' | 'ptn' | 'app' | 'inv' | 'deal' | 'tp' | 'rev' | 'dcl' | 'drv' | 'perf';

export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(16);
  let rand = '';
  for (let i = 0; i < 16; i++) rand += ALPHABET[bytes[i] % 32];
  return `${prefix}_${time}${rand}`;
}

export const ID_PATTERN = '^[a-z]{2,5}_[0-9a-hjkmnp-tv-z]{26}$';
const ID_RE = new RegExp(ID_PATTERN);

export function isId(value: unknown, prefix?: IdPrefix): value is string {
  return typeof value === 'string' && ID_RE.test(value) && (prefix === undefined || value.startsWith(`${prefix}_`));
}
