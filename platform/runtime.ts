import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config';
import { openConnections } from './connections';
import { createLogger } from './logger';
import { createServices, Services } from '../services';
import { PlatformKey } from '../services/tenancy/platform-key';
import { ensureNamespace } from './temporal-namespaces';
import { createApp } from '../api/app';
import { answerClientError } from '../api/client-error';
import { startTemporalWorkers, TemporalWorkers } from '../workers/temporal-worker';
import { startQueueWorkers, QueueWorkers } from '../workers/queue-worker';
import { AREAS } from '../areas';

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
  const services = createServices(config, conns, logger, AREAS);
  // Index creation is idempotent; doing it at start means a fresh store is usable at once.
  await services.ensureIndexes();
  // The pooled namespace must exist with the TenantId attribute before anything starts a workflow;
  // the local dev server creates both, a fresh production cluster gets them here.
  await ensureNamespace(conns.temporal, config.temporalNamespace, { register: true });
  const platformKey = new PlatformKey(config.platformKey);
  const newPlatformKey = parts.api ? await platformKey.ensure() : undefined;

  let server: Server | undefined;
  let apiUrl: string | undefined;
  if (parts.api) {
    const app = createApp(services, platformKey, AREAS);
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(config.port, '0.0.0.0', () => resolve(s)).on('error', reject);
      s.on('clientError', (err: Error & { code?: string }, socket) => answerClientError(err, socket, logger));
    });
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    logger.info({ apiUrl }, 'api listening');
  }
  const temporalWorkers = parts.temporalWorker ? await startTemporalWorkers(services, AREAS) : undefined;
  const queueWorkers: QueueWorkers | undefined = parts.queueWorker ? await startQueueWorkers(services, AREAS) : undefined;

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
