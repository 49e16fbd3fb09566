/**
 * A Trellis process (API, Temporal worker, queue worker) for the benches, run as a child so its
 * memory is measured alone: it reports `process.memoryUsage()` to the parent every
 * BENCH_MEMORY_SAMPLE_MS (default 100 ms) and stops on the message 'stop'. The environment is the
 * parent's configuration (bench/payout-run.ts, bench/accrual.ts).
 */
import { loadConfig } from '../config';
import { startTrellis } from '../platform/runtime';

export interface MemorySample {
  type: 'memory';
  at: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

async function main(): Promise<void> {
  const trellis = await startTrellis(loadConfig(process.env), { api: true, temporalWorker: true, queueWorker: true });
  const every = Number(process.env.BENCH_MEMORY_SAMPLE_MS ?? 100);
  const timer = setInterval(() => {
    // The parent gone (a bench that failed), there is no one to report to: stop.
    if (!process.connected) process.exit(0);
    process.send!({ type: 'memory', at: Date.now(), ...process.memoryUsage() } satisfies MemorySample);
  }, every);
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message) => {
    if (message !== 'stop') return;
    clearInterval(timer);
    void trellis.stop().finally(() => process.exit(0));
  });
  process.send!({ type: 'ready', apiUrl: trellis.apiUrl });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
