import { loadConfig, ConfigError } from '../config';
import { startTrellis } from '../platform/runtime';
import { onShutdown } from '../platform/shutdown';

/** Entry point of an API-only process (scale these horizontally). */
async function main(): Promise<void> {
  const config = loadConfig();
  const running = await startTrellis(config, { api: true, temporalWorker: false, queueWorker: false });
  if (running.newPlatformKey) console.log(`platform key (shown once): ${running.newPlatformKey}`);
  onShutdown(() => running.stop());
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
