import { Worker, DelayedError } from 'bullmq';
import { redisConnection } from '../platform/connections';
import { INVENTORY_QUEUE, type IngestJob } from '../services/supply/inventory-queue';
import { applyQueuedBatch } from '../services/supply/inventory-ingest';
import type { Services } from '../services';
import type { QueueConsumer } from '../areas/manifest';

/**
 * The ingest worker: applies accepted inventory batches. A job whose supplier's lane is busy
 * (another worker is applying that supplier's batches) steps aside for a moment instead of
 * holding a slot, so other tenants' and suppliers' batches keep moving.
 */
const CONCURRENCY = 4;
const LANE_BUSY_RETRY_MS = 100;
// A killed worker's job is taken up again after this long (BullMQ's stalled-job check); a batch
// takes well under a second, and the lock is renewed while one runs.
const LOCK_MS = 10_000;

async function start(services: Services): Promise<{ stop(): Promise<void> }> {
  const { config, logger } = services;
  const connection = redisConnection(config.redisUrl!);
  const worker = new Worker<IngestJob>(
    INVENTORY_QUEUE,
    async (job, token) => {
      if ((await applyQueuedBatch(services, job.data)) === 'lane-busy') {
        await job.moveToDelayed(Date.now() + LANE_BUSY_RETRY_MS, token);
        throw new DelayedError();
      }
    },
    { connection, prefix: `${config.redisPrefix}:bull`, concurrency: CONCURRENCY, lockDuration: LOCK_MS, stalledInterval: LOCK_MS / 2 },
  );
  worker.on('failed', (job, err) => {
    if (job) logger.warn({ err, tenantId: job.data.tenantId, batchId: job.data.batchId, attempt: job.attemptsMade }, 'inventory batch attempt failed');
  });
  await worker.waitUntilReady();
  return {
    async stop() {
      await worker.close();
      connection.disconnect();
    },
  };
}

export const inventoryIngest: QueueConsumer = { name: 'inventory-ingest', start };
