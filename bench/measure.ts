/** Small timing helpers: run a job N times (optionally concurrently) and summarise latency. */
export interface Summary {
  label: string;
  ops: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  p95ms: number;
}

export async function measure(label: string, ops: number, concurrency: number, job: (i: number) => Promise<unknown>): Promise<Summary> {
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= ops) return;
        const t0 = process.hrtime.bigint();
        await job(i);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { label, ops, seconds, perSecond: ops / seconds, p50ms: at(0.5), p95ms: at(0.95) };
}

export const fmt = (n: number, digits = 1) => n.toFixed(digits);

export function row(s: Summary, floor?: Summary): string {
  const ratio = floor ? `${fmt(floor.perSecond / s.perSecond, 2)}×` : '1.00× (floor)';
  return `| ${s.label} | ${fmt(s.perSecond, 0)} | ${fmt(s.p50ms, 2)} | ${fmt(s.p95ms, 2)} | ${ratio} |`;
}

export const TABLE_HEAD = '| measurement | ops/s | p50 ms | p95 ms | cost vs floor |\n|---|---:|---:|---:|---:|';
