import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Problem } from '../problem';
import { canonicalJson } from '../../domain/canonical-json';
import type { Reply } from '../context';

/**
 * Idempotency-Key support for POST. The first request with a key claims it; its response is
 * stored and replayed for the same key and body. The same key with another body is refused, and
 * so is a second request while the first is still running. Server errors release the key.
 */
interface Stored {
  state: 'running' | 'done';
  fingerprint: string;
  /** When the key was first claimed (ms): ids derived from the key use it, on every attempt. */
  firstSeenAt?: number;
  reply?: Reply;
}

/** A claim either replays a stored reply or hands the request the key, with its first-seen time. */
export type Claim = { replay: Reply } | { replay?: undefined; firstSeenAt: number };

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export class IdempotencyStore {
  constructor(private readonly redis: Redis, private readonly prefix: string, private readonly ttlSeconds: number) {}

  static fingerprint(method: string, path: string, body: unknown): string {
    return createHash('sha256').update(`${method} ${path}\n${canonicalJson(body ?? null)}`).digest('hex');
  }

  private key(scope: string, idempotencyKey: string): string {
    return `${this.prefix}:idem:${scope}:${createHash('sha256').update(idempotencyKey).digest('hex')}`;
  }

  /** Returns a stored reply to replay, or the key's first-seen time when this request now owns it. */
  async claim(scope: string, idempotencyKey: string, fingerprint: string): Promise<Claim> {
    if (!KEY_PATTERN.test(idempotencyKey)) {
      throw new Problem('validation-failed', 'Idempotency-Key must be 1-255 visible ASCII characters', { field: 'header.Idempotency-Key' });
    }
    const key = this.key(scope, idempotencyKey);
    const firstSeenAt = Date.now();
    const claimed = await this.redis.set(key, JSON.stringify({ state: 'running', fingerprint, firstSeenAt } satisfies Stored), 'EX', this.ttlSeconds, 'NX');
    if (claimed === 'OK') return { firstSeenAt };
    const raw = await this.redis.get(key);
    if (!raw) return this.claim(scope, idempotencyKey, fingerprint);
    const stored = JSON.parse(raw) as Stored;
    if (stored.fingerprint !== fingerprint) {
      throw new Problem('idempotency-key-reused', 'this Idempotency-Key was already used for a different request; use a new key', { field: 'header.Idempotency-Key' });
    }
    if (stored.state === 'running' || !stored.reply) {
      throw new Problem('idempotency-key-in-use', 'the first request with this Idempotency-Key is still running; retry shortly', { headers: { 'Retry-After': '1' } });
    }
    return { replay: stored.reply };
  }

  async complete(scope: string, idempotencyKey: string, fingerprint: string, reply: Reply): Promise<void> {
    const key = this.key(scope, idempotencyKey);
    if (reply.status >= 500) {
      await this.redis.del(key);
      return;
    }
    await this.redis.set(key, JSON.stringify({ state: 'done', fingerprint, reply } satisfies Stored), 'EX', this.ttlSeconds);
  }

  async release(scope: string, idempotencyKey: string): Promise<void> {
    await this.redis.del(this.key(scope, idempotencyKey));
  }
}
