import type { Redis } from 'ioredis';
import { Problem } from '../problem';

/**
 * Fixed one-minute windows counted in Redis, so every API replica shares one budget per tenant
 * (or per client address on public routes). Over budget: 429 with Retry-After.
 */
export async function takeRateLimit(
  redis: Redis,
  prefix: string,
  subject: string,
  limit: number,
  now: number = Date.now(),
): Promise<{ remaining: number; resetSeconds: number }> {
  const windowStart = Math.floor(now / 60000);
  const key = `${prefix}:rl:${subject}:${windowStart}`;
  const [[, count]] = (await redis.multi().incr(key).expire(key, 120).exec()) as [[null, number], [null, number]];
  const resetSeconds = Math.max(1, Math.ceil(((windowStart + 1) * 60000 - now) / 1000));
  if (count > limit) {
    throw new Problem('rate-limited', `more than ${limit} requests this minute; retry after ${resetSeconds} s`, {
      headers: { 'Retry-After': String(resetSeconds), 'RateLimit-Limit': String(limit), 'RateLimit-Remaining': '0', 'RateLimit-Reset': String(resetSeconds) },
    });
  }
  return { remaining: limit - count, resetSeconds };
}
