import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Problem } from '../problem';
import { canonicalJson } from '../../domain/canonical-json';
import { OperationIds } from '../../platform/ids';
import type { Reply } from '../context';
import { open, seal, withoutSecrets } from './reply-secrets';

/**
 * Idempotency-Key support for POST. The first request with a key claims it; its answer is stored
 * and replayed for the same key and body for the TTL (24 h). The same key with another body is
 * refused.
 *
 * A running attempt holds a short lease, renewed while its handler runs. Another request with the
 * key is refused (409, retry shortly) while the lease is live. When the API process dies the
 * lease lapses and the next retry takes the key over. The record, and with it the key's
 * first-seen time, is kept, so the retry derives the same operation ids and finishes or finds
 * the first attempt's work.
 *
 * A key is never deleted once its handler has run, because an effect may already have happened.
 * An attempt that ends in an unexpected error, a 5xx or a "try again" Problem is marked `failed`:
 * nothing is replayed, and the next attempt with the same key and body may re-claim at once.
 * We prefer this to keeping `running` until the lease lapses. Both re-run the handler with the
 * same ids, so neither is less safe for the work. `failed` is only written once the handler has
 * returned, and the retry can run at once instead of getting 409s for the length of a lease.
 * Side work a failed handler left running (an un-awaited promise) is decided by the store's
 * unique ids, as a lapsed lease would be.
 */
interface Stored {
  state: 'running' | 'done' | 'failed';
  fingerprint: string;
  /** When the key was first claimed (ms): ids derived from the key use it, on every attempt. */
  firstSeenAt?: number;
  /** running: the attempt holding the key and until when (ms). */
  owner?: string;
  leaseUntil?: number;
  /** done: the answer, with its secrets sealed (`sealed`) or left out (`withheld`). */
  reply?: Reply;
  sealed?: string;
  withheld?: true;
}

/** The attempt that owns a key: renew its lease while it runs, then complete or fail it. */
export interface Attempt {
  firstSeenAt: number;
  owner: string;
}

/** A claim either replays a stored reply or hands the request the key, with its first-seen time. */
export type Claim = { replay: Reply } | ({ replay?: undefined } & Attempt);

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

// Each script reads and writes one record atomically: Redis runs a script to its end before any
// other command, so two claims can never both see a free key.
const CLAIM = `
local raw = redis.call('GET', KEYS[1])
local now = tonumber(ARGV[2])
local lease = tonumber(ARGV[3])
if not raw then
  redis.call('SET', KEYS[1], cjson.encode({state='running', fingerprint=ARGV[1], firstSeenAt=now, owner=ARGV[5], leaseUntil=now + lease}), 'EX', tonumber(ARGV[4]))
  return {'claimed', ARGV[2]}
end
local rec = cjson.decode(raw)
if rec.fingerprint ~= ARGV[1] then return {'reused'} end
if rec.state == 'done' then return {'done', raw} end
local firstSeenAt = rec.firstSeenAt or now
local leaseUntil = rec.leaseUntil or (firstSeenAt + lease)
if rec.state == 'running' and leaseUntil > now then return {'in-use', string.format('%d', leaseUntil - now)} end
rec.state = 'running'
rec.owner = ARGV[5]
rec.leaseUntil = now + lease
rec.firstSeenAt = firstSeenAt
redis.call('SET', KEYS[1], cjson.encode(rec), 'KEEPTTL')
return {'claimed', string.format('%d', firstSeenAt)}
`;

const RENEW = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local rec = cjson.decode(raw)
if rec.state ~= 'running' or rec.owner ~= ARGV[1] then return 0 end
rec.leaseUntil = tonumber(ARGV[2]) + tonumber(ARGV[3])
redis.call('SET', KEYS[1], cjson.encode(rec), 'KEEPTTL')
return 1
`;

// Whichever attempt finishes first answers for the key; a later one does not overwrite it.
const COMPLETE = `
local raw = redis.call('GET', KEYS[1])
if raw and cjson.decode(raw).state == 'done' then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
return 1
`;

const FAIL = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local rec = cjson.decode(raw)
if rec.state ~= 'running' or rec.owner ~= ARGV[1] then return 0 end
rec.state = 'failed'
rec.owner = nil
rec.leaseUntil = nil
redis.call('SET', KEYS[1], cjson.encode(rec), 'KEEPTTL')
return 1
`;

/** Ids for a request under a key: the same scope, key and first-seen time give the same ids. */
export function operationIdsFor(scope: string, idempotencyKey: string, firstSeenAt: number): OperationIds {
  return new OperationIds(createHash('sha256').update(`${scope}\n${idempotencyKey}`).digest('hex'), firstSeenAt);
}

export class IdempotencyStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
    readonly leaseSeconds: number = 15,
  ) {}

  static fingerprint(method: string, path: string, body: unknown): string {
    return createHash('sha256').update(`${method} ${path}\n${canonicalJson(body ?? null)}`).digest('hex');
  }

  /** The Redis key of one record (exported for tests that look at what is stored). */
  recordKey(scope: string, idempotencyKey: string): string {
    return `${this.prefix}:idem:${scope}:${createHash('sha256').update(idempotencyKey).digest('hex')}`;
  }

  /**
   * Returns a stored reply to replay, or the attempt that now owns the key. `credential` is the
   * secret the caller presented: it opens a sealed reply (see reply-secrets.ts).
   */
  async claim(scope: string, idempotencyKey: string, fingerprint: string, credential?: string): Promise<Claim> {
    if (!KEY_PATTERN.test(idempotencyKey)) {
      throw new Problem('validation-failed', 'Idempotency-Key must be 1-255 visible ASCII characters', { field: 'header.Idempotency-Key' });
    }
    const key = this.recordKey(scope, idempotencyKey);
    const owner = randomUUID();
    const [outcome, value] = (await this.redis.eval(CLAIM, 1, key, fingerprint, String(Date.now()), String(this.leaseSeconds * 1000), String(this.ttlSeconds), owner)) as [string, string?];
    if (outcome === 'claimed') return { firstSeenAt: Number(value), owner };
    if (outcome === 'reused') {
      throw new Problem('idempotency-key-reused', 'this Idempotency-Key was already used for a different request; use a new key', { field: 'header.Idempotency-Key' });
    }
    if (outcome === 'in-use') {
      // A live attempt usually finishes within a second; a dead one frees the key when its lease lapses.
      throw new Problem('idempotency-key-in-use', `the first request with this Idempotency-Key is still running; retry shortly (its claim lapses within ${this.leaseSeconds} s if it stopped)`, { headers: { 'Retry-After': '1' } });
    }
    return { replay: this.replayOf(JSON.parse(value!) as Stored, key, credential) };
  }

  private replayOf(stored: Stored, key: string, credential: string | undefined): Reply {
    if (stored.sealed !== undefined) {
      const reply = credential ? (open(stored.sealed, credential, key) as Reply | undefined) : undefined;
      if (reply) return reply;
    } else if (!stored.withheld && stored.reply) {
      return stored.reply;
    }
    const location = stored.reply?.headers?.Location;
    throw new Problem('conflict', 'already created with this Idempotency-Key; the secret in that answer is not shown again', {
      field: 'header.Idempotency-Key',
      ...(location ? { location } : {}),
      headers: { 'Idempotent-Replayed': 'true', ...(location ? { Location: location } : {}) },
    });
  }

  /** Keeps the attempt's lease alive while its handler runs; returns a function that stops it. */
  hold(scope: string, idempotencyKey: string, attempt: Attempt, onLost?: () => void): () => void {
    const key = this.recordKey(scope, idempotencyKey);
    const leaseMs = this.leaseSeconds * 1000;
    let stopped = false;
    const timer = setInterval(() => {
      this.redis.eval(RENEW, 1, key, attempt.owner, String(Date.now()), String(leaseMs)).then(
        (renewed) => {
          if (renewed === 1 || stopped) return;
          // Another attempt took the key over (this process stalled past its lease) or it is done.
          clearInterval(timer);
          onLost?.();
        },
        () => undefined, // Redis unreachable: the next tick tries again; a lapsed lease only lets a retry re-run the same ids.
      );
    }, Math.max(100, Math.floor(leaseMs / 3)));
    timer.unref();
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }

  /**
   * Stores the answer for the key's TTL. Fields the reply marks as secrets are sealed under the
   * caller's credential; without a credential the reply is kept without them and a replay says so.
   */
  async complete(scope: string, idempotencyKey: string, fingerprint: string, reply: Reply, credential?: string): Promise<void> {
    const key = this.recordKey(scope, idempotencyKey);
    const { secrets, stream: _stream, ...kept } = reply;
    let stored: Stored = { state: 'done', fingerprint, reply: kept };
    if (secrets && secrets.length > 0) {
      stored = credential
        ? { state: 'done', fingerprint, sealed: seal(kept, credential, key) }
        : { state: 'done', fingerprint, reply: { ...kept, body: withoutSecrets(kept.body, secrets) }, withheld: true };
    }
    await this.redis.eval(COMPLETE, 1, key, JSON.stringify(stored), String(this.ttlSeconds));
  }

  /** Nothing worth replaying: the next attempt with the same key and body runs again, same ids. */
  async fail(scope: string, idempotencyKey: string, attempt: Attempt): Promise<void> {
    await this.redis.eval(FAIL, 1, this.recordKey(scope, idempotencyKey), attempt.owner);
  }
}
