/**
 * `npm start`: Trellis on one machine. Starts the embedded local stack (Temporal dev server with
 * its UI, FerretDB, Redis) unless TEMPORAL_ADDRESS / MONGODB_URI / REDIS_URL point elsewhere,
 * then the API, the Temporal worker and the queue worker in this process. Data lives in
 * TRELLIS_DATA_DIR (./.trellis-data) and survives restarts. Ctrl-C stops everything.
 */
import path from 'node:path';
import { createHash } from 'node:crypto';
import { loadConfig, ConfigError } from '../config';
import { startLocalStack, LocalStack } from '../scripts/local-stack';
import { startTrellis, RunningTrellis } from '../platform/runtime';
import { onShutdown } from '../platform/shutdown';
import { localSealingKey } from '../platform/local-sealing-key';

async function main(): Promise<void> {
  const startedAt = Date.now();
  let config = loadConfig();
  let stack: LocalStack | undefined;
  let running: RunningTrellis | undefined;
  onShutdown(async () => {
    await running?.stop();
    await stack?.stop();
  });

  if (!config.temporalAddress || !config.mongodbUri || !config.redisUrl) {
    stack = await startLocalStack({ dataDir: path.join(config.dataDir, 'stack'), ui: true, namespace: config.temporalNamespace, log: (line) => console.error(`[stack] ${line}`) });
    // Webhook secrets are sealed at rest; locally, without a key of yours, one kept in the data dir.
    const sealing = process.env.TRELLIS_WEBHOOK_KEY || process.env.TRELLIS_PLATFORM_KEY ? undefined : localSealingKey(config.dataDir);
    config = loadConfig({
      // The machine's Redis may serve other local instances: keep this data dir's keys and queues apart.
      REDIS_PREFIX: `trellis-${createHash('sha256').update(path.resolve(config.dataDir)).digest('hex').slice(0, 8)}`,
      // Request logs are for production; locally the banner and warnings are what matter.
      LOG_LEVEL: 'warn',
      ...process.env,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      MONGODB_URI: stack.mongodbUri,
      REDIS_URL: stack.redisUrl,
      ...(sealing ? { TRELLIS_WEBHOOK_KEY: sealing.key } : {}),
    });
    if (sealing?.created) console.error(`[webhooks] generated a local sealing key for webhook secrets in ${sealing.file} (keep it with the data; set TRELLIS_WEBHOOK_KEY in production)`);
  }
  running = await startTrellis(config, { api: true, temporalWorker: true, queueWorker: true });

  const lines = [
    '',
    `  Trellis is running (ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s)`,
    `  Console        ${running.apiUrl}/console   (sign in with a tenant API key)`,
    `  API            ${running.apiUrl}   (docs: ${running.apiUrl}/docs)`,
    `  Temporal UI    ${stack?.temporalUiUrl ?? '(external Temporal: use its own UI)'}`,
    `  Data           ${path.resolve(config.dataDir)}`,
  ];
  if (running.newPlatformKey) {
    lines.push(`  Platform key   ${running.newPlatformKey}`, '                 (shown once: keep it; it manages tenants. Set TRELLIS_PLATFORM_KEY to use your own.)');
  } else if (!config.platformKey) {
    lines.push('  Platform key   printed on the first start; set TRELLIS_PLATFORM_KEY to choose one');
  }
  lines.push('  Stop           Ctrl-C', '');
  console.log(lines.join('\n'));
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
