import { Worker, UnrecoverableError } from 'bullmq';
import { QUEUES, TenantExportJob } from '../services/queues';
import { redisConnection } from '../platform/connections';
import { buildTenantExport, markExportFailed } from '../services/tenancy/tenant-export';
import { startReaper } from './reaper';
import { startWebhookWorkers } from './webhook-delivery';
import type { Services } from '../services';
import type { AreaManifest } from '../areas/manifest';
import { queueConsumersOf, reapersOf } from '../areas/compose';

/** Runs the BullMQ consumers: jobs accepted by the API that must not be lost once queued. */
export interface QueueWorkers {
  stop(): Promise<void>;
}

export async function startQueueWorkers(services: Services, areas: readonly AreaManifest[]): Promise<QueueWorkers> {
  const { config, logger } = services;
  const connection = redisConnection(config.redisUrl!);
  const exports = new Worker<TenantExportJob>(
    QUEUES.tenantExports,
    async (job) => {
      const log = logger.child({ tenantId: job.data.tenantId, exportId: job.data.exportId, jobId: job.id });
      log.info('building tenant export');
      const result = await buildTenantExport(job.data, services.models.tenant);
      log.info(result, 'tenant export ready');
      return result;
    },
    { connection, prefix: `${config.redisPrefix}:bull`, concurrency: 2 },
  );
  exports.on('failed', (job, err) => {
    if (!job) return;
    logger.warn({ err, tenantId: job.data.tenantId, exportId: job.data.exportId }, 'tenant export attempt failed');
    if (err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1)) void markExportFailed(job.data, err.message);
  });
  await exports.waitUntilReady();
  const consumers: { stop(): Promise<void> }[] = [];
  for (const consumer of queueConsumersOf(areas)) consumers.push(await consumer.start(services));
  const reaper = await startReaper(services, reapersOf(areas));
  const webhooks = await startWebhookWorkers(services);
  return {
    async stop() {
      await webhooks.stop();
      await reaper.stop();
      for (const consumer of consumers) await consumer.stop();
      await exports.close();
      connection.disconnect();
    },
  };
}
