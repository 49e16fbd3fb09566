import { loadConfig, ConfigError } from '../config';
import { startTrellis } from '../platform/runtime';
import { onShutdown } from '../platform/shutdown';

/** Entry point of a Temporal worker process: polls every namespace in the placement table. */
startTrellis(loadConfig(), { api: false, temporalWorker: true, queueWorker: false })
  .then((running) => onShutdown(() => running.stop()))
  .catch((err) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  });
