import { createHash, randomBytes } from 'node:crypto';

/**
 * Ids are `<kind prefix>_<26 chars>`: 10 chars of time then 16 of randomness (Crockford base32,
 * like a ULID), so they sort by creation time and cursor pagination can page on `_id` alone.
 */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export type IdPrefix = 'ten' | 'key' | 'aud' | 'exp' | 'rs' | 'ptn' | 'app' | 'inv' | 'deal' | 'tp' | 'rev' | 'dcl' | 'drv' | 'perf' | 'po' | 'exc' | 'whe' | 'whd' | 'invb' | 'pod' | 'dsp';

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

/**
 * Ids for the entities one request creates. With an Idempotency-Key the ids derive from the
 * key, the credential and the time the key was first seen, so a retry after a crash names the
 * same deal, key or reversal and finishes or finds the first attempt's work instead of doing it
 * twice. Without a key they are fresh. The n-th id of a prefix is stable across attempts.
 */
export class OperationIds {
  private readonly counts = new Map<string, number>();

  constructor(private readonly seed: string | undefined, private readonly at: number = Date.now()) {}

  /** True when the ids are derived from an Idempotency-Key (a retry may find earlier work). */
  get deterministic(): boolean {
    return this.seed !== undefined;
  }

  /**
   * A stable reference to this operation for processes that dedupe messages (a Temporal Update
   * id): `op:<hash>` with an Idempotency-Key, undefined without one.
   */
  ref(kind: string): string | undefined {
    if (this.seed === undefined) return undefined;
    return `op:${createHash('sha256').update(`${this.seed}\n${kind}`).digest('hex').slice(0, 32)}`;
  }

  id(prefix: IdPrefix): string {
    if (this.seed === undefined) return newId(prefix);
    const n = (this.counts.get(prefix) ?? 0) + 1;
    this.counts.set(prefix, n);
    const digest = createHash('sha256').update(`${this.seed}\n${prefix}\n${n}`).digest();
    return `${newId(prefix, this.at).slice(0, prefix.length + 11)}${[...digest.subarray(0, 16)].map((b) => ALPHABET[b % 32]).join('')}`;
  }
}
