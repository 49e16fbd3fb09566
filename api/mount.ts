import { createHash, randomUUID } from 'node:crypto';
import type { Request, Response, Router } from 'express';
import { Problem } from './problem';
import { validate } from './validation';
import { authenticate, presentedKey } from './middleware/authenticate';
import { takeRateLimit } from './middleware/rate-limit';
import { IdempotencyStore } from './middleware/idempotency';
import type { RouteSpec } from './route';
import type { Reply, RequestContext } from './context';
import type { Services } from '../services';
import type { PlatformKey } from '../services/platform-key';
import { inTenant } from '../platform/tenant-context';
import { OperationIds } from '../platform/ids';
import { httpDuration, httpRequests, rateLimited } from '../platform/metrics';
import { sendProblem } from './errors';

export interface MountDeps {
  services: Services;
  platformKey: PlatformKey;
  idempotency: IdempotencyStore;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(req: Request): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

async function send(res: Response, reply: Reply): Promise<void> {
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.stream) {
    res.status(reply.status);
    for await (const piece of reply.stream) {
      if (!res.write(piece)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
    return;
  }
  if (reply.body === undefined) {
    res.status(reply.status).end();
    return;
  }
  if (typeof reply.body === 'string' && res.getHeader('content-type')) {
    res.status(reply.status).send(reply.body);
    return;
  }
  res.status(reply.status).json(reply.body);
}

/**
 * Mounts one declared route. The order of checks is the contract: who you are (401), whether you
 * may (403), your budget (429), your input (4xx), then idempotency, then the handler, which runs
 * inside its tenant's scope.
 */
export function mount(router: Router, spec: RouteSpec, deps: MountDeps): void {
  const { services, platformKey, idempotency } = deps;
  const { config } = services;
  router[spec.method](spec.path, async (req: Request, res: Response) => {
    const started = process.hrtime.bigint();
    const requestId = (res.locals.requestId as string) ?? requestIdOf(req);
    let log = services.logger.child({ requestId });
    try {
      // A flood is refused before it costs store reads: each presented key has its own budget,
      // checked in Redis before the key is looked up; the tenant's budget is checked after.
      const presented = presentedKey(req);
      if (presented) {
        try {
          await takeRateLimit(services.conns.redis, config.redisPrefix, `key:${createHash('sha256').update(presented).digest('hex').slice(0, 32)}`, config.rateLimitPerMinute);
        } catch (err) {
          rateLimited.inc({ subject: 'key' });
          throw err;
        }
      }
      const { actor, tenant } = await authenticate(req, spec.access, services, platformKey);
      if (tenant) log = log.child({ tenantId: tenant._id });
      res.locals.tenantId = tenant?._id;
      const subject = tenant ? tenant._id : actor.kind === 'public' ? `public:${actor.address}` : 'platform';
      const limit = actor.kind === 'public' ? config.publicRateLimitPerMinute : config.rateLimitPerMinute;
      try {
        const budget = await takeRateLimit(services.conns.redis, config.redisPrefix, subject, limit);
        res.setHeader('RateLimit-Limit', String(limit));
        res.setHeader('RateLimit-Remaining', String(budget.remaining));
        res.setHeader('RateLimit-Reset', String(budget.resetSeconds));
      } catch (err) {
        rateLimited.inc({ subject: tenant ? 'tenant' : actor.kind });
        throw err;
      }

      const params = spec.params ? validate(spec.params, { ...req.params }, 'params') : {};
      const query = validate(spec.query, { ...(req.query as object) }, 'query');
      let body: unknown = undefined;
      if (spec.body) {
        if (req.body === undefined) throw new Problem('validation-failed', 'body is required (Content-Type: application/json)', { field: 'body' });
        body = validate(spec.body, req.body, 'body');
      } else if (req.body !== undefined && req.headers['content-length'] !== '0' && Object.keys(req.body as object).length > 0) {
        throw new Problem('validation-failed', 'this route takes no body', { field: 'body' });
      }

      const ctx: RequestContext = {
        requestId,
        actor,
        tenant: tenant!,
        body,
        query,
        params,
        headers: req.headers,
        log,
        services,
        baseUrl: `${req.protocol}://${req.get('host')}`,
        operation: new OperationIds(undefined),
      };
      const run = (): Promise<Reply> => (tenant ? inTenant(tenant._id, () => spec.handler(ctx)) : spec.handler(ctx));

      const idempotencyKey = req.headers['idempotency-key'];
      let reply: Reply;
      if (spec.method === 'post' && spec.idempotent !== false && typeof idempotencyKey === 'string') {
        // Keys are remembered per credential: a tenant key by its id, the platform key by its hash.
        const credential = actor.kind === 'key' ? actor.keyId : presented ? createHash('sha256').update(presented).digest('hex').slice(0, 16) : actor.kind;
        const scope = `${tenant ? tenant._id : subject}:${credential}`;
        const fingerprint = IdempotencyStore.fingerprint(req.method, req.originalUrl, body);
        const claim = await idempotency.claim(scope, idempotencyKey, fingerprint);
        if (claim.replay) {
          reply = { ...claim.replay, headers: { ...claim.replay.headers, 'Idempotent-Replayed': 'true' } };
        } else {
          ctx.operation = new OperationIds(createHash('sha256').update(`${scope}\n${idempotencyKey}`).digest('hex'), claim.firstSeenAt);
          try {
            reply = await run();
          } catch (err) {
            if (err instanceof Problem) {
              await idempotency.complete(scope, idempotencyKey, fingerprint, { status: err.status, body: err.toBody(req.originalUrl), headers: { 'Content-Type': 'application/problem+json' } });
            } else {
              await idempotency.release(scope, idempotencyKey);
            }
            throw err;
          }
          await idempotency.complete(scope, idempotencyKey, fingerprint, reply);
        }
      } else {
        reply = await run();
      }
      await send(res, reply);
    } catch (err) {
      sendProblem(res, err, req.originalUrl, log);
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      log.info({ method: spec.method.toUpperCase(), route: spec.path, status: res.statusCode, ms: Math.round(seconds * 1000) }, 'request');
      httpRequests.inc({ method: spec.method.toUpperCase(), route: spec.path, status: String(res.statusCode) });
      httpDuration.observe({ method: spec.method.toUpperCase(), route: spec.path }, seconds);
    }
  });
}
