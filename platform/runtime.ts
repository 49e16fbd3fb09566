import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { msToTs } from '@temporalio/common/lib/time';
import type { Config } from '../config';
import { openConnections } from './connections';
import { createLogger } from './logger';
import { createServices, Services } from '../services';
import { PlatformKey } from '../services/platform-key';
import { TenantModel, PlatformSecretModel, tenantModels } from '../models';
import { createApp } from '../api/app';
import { startTemporalWorkers, TemporalWorkers } from '../workers/temporal-worker';
import { startQueueWorkers, QueueWorkers } from '../workers/queue-worker';
import '../domain/rules/kinds';
import '../services/party-lookups';

/**
 * The pooled namespace must exist with the TenantId search attribute before anything starts a
 * workflow. The local dev server creates both; a fresh production cluster gets them here.
 */
async function ensurePooledNamespace({ conns, config, logger }: Services): Promise<void> {
  const namespace = config.temporalNamespace;
  try {
    await conns.temporal.workflowService.describeNamespace({ namespace });
  } catch (err) {
    if ((err as { code?: number }).code !== 5) throw err;
    logger.info({ namespace }, 'registering the pooled Temporal namespace');
    await conns.temporal.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(30 * 24 * 3600 * 1000) }).catch((e: { code?: number }) => {
      if (e.code !== 6) throw e;
    });
  }
  for (let attempt = 0; ; attempt++) {
    try {
      const attributes = await conns.temporal.operatorService.listSearchAttributes({ namespace });
      if (!attributes.customAttributes?.TenantId) {
        await conns.temporal.operatorService.addSearchAttributes({ namespace, searchAttributes: { TenantId: 2 /* KEYWORD */ } });
      }
      return;
    } catch (err) {
      // A namespace registered a moment ago may not be visible to every service yet.
      if (attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

export interface Parts {
  api: boolean;
  temporalWorker: boolean;
  queueWorker: boolean;
}

export interface RunningTrellis {
  services: Services;
  apiUrl?: string;
  /** Set only on the very first start, when the platform key was generated. */
  newPlatformKey?: string;
  temporalWorkers?: TemporalWorkers;
  stop(): Promise<void>;
}

/**
 * Starts the requested parts of Trellis in this process. Production runs one part per process
 * (api, temporal worker, queue worker); `npm start` and the tests run all three together.
 */
export async function startTrellis(config: Config, parts: Parts): Promise<RunningTrellis> {
  const logger = createLogger(config.logLevel);
  const conns = await openConnections(config);
  const services = createServices(config, conns, logger);
  // Index creation is idempotent; doing it at start means a fresh store is usable at once.
  for (const model of [TenantModel, PlatformSecretModel, ...tenantModels.values()]) await model.createIndexes();
  await ensurePooledNamespace(services);
  const platformKey = new PlatformKey(config.platformKey);
  const newPlatformKey = parts.api ? await platformKey.ensure() : undefined;

  let server: Server | undefined;
  let apiUrl: string | undefined;
  if (parts.api) {
    const app = createApp(services, platformKey);
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(config.port, '0.0.0.0', () => resolve(s)).on('error', reject);
    });
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    logger.info({ apiUrl }, 'api listening');
  }
  const temporalWorkers = parts.temporalWorker ? await startTemporalWorkers(services) : undefined;
  const queueWorkers: QueueWorkers | undefined = parts.queueWorker ? await startQueueWorkers(services) : undefined;

  let stopped: Promise<void> | undefined;
  return {
    services,
    apiUrl,
    newPlatformKey,
    temporalWorkers,
    stop() {
      stopped ??= (async () => {
        if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
        server?.closeAllConnections();
        await queueWorkers?.stop();
        await temporalWorkers?.stop();
        await services.queues.close();
        await conns.close();
      })();
      return stopped;
    },
  };
}
