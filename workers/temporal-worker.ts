import { NativeConnection, Worker, bundleWorkflowCode, WorkflowBundleWithSourceMap, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import type { AreaManifest } from '../areas/manifest';
import { activitiesOf } from '../areas/compose';
import type { Services } from '../services';

/**
 * Runs one Temporal worker per namespace in the placement table: the pooled namespace always,
 * plus every dedicated tenant's namespace. New dedicated tenants are picked up by a periodic
 * refresh, without a restart. The workflow bundle is built once and shared by all of them.
 */
export interface TemporalWorkers {
  namespaces(): string[];
  /** Looks for new namespaces now instead of waiting for the next refresh. */
  refresh(): Promise<void>;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

export async function startTemporalWorkers(services: Services, areas: readonly AreaManifest[], opts: { bundle?: WorkflowBundleWithSourceMap | { codePath: string } } = {}): Promise<TemporalWorkers> {
  const { config, logger } = services;
  if (!runtimeInstalled) {
    runtimeInstalled = true;
    try {
      // The SDK's own logs go through pino, so they honour LOG_LEVEL and carry the same fields.
      const sdk = logger.child({ component: 'temporal-sdk' });
      const at = (level: 'trace' | 'debug' | 'info' | 'warn' | 'error') => (message: string, meta?: Record<string, unknown>) => sdk[level](meta ?? {}, message);
      Runtime.install({
        logger: {
          log: (level, message, meta) => sdk[level.toLowerCase() as 'info'](meta ?? {}, message),
          trace: at('trace'),
          debug: at('debug'),
          info: at('info'),
          warn: at('warn'),
          error: at('error'),
        },
        telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} } },
      });
    } catch {
      // Already installed by an earlier worker in this process.
    }
  }
  const bundle = opts.bundle ?? (config.workflowBundlePath ? { codePath: config.workflowBundlePath } : await bundleWorkflows());
  const connection = await NativeConnection.connect({ address: config.temporalAddress! });
  const activities = activitiesOf(areas, { services });
  const running = new Map<string, { worker: Worker; done: Promise<void> }>();
  let stopping = false;

  async function startFor(namespace: string): Promise<void> {
    if (running.has(namespace) || stopping) return;
    const worker = await Worker.create({
      connection,
      namespace,
      taskQueue: config.temporalTaskQueue,
      workflowBundle: bundle,
      activities,
      maxConcurrentActivityTaskExecutions: 50,
    });
    const done = worker.run().catch((err) => logger.error({ err, namespace }, 'temporal worker stopped with an error'));
    running.set(namespace, { worker, done });
    logger.info({ namespace, taskQueue: config.temporalTaskQueue }, 'temporal worker polling');
  }

  async function refresh(): Promise<void> {
    const dedicated = await services.tenants.dedicatedNamespaces();
    const wanted = new Set([config.temporalNamespace, ...dedicated]);
    for (const namespace of wanted) {
      try {
        await startFor(namespace);
      } catch (err) {
        // A namespace still being registered is retried at the next refresh.
        logger.debug({ err, namespace }, 'namespace not ready for a worker yet');
      }
    }
    // An offboarded tenant's namespace is gone: stop polling it.
    for (const [namespace, { worker, done }] of running) {
      if (wanted.has(namespace)) continue;
      running.delete(namespace);
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
      logger.info({ namespace }, 'temporal worker stopped: namespace no longer in use');
    }
  }

  await startFor(config.temporalNamespace);
  await refresh();
  const timer = setInterval(() => void refresh().catch((err) => logger.warn({ err }, 'namespace refresh failed')), config.namespaceRefreshMs);
  timer.unref();

  return {
    namespaces: () => [...running.keys()],
    refresh,
    async stop() {
      stopping = true;
      clearInterval(timer);
      for (const { worker } of running.values()) {
        if (worker.getState() === 'RUNNING') worker.shutdown();
      }
      await Promise.all([...running.values()].map((r) => r.done));
      await connection.close();
    },
  };
}

export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m) => console.error(m) },
  });
}
