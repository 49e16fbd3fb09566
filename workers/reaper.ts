import { Queue, Worker } from 'bullmq';
import { TenantModel } from '../models/tenancy/tenant';
import { redisConnection } from '../platform/connections';
import { reapStaleTenants } from '../services/tenancy/tenants';
import { reapStaleDeals } from '../services/deals/deals';
import { reapStaleApplications } from '../services/onboarding/onboarding';
import { reapStaleTierReviews } from '../services/tiers/tier-reviews';
import { relayOutbox } from '../services/outbox';
import type { Services } from '../services';
import { asTenantId } from '../platform/tenant-id';

/**
 * The reaper closes work a crash left half-done. It runs as one BullMQ job scheduler shared by
 * every queue-worker replica (global concurrency 1: one run at a time across all of them), every
 * `reaperIntervalSeconds`, and touches only work older than `reaperStaleAfterSeconds`.
 *
 * The registry is explicit: a reaper runs because it is listed here, nowhere else.
 */

/** Runs once per pass, across all tenants (tenants themselves are platform records). */
export interface PlatformReaper {
  name: string;
  run(services: Services, olderThanMs: number): Promise<unknown>;
}

/** Runs once per pass for every active tenant. */
export interface TenantReaper {
  name: string;
  run(services: Services, tenantId: string, olderThanMs: number): Promise<unknown>;
}

export interface ReaperRegistry {
  platform: PlatformReaper[];
  tenant: TenantReaper[];
}

export const REAPERS: ReaperRegistry = {
  platform: [{ name: 'stale-tenants', run: (services, olderThanMs) => reapStaleTenants(services, olderThanMs) }],
  tenant: [
    // The outbox first: an audit event whose change happened is appended before anything is closed.
    { name: 'outbox', run: (services, tenantId) => relayOutbox(services, asTenantId(tenantId)) },
    { name: 'stale-deals', run: (services, tenantId, olderThanMs) => reapStaleDeals(services, tenantId, olderThanMs) },
    { name: 'stale-applications', run: (services, tenantId, olderThanMs) => reapStaleApplications(services, tenantId, olderThanMs) },
    { name: 'stale-tier-reviews', run: (services, tenantId, olderThanMs) => reapStaleTierReviews(services, tenantId, olderThanMs) },
  ],
};

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
export async function runReapers(services: Services, registry: ReaperRegistry = REAPERS): Promise<ReaperPass> {
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
    const page = await TenantModel.find({ status: 'active', ...(after ? { _id: { $gt: after } } : {}) }, { _id: 1 }).sort({ _id: 1 }).limit(PAGE).lean();
    for (const { _id: tenantId } of page) {
      pass.tenants += 1;
      for (const reaper of registry.tenant) await attempt(reaper.name, tenantId, () => reaper.run(services, tenantId, olderThanMs));
    }
    if (page.length < PAGE) return pass;
    after = page[page.length - 1]._id;
  }
}

export const REAPER_QUEUE = 'reaper';

export interface Reaper {
  stop(): Promise<void>;
}

/** Schedules the periodic pass (idempotent across replicas) and consumes it in this process. */
export async function startReaper(services: Services): Promise<Reaper> {
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
      const pass = await runReapers(services);
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
