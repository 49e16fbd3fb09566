import { Queue, Worker } from 'bullmq';
import { redisConnection } from '../platform/connections';
import type { Services } from '../services';
import type { ReaperRegistry } from '../areas/manifest';

/**
 * The reaper closes work a crash left half-done. It runs as one BullMQ job scheduler shared by
 * every queue-worker replica (global concurrency 1: one run at a time across all of them), every
 * `reaperIntervalSeconds`, and touches only work older than `reaperStaleAfterSeconds`.
 *
 * The reapers are the areas' (areas/compose.ts reapersOf): a reaper runs because its area's
 * manifest lists it, nowhere else.
 */

export interface ReaperPass {
  tenants: number;
  failures: { reaper: string; tenantId?: string; error: string }[];
}

const PAGE = 200;

/**
 * One pass: every platform reaper once, then every tenant reaper for each active tenant (paged on
 * `_id`; tenants offboarding, deleted, failed or still provisioning are left alone). One reaper
 * failing is logged and does not stop the others.
 */
export async function runReapers(services: Services, registry: ReaperRegistry): Promise<ReaperPass> {
  const olderThanMs = services.config.reaperStaleAfterSeconds * 1000;
  const pass: ReaperPass = { tenants: 0, failures: [] };
  const attempt = async (reaper: string, tenantId: string | undefined, work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      pass.failures.push({ reaper, ...(tenantId ? { tenantId } : {}), error });
      services.logger.warn({ err, reaper, tenantId }, 'reaper failed');
    }
  };
  for (const reaper of registry.platform) await attempt(reaper.name, undefined, () => reaper.run(services, olderThanMs));
  if (registry.tenant.length === 0) return pass;
  let after: string | undefined;
  for (;;) {
    const page = await services.tenants.activeTenantIds(after, PAGE);
    for (const tenantId of page) {
      pass.tenants += 1;
      for (const reaper of registry.tenant) await attempt(reaper.name, tenantId, () => reaper.run(services, tenantId, olderThanMs));
    }
    if (page.length < PAGE) return pass;
    after = page[page.length - 1];
  }
}

export const REAPER_QUEUE = 'reaper';

export interface Reaper {
  stop(): Promise<void>;
}

/** Schedules the periodic pass (idempotent across replicas) and consumes it in this process. */
export async function startReaper(services: Services, registry: ReaperRegistry): Promise<Reaper> {
  const { config, logger } = services;
  const prefix = `${config.redisPrefix}:bull`;
  const connection = redisConnection(config.redisUrl!);
  const workerConnection = redisConnection(config.redisUrl!);
  const queue = new Queue(REAPER_QUEUE, { connection, prefix });
  await queue.setGlobalConcurrency(1);
  await queue.upsertJobScheduler('reaper', { every: config.reaperIntervalSeconds * 1000 }, { name: 'reap', opts: { removeOnComplete: 100, removeOnFail: 100 } });
  const worker = new Worker(
    REAPER_QUEUE,
    async () => {
      const pass = await runReapers(services, registry);
      if (pass.failures.length > 0) logger.warn(pass, 'reaper pass finished with failures');
      return pass;
    },
    { connection: workerConnection, prefix, concurrency: 1 },
  );
  await worker.waitUntilReady();
  return {
    async stop() {
      await worker.close();
      await queue.close();
      workerConnection.disconnect();
      connection.disconnect();
    },
  };
}
