import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Services } from '../index';
import type { TenantId } from '../../platform/tenant-id';

/**
 * The ingest queue carries wake-ups, not data: a job names a batch the store already holds, and
 * its id is the batch id, so re-queuing a batch (the reaper after Redis lost its memory) never
 * makes a second job for it.
 *
 * Fairness without BullMQ Pro groups: a job's priority is how many batches its tenant already has
 * waiting (lower runs first). A tenant's first waiting batch goes ahead of every tenant's second,
 * so a flood from one tenant queues behind itself, and another tenant's batch waits at most for
 * one batch of each tenant plus what is running.
 *
 * "Waiting" is a Redis set per tenant of the batch ids queued and not yet applied (added to on
 * enqueue, removed from once applied), not a count of the store's unfinished batches: on
 * FerretDB that count read every batch of the tenant on every POST. It is only a hint for the
 * order: if Redis loses it, the reaper's re-queues rebuild it, and a batch is applied whatever
 * its priority. A set, not a counter, so re-queuing a batch does not count it twice.
 */
export const INVENTORY_QUEUE = 'inventory-ingest';
const MAX_PRIORITY = 2_097_151;

export interface IngestJob {
  tenantId: string;
  supplierId: string;
  batchId: string;
}

const queues = new WeakMap<Redis, Queue<IngestJob>>();

/** One Queue per process connection, shared by every request that enqueues. */
function ingestQueue(services: Services): Queue<IngestJob> {
  let queue = queues.get(services.conns.redis);
  if (!queue) {
    queue = new Queue<IngestJob>(INVENTORY_QUEUE, {
      connection: services.conns.redis,
      prefix: `${services.config.redisPrefix}:bull`,
      defaultJobOptions: { attempts: 20, backoff: { type: 'exponential', delay: 500 }, removeOnComplete: true, removeOnFail: 1000 },
    });
    queues.set(services.conns.redis, queue);
  }
  return queue;
}

const waitingKey = (services: Services, tenantId: string) => `${services.config.redisPrefix}:inventory-waiting:${tenantId}`;

/** How many batches the tenant has queued and not yet applied (the fairness hint). */
export async function waitingBatches(services: Services, tenantId: TenantId): Promise<number> {
  return services.conns.redis.scard(waitingKey(services, tenantId));
}

/** The batch is applied (or was found applied): it no longer counts as waiting. */
export async function batchDone(services: Services, tenantId: TenantId, batchId: string): Promise<void> {
  await services.conns.redis.srem(waitingKey(services, tenantId), batchId);
}

export async function enqueueBatch(services: Services, tenantId: TenantId, job: Omit<IngestJob, 'tenantId'>): Promise<void> {
  const [, counted] = (await services.conns.redis.multi().sadd(waitingKey(services, tenantId), job.batchId).scard(waitingKey(services, tenantId)).exec()) ?? [];
  const waiting = typeof counted?.[1] === 'number' ? counted[1] : 1;
  await ingestQueue(services).add('apply-batch', { tenantId, ...job }, { jobId: job.batchId, priority: Math.min(Math.max(waiting, 1), MAX_PRIORITY) });
}

/**
 * Makes sure a batch the store still holds unfinished has a job: adds one if Redis has none (its
 * memory was lost, or the enqueue after the 202 failed) and retries one that used up its attempts.
 */
export async function requeueBatch(services: Services, tenantId: TenantId, job: Omit<IngestJob, 'tenantId'>): Promise<'queued' | 'retried' | 'present'> {
  const existing = await ingestQueue(services).getJob(job.batchId);
  if (!existing) {
    await enqueueBatch(services, tenantId, job);
    return 'queued';
  }
  if (await existing.isFailed()) {
    await existing.retry();
    return 'retried';
  }
  return 'present';
}

/**
 * One supplier's batches are applied by one worker at a time (the lane). The lock is a Redis key
 * with a token and an expiry, renewed while its holder works, so a killed worker's lane frees
 * itself within the lease; the figures' bulk write still checks it read the latest figure, should
 * two workers ever overlap (see writeFigures).
 */
export const LANE_LEASE_MS = 15_000;

export interface Lane {
  /** False once the lease was lost (not renewed in time and taken, or Redis forgot it). */
  held(): Promise<boolean>;
  release(): Promise<void>;
}

const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const EXTEND = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

export async function takeLane(services: Services, tenantId: TenantId, supplierId: string): Promise<Lane | undefined> {
  const redis = services.conns.redis;
  const key = `${services.config.redisPrefix}:inventory-lane:${tenantId}:${supplierId}`;
  const token = randomBytes(12).toString('hex');
  if ((await redis.set(key, token, 'PX', LANE_LEASE_MS, 'NX')) !== 'OK') return undefined;
  const renew = async () => (await redis.eval(EXTEND, 1, key, token, String(LANE_LEASE_MS))) === 1;
  let lost = false;
  const renewal = setInterval(() => {
    renew().then((ok) => { lost ||= !ok; }, () => undefined);
  }, LANE_LEASE_MS / 3);
  return {
    async held() {
      if (!lost && !(await renew())) lost = true;
      return !lost;
    },
    async release() {
      clearInterval(renewal);
      await redis.eval(RELEASE, 1, key, token);
    },
  };
}
