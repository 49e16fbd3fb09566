import { loadConfig, ConfigError } from '../../config';
import { startTrellis } from '../../platform/runtime';
import { onShutdown } from '../../platform/shutdown';

/**
 * The fault trials' worker process: the Temporal worker and the queue worker together, so the
 * API can be killed on its own while the processes behind it keep running.
 */
startTrellis(loadConfig(), { api: false, temporalWorker: true, queueWorker: true })
  .then((running) => {
    console.log('workers ready');
    onShutdown(() => running.stop());
  })
  .catch((err) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  });
