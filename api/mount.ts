import { createHash, randomUUID } from 'node:crypto';
import type { Request, Response, Router } from 'express';
import { Problem } from './problem';
import { DomainError } from '../domain/errors';
import { validate } from './validation';
import { presentedKey } from './middleware/authenticate';
import { admit } from './middleware/admission';
import { IdempotencyStore, operationIdsFor } from './middleware/idempotency';
import type { RouteSpec } from './route';
import type { Actor, Reply, RequestContext } from './context';
import type { Services } from '../services';
import type { PlatformKey } from '../services/tenancy/platform-key';
import type { TenantId } from '../platform/tenant-id';
import { OperationIds } from '../platform/ids';
import { httpDuration, httpRequests } from '../platform/metrics';
import { problemOf, sendProblem } from './errors';

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

/**
 * Whose an Idempotency-Key is: keys are remembered per credential, a tenant key by its id, the
 * platform key (or whatever a public caller presented) by its hash.
 */
export function idempotencyScope(actor: Actor, tenantId: string | undefined, presented: string | undefined): string {
  const subject = tenantId ?? (actor.kind === 'public' ? `public:${actor.address}` : 'platform');
  const credential = actor.kind === 'key' ? actor.keyId : presented ? createHash('sha256').update(presented).digest('hex').slice(0, 16) : actor.kind;
  return `${subject}:${credential}`;
}

/** A remembered refusal replays with its headers (Retry-After…) as well as its body. */
function problemHeaders(problem: Problem): Record<string, string> {
  return { ...((problem.extras.headers as Record<string, string>) ?? {}), 'Content-Type': 'application/problem+json' };
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
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
 * Mounts one declared route. The order of checks is the contract: your address's budget when you
 * bring no valid key (429), who you are (401), whether you may (403), your key's and tenant's
 * budgets (429), your input (4xx), then idempotency, then the handler, which passes
 * ctx.tenantId to its use case (see admission.ts for the budgets).
 */
export function mount(router: Router, spec: RouteSpec, deps: MountDeps): void {
  const { services, platformKey, idempotency } = deps;
  router[spec.method](spec.path, async (req: Request, res: Response) => {
    const started = process.hrtime.bigint();
    const requestId = (res.locals.requestId as string) ?? requestIdOf(req);
    let log = services.logger.child({ requestId });
    try {
      const { actor, tenant, budget, credential } = await admit(req, spec.access, services, platformKey);
      if (tenant) log = log.child({ tenantId: tenant._id });
      res.locals.tenantId = tenant?._id;
      if (budget) {
        res.setHeader('RateLimit-Limit', String(budget.limit));
        res.setHeader('RateLimit-Remaining', String(budget.remaining));
        res.setHeader('RateLimit-Reset', String(budget.resetSeconds));
      }

      const params = spec.params ? validate(spec.params, { ...req.params }, 'params') : {};
      const query = validate(spec.query, { ...(req.query as object) }, 'query');
      let body: unknown = undefined;
      if (spec.body) {
        if (req.body === undefined) throw new Problem('validation-failed', 'body is required (Content-Type: application/json)', { field: 'body' });
        body = validate(spec.body, req.body, 'body');
      } else if (req.body !== undefined && !isEmptyObject(req.body)) {
        // `{}` is what many clients send for "nothing"; anything else (`[]`, `0`, fields) is refused.
        throw new Problem('validation-failed', 'this route takes no body', { field: 'body' });
      }

      const ctx: RequestContext = {
        requestId,
        actor,
        tenant: tenant!,
        tenantId: tenant?._id as TenantId,
        body,
        query,
        params,
        headers: req.headers,
        log,
        services,
        baseUrl: `${req.protocol}://${req.get('host')}`,
        operation: new OperationIds(undefined),
      };
      // No ambient tenant scope: handlers pass ctx.tenantId to use cases, whose repositories scope
      // each query; a query that forgot its tenant fails here as it would in a worker.
      const run = (): Promise<Reply> => spec.handler(ctx);

      const idempotencyKey = req.headers['idempotency-key'];
      let reply: Reply;
      if (spec.method === 'post' && spec.idempotent !== false && typeof idempotencyKey === 'string') {
        const scope = idempotencyScope(actor, tenant?._id, presentedKey(req));
        const fingerprint = IdempotencyStore.fingerprint(req.method, req.originalUrl, body);
        const claim = await idempotency.claim(scope, idempotencyKey, fingerprint, credential);
        if (claim.replay) {
          reply = { ...claim.replay, headers: { ...claim.replay.headers, 'Idempotent-Replayed': 'true' } };
        } else {
          ctx.operation = operationIdsFor(scope, idempotencyKey, claim.firstSeenAt);
          const stop = idempotency.hold(scope, idempotencyKey, claim, () => log.warn({ route: spec.path }, 'idempotency lease lost while the handler ran'));
          try {
            reply = await run();
          } catch (err) {
            stop();
            // Once the handler has run an effect may have happened: the key is never deleted. A
            // refusal that is final is remembered; anything else lets the next attempt re-run
            // with the same ids (see IdempotencyStore).
            const refusal = err instanceof DomainError ? problemOf(err) : err instanceof Problem ? err : undefined;
            const remembered =
              refusal && !refusal.retryable
                ? idempotency.complete(scope, idempotencyKey, fingerprint, { status: refusal.status, body: refusal.toBody(req.originalUrl), headers: problemHeaders(refusal) })
                : idempotency.fail(scope, idempotencyKey, claim);
            // Redis not taking the record leaves it running: its lease lapses and a retry re-runs.
            await remembered.catch((storeErr: unknown) => log.warn({ err: storeErr }, 'could not record the idempotent outcome'));
            throw err;
          }
          stop();
          // The work is done: answer it even if Redis does not take the record (the lease then
          // lapses and a retry re-runs with the same ids, finding this attempt's work).
          const remembered = reply.status >= 500 ? idempotency.fail(scope, idempotencyKey, claim) : idempotency.complete(scope, idempotencyKey, fingerprint, reply, credential);
          await remembered.catch((storeErr: unknown) => log.warn({ err: storeErr }, 'could not record the idempotent answer'));
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
