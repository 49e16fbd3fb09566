import type { Express, Request, Response } from 'express';
import mongoose from 'mongoose';
import type { Services } from '../../services';
import { metrics } from '../../platform/metrics';

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

/** Liveness, readiness (each backing service answers) and Prometheus metrics. */
export function mountOps(app: Express, services: Services): void {
  app.get('/healthz', (_req: Request, res: Response) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req: Request, res: Response) => {
    const { conns, config } = services;
    const checks = await Promise.all([
      check('mongodb', () => mongoose.connection.db!.admin().command({ ping: 1 })),
      check('redis', () => conns.redis.ping()),
      check('temporal', () => conns.temporal.workflowService.describeNamespace({ namespace: config.temporalNamespace })),
    ]);
    const ready = checks.every((c) => c.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', checks });
  });

  app.get('/metrics', async (_req: Request, res: Response) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });
}
