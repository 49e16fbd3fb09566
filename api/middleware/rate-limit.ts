import { isIPv6 } from 'node:net';
import type { Request } from 'express';
import type { Redis } from 'ioredis';
import { Problem } from '../problem';

/**
 * Fixed one-minute windows counted in Redis, so every API replica shares one budget per subject:
 * a key, a tenant, the platform, or a client address (public routes, and requests without a valid
 * key). Over budget: 429 with Retry-After.
 */
export interface Budget {
  limit: number;
  remaining: number;
  resetSeconds: number;
}

function windowOf(now: number): { windowStart: number; resetSeconds: number } {
  const windowStart = Math.floor(now / 60000);
  return { windowStart, resetSeconds: Math.max(1, Math.ceil(((windowStart + 1) * 60000 - now) / 1000)) };
}

function refusal(detail: string, limit: number, resetSeconds: number): Problem {
  return new Problem('rate-limited', `${detail}; retry after ${resetSeconds} s`, {
    headers: { 'Retry-After': String(resetSeconds), 'RateLimit-Limit': String(limit), 'RateLimit-Remaining': '0', 'RateLimit-Reset': String(resetSeconds) },
  });
}

export async function takeRateLimit(redis: Redis, prefix: string, subject: string, limit: number, now: number = Date.now()): Promise<Budget> {
  const { windowStart, resetSeconds } = windowOf(now);
  const key = `${prefix}:rl:${subject}:${windowStart}`;
  const [[, count]] = (await redis.multi().incr(key).expire(key, 120).exec()) as [[null, number], [null, number]];
  if (count > limit) throw refusal(`more than ${limit} requests this minute`, limit, resetSeconds);
  return { limit, remaining: limit - count, resetSeconds };
}

/**
 * Refuses, before the key is looked up, a request from an address that already sent its minute's
 * worth of requests without a valid key, or with a key that is over its own budget. A made-up key
 * therefore gets no bucket of its own, and a flood costs no store reads.
 */
export async function refuseBeforeAuthentication(
  redis: Redis,
  prefix: string,
  address: string,
  keyMark: string,
  unauthenticatedLimit: number,
  now: number = Date.now(),
): Promise<void> {
  const { windowStart, resetSeconds } = windowOf(now);
  const [failures, keyRefused] = await redis.mget(`${prefix}:rl:unauth:${address}:${windowStart}`, `${prefix}:rl:refused:${keyMark}:${windowStart}`);
  if (Number(failures ?? 0) >= unauthenticatedLimit) {
    throw refusal(`more than ${unauthenticatedLimit} requests without a valid key from this address this minute`, unauthenticatedLimit, resetSeconds);
  }
  if (keyRefused) throw refusal('this key is over its budget this minute', Number(keyRefused), resetSeconds);
}

/** Remembers for the rest of the window that a key is over budget (see refuseBeforeAuthentication). */
export async function markKeyRefused(redis: Redis, prefix: string, keyMark: string, limit: number, now: number = Date.now()): Promise<void> {
  const { windowStart } = windowOf(now);
  await redis.set(`${prefix}:rl:refused:${keyMark}:${windowStart}`, String(limit), 'EX', 120);
}

/** Counts a request without a valid key against its address; the next ones are refused before auth. */
export async function countUnauthenticated(redis: Redis, prefix: string, address: string, limit: number, now: number = Date.now()): Promise<Budget> {
  return takeRateLimit(redis, prefix, `unauth:${address}`, limit, now);
}

/**
 * The client's address as express computes it under `trust proxy` (the X-Forwarded-For entry a
 * trusted proxy added), IPv4-mapped IPv6 written as IPv4.
 */
export function clientAddress(req: Request): string {
  const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/**
 * The budget an address spends: an IPv4 address, or an IPv6 address's /64 (one subscriber gets a
 * whole /64, so per-/128 budgets would give each of them billions).
 */
export function addressBucket(address: string): string {
  if (!isIPv6(address)) return address;
  const [head, tail = ''] = address.split('%')[0].split('::');
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  // An embedded IPv4 tail (::1.2.3.4) counts as two groups but only the first four matter here.
  const groups = address.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}
