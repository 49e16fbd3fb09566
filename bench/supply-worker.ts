/**
 * The ingest worker of `bench/supply-ingest.ts`, in its own process so its memory is its own: a
 * queue-worker process (what production runs, workers/queue-main.ts) that also reports its RSS
 * and heap to the bench over IPC every SAMPLE_MS.
 */
import { loadConfig } from '../config';
import { startTrellis } from '../platform/runtime';

const SAMPLE_MS = 500;

async function main(): Promise<void> {
  const running = await startTrellis(loadConfig(), { api: false, temporalWorker: false, queueWorker: true });
  const sample = () => {
    const { rss, heapUsed, heapTotal } = process.memoryUsage();
    process.send?.({ at: Date.now(), rss, heapUsed, heapTotal });
  };
  sample();
  const timer = setInterval(sample, SAMPLE_MS);
  process.send?.({ ready: true });
  process.on('message', (msg: { stop?: boolean }) => {
    if (!msg.stop) return;
    clearInterval(timer);
    running.stop().then(() => process.exit(0), () => process.exit(1));
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
