import type { Express, Request, Response } from 'express';
import mongoose from 'mongoose';
import type { Services } from '../../services';
import type { PlatformKey } from '../../services/tenancy/platform-key';
import { metrics } from '../../platform/metrics';
import { presentedKey } from '../middleware/authenticate';
import { hashKey, sameHash } from '../../domain/tenancy/api-key-format';
import { Problem } from '../problem';
import { sendProblem } from '../errors';

async function check(name: string, probe: () => Promise<unknown>, timeoutMs = 2000): Promise<{ name: string; ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { name, ok: true };
  } catch (err) {
    return { name, ok: false, error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

async function fromOperator(req: Request, platformKey: PlatformKey): Promise<boolean> {
  const presented = presentedKey(req);
  if (!presented) return false;
  const expected = await platformKey.hash();
  return expected !== undefined && sameHash(expected, hashKey(presented));
}

/**
 * Liveness, readiness (each backing service answers) and Prometheus metrics.
 *
 * /metrics names every route with its counts and the process's internals, so it answers only the
 * platform key (Prometheus: `authorization: { credentials_file: … }` in the scrape config); a
 * separate port would need its own network policy in every deployment, a key works behind any
 * load balancer. /readyz tells anyone ready or not (load balancers probe it without a key) and
 * names the failing backing services only to the platform key.
 */
export function mountOps(app: Express, services: Services, platformKey: PlatformKey): void {
  app.get('/healthz', (_req: Request, res: Response) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (req: Request, res: Response) => {
    const { conns, config } = services;
    const checks = await Promise.all([
      check('mongodb', () => mongoose.connection.db!.admin().command({ ping: 1 })),
      check('redis', () => conns.redis.ping()),
      check('temporal', () => conns.temporal.workflowService.describeNamespace({ namespace: config.temporalNamespace })),
    ]);
    const ready = checks.every((c) => c.ok);
    const status = ready ? 'ready' : 'not-ready';
    const operator = await fromOperator(req, platformKey).catch(() => false);
    res.status(ready ? 200 : 503).json(operator ? { status, checks } : { status });
  });

  app.get('/metrics', async (req: Request, res: Response) => {
    const log = services.logger.child({ requestId: res.locals.requestId });
    try {
      if (!(await fromOperator(req, platformKey))) {
        sendProblem(res, new Problem('unauthenticated', 'metrics are served to the platform key only: "Authorization: Bearer <platform key>"'), req.originalUrl, log);
        return;
      }
      res.type(metrics.contentType).send(await metrics.metrics());
    } catch (err) {
      sendProblem(res, err, req.originalUrl, log);
    }
  });
}
