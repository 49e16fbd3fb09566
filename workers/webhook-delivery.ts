import { Queue, Worker, type Job } from 'bullmq';
import { redisConnection } from '../platform/connections';
import { asTenantId } from '../platform/tenant-id';
import { attemptDelivery } from '../services/webhooks/sender';
import { relayAllTenants, type DeliveryJob, type Enqueue } from '../services/webhooks/relay';
import { admitPending, AdmissionAfterAttempts } from '../services/webhooks/admission';
import type { Services } from '../services';

/**
 * Outbound webhooks on BullMQ: a relay tick (one job scheduler shared by every queue-worker
 * replica, global concurrency 1) fans new audit events out to deliveries, and the delivery queue
 * sends them, retrying with exponential backoff and jitter. A delivery's job id is its own (a
 * replay's gets a suffix), so queuing it again while its job exists adds nothing.
 */
export const WEBHOOK_QUEUES = { relay: 'webhook-relay', deliveries: 'webhook-deliveries' } as const;

/** A failed attempt, carrying the wait the sender chose (and recorded) for the next one. */
class AttemptFailed extends Error {
  constructor(readonly retryInMs: number, failure: string) {
    super(failure);
  }
}

export interface WebhookWorkers {
  stop(): Promise<void>;
}

export async function startWebhookWorkers(services: Services): Promise<WebhookWorkers> {
  const { config, logger } = services;
  const prefix = `${config.redisPrefix}:bull`;
  const connections = [0, 1, 2, 3].map(() => redisConnection(config.redisUrl!));
  const [queueConn, relayConn, deliveryConn, relayQueueConn] = connections;

  const deliveries = new Queue<DeliveryJob>(WEBHOOK_QUEUES.deliveries, { connection: queueConn, prefix });
  const enqueue: Enqueue = async (job, jobId) => {
    await deliveries.add('deliver', job, {
      jobId,
      attempts: config.webhooks.attempts,
      backoff: { type: 'webhook' },
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 5000 },
    });
  };

  const relayQueue = new Queue(WEBHOOK_QUEUES.relay, { connection: relayQueueConn, prefix });
  await relayQueue.setGlobalConcurrency(1);
  await relayQueue.upsertJobScheduler('webhook-relay', { every: config.webhooks.relayIntervalMs }, { name: 'relay', opts: { removeOnComplete: 10, removeOnFail: 100 } });
  const relay = new Worker(WEBHOOK_QUEUES.relay, () => relayAllTenants(services, enqueue), { connection: relayConn, prefix, concurrency: 1 });
  relay.on('failed', (_job, err) => logger.warn({ err }, 'webhook relay tick failed'));

  const afterAttempts = new AdmissionAfterAttempts(
    (tenantId) => admitPending(services, tenantId, enqueue),
    (err, tenantId) => logger.warn({ err, tenantId }, 'webhook admission after an attempt failed'),
  );
  const sender = new Worker<DeliveryJob>(
    WEBHOOK_QUEUES.deliveries,
    async (job: Job<DeliveryJob>) => {
      const attempt = { number: job.attemptsMade + 1, last: job.attemptsMade + 1 >= (job.opts.attempts ?? 1) };
      const tenantId = asTenantId(job.data.tenantId);
      const outcome = await attemptDelivery(services, tenantId, job.data.deliveryId, job.id!, attempt);
      // A slot of this tenant (and endpoint) may have freed: let its next delivery in now rather
      // than at the next relay tick. A failure here only delays it to that tick.
      afterAttempts.request(tenantId);
      if (outcome.kind === 'retry') throw new AttemptFailed(outcome.inMs, outcome.failure);
      if (outcome.kind === 'dead') logger.warn({ tenantId: job.data.tenantId, deliveryId: job.data.deliveryId, failure: outcome.failure }, 'webhook delivery dead-lettered');
      return outcome;
    },
    {
      connection: deliveryConn,
      prefix,
      concurrency: config.webhooks.workerConcurrency,
      settings: { backoffStrategy: (_attempts: number, _type?: string, err?: Error) => (err instanceof AttemptFailed ? err.retryInMs : config.webhooks.backoffBaseMs) },
    },
  );
  await Promise.all([relay.waitUntilReady(), sender.waitUntilReady()]);
  return {
    async stop() {
      await relay.close();
      await sender.close();
      await afterAttempts.settle();
      await relayQueue.close();
      await deliveries.close();
      for (const c of connections) c.disconnect();
    },
  };
}
