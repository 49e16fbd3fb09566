import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { Problem } from '../problem';
import type { Actor } from '../context';
import type { Access } from '../route';
import type { Services } from '../../services';
import type { PlatformKey } from '../../services/tenancy/platform-key';
import type { TenantDoc } from '../../models/tenancy/tenant';
import { PARTY_ROLES } from '../../domain/tenancy/roles';
import { rateLimited } from '../../platform/metrics';
import { authenticate, presentedKey, presentedSession } from './authenticate';
import { addressBucket, clientAddress, countUnauthenticated, markKeyRefused, refuseBeforeAuthentication, takeRateLimit, Budget } from './rate-limit';

export interface Admitted {
  actor: Actor;
  tenant?: TenantDoc;
  /** The tightest budget this request spent, for the RateLimit-* headers. */
  budget?: Budget;
  /** The secret the caller presented and that authenticated it (never stored). */
  credential?: string;
}

async function spend(services: Services, metric: string, subject: string, limit: number): Promise<Budget> {
  try {
    return await takeRateLimit(services.conns.redis, services.config.redisPrefix, subject, limit);
  } catch (err) {
    rateLimited.inc({ subject: metric });
    throw err;
  }
}

const tightest = (budgets: Budget[]): Budget | undefined => budgets.reduce<Budget | undefined>((a, b) => (!a || b.remaining < a.remaining ? b : a), undefined);

/**
 * Who the caller is and whether its budgets allow the request, in this order:
 * * public routes (and `anyone` routes called without a key) spend the client address's public budget;
 * * a guarded route called without a key spends the address's unauthenticated budget, then 401s;
 * * a request with a key is refused before its lookup when its address has used up the
 *   unauthenticated budget or the key is already over its own; a key that fails to
 *   authenticate counts against the address, so inventing keys buys no fresh budget;
 * * an authenticated key spends its own budget (smaller for party-bound keys) and then its
 *   tenant's, so one partner cannot use up what the tenant's staff and other partners share.
 */
export async function admit(req: Request, access: Access, services: Services, platformKey: PlatformKey): Promise<Admitted> {
  const { config } = services;
  const { redis } = services.conns;
  const address = addressBucket(clientAddress(req));
  // A console session cookie counts as a key: it is checked, budgeted and refused like one.
  const hasKey = req.headers.authorization !== undefined || presentedSession(req) !== undefined;

  if (access === 'public' || (access === 'anyone' && !hasKey)) {
    const budget = await spend(services, 'public', `public:${address}`, config.publicRateLimitPerMinute);
    return { ...(await authenticate(req, access, services, platformKey)), budget };
  }
  if (!hasKey) {
    try {
      await countUnauthenticated(redis, config.redisPrefix, address, config.unauthenticatedRateLimitPerMinute);
    } catch (err) {
      rateLimited.inc({ subject: 'address' });
      throw err;
    }
    return authenticate(req, access, services, platformKey);
  }

  const presented = presentedKey(req) ?? presentedSession(req);
  const keyMark = `key:${createHash('sha256').update(presented ?? '').digest('hex').slice(0, 32)}`;
  try {
    await refuseBeforeAuthentication(redis, config.redisPrefix, address, keyMark, config.unauthenticatedRateLimitPerMinute);
  } catch (err) {
    rateLimited.inc({ subject: 'address' });
    throw err;
  }
  let who: { actor: Actor; tenant?: TenantDoc };
  try {
    who = await authenticate(req, access, services, platformKey);
  } catch (err) {
    if (err instanceof Problem && err.kind === 'unauthenticated') {
      // Counted, not refused: this answer stays 401; the address's next requests meet the limit.
      await countUnauthenticated(redis, config.redisPrefix, address, config.unauthenticatedRateLimitPerMinute).catch(() => undefined);
    }
    throw err;
  }
  const { actor, tenant } = who;
  if (actor.kind === 'platform') {
    return { ...who, credential: presented, budget: await spend(services, 'platform', 'platform', config.rateLimitPerMinute) };
  }
  if (actor.kind !== 'key') return who;
  const keyLimit = PARTY_ROLES.includes(actor.role) ? config.partyKeyRateLimitPerMinute : config.keyRateLimitPerMinute;
  let own: Budget;
  try {
    own = await spend(services, 'key', `key:${actor.keyId}`, keyLimit);
  } catch (err) {
    await markKeyRefused(redis, config.redisPrefix, keyMark, keyLimit).catch(() => undefined);
    throw err;
  }
  const shared = await spend(services, 'tenant', tenant!._id, config.rateLimitPerMinute);
  return { ...who, credential: presented, budget: tightest([own, shared]) };
}
