import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config';

/**
 * BullMQ queues. Names are platform-level; every job carries its tenantId and per-tenant keys
 * use the tenant in their key, so offboarding can purge a tenant's traces.
 */
export const QUEUES = { tenantExports: 'tenant-exports' } as const;

export interface TenantExportJob {
  tenantId: string;
  exportId: string;
}

export class Queues {
  readonly tenantExports: Queue<TenantExportJob>;

  constructor(redis: Redis, config: Config) {
    this.tenantExports = new Queue<TenantExportJob>(QUEUES.tenantExports, {
      connection: redis,
      prefix: `${config.redisPrefix}:bull`,
      defaultJobOptions: { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: 1000, removeOnFail: 5000 },
    });
  }

  async close(): Promise<void> {
    await this.tenantExports.close();
  }
}
