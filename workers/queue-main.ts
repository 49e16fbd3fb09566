import { loadConfig, ConfigError } from '../config';
import { startTrellis } from '../platform/runtime';
import { onShutdown } from '../platform/shutdown';

/** Entry point of a queue worker process: BullMQ consumers (exports, ingest, webhooks). */
startTrellis(loadConfig(), { api: false, temporalWorker: false, queueWorker: true })
  .then((running) => onShutdown(() => running.stop()))
  .catch((err) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  });
