/**
 * What the supply benchmarks share: the local stack, Trellis in this process (API and Temporal
 * worker; the queue worker is opt-in so the ingest bench can run it as its own process and sample
 * its memory), tenants provisioned and trading parties made through the API, keys bound to them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startLocalStack, type LocalStack } from '../scripts/local-stack';
import { loadConfig, type Config } from '../config';
import { startTrellis, type RunningTrellis } from '../platform/runtime';
import { fmt } from './measure';

export interface BenchStack {
  url: string;
  config: Config;
  /** The environment a second Trellis process needs to join this run (same stack, same Redis prefix). */
  env: Record<string, string>;
  trellis: RunningTrellis;
  stack: LocalStack;
  call(method: string, p: string, key?: string, body?: unknown, headers?: Record<string, string>): Promise<any>;
  supplyTenant(slug: string, suppliers: number, manufacturers?: number): Promise<SupplyTenant>;
  stop(): Promise<void>;
}

export interface Party {
  partyId: string;
  key: string;
}

export interface SupplyTenant {
  tenantId: string;
  adminKey: string;
  suppliers: Party[];
  manufacturers: Party[];
}

export async function startSupplyBench(opts: { queueWorker: boolean; env?: Record<string, string> }): Promise<BenchStack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-'));
  const stack = await startLocalStack({ dataDir, log: () => undefined });
  const env = {
    TEMPORAL_ADDRESS: stack.temporalAddress,
    MONGODB_URI: stack.mongodbUri,
    REDIS_URL: stack.redisUrl,
    REDIS_PREFIX: `bench-${randomBytes(3).toString('hex')}`,
    TRELLIS_PLATFORM_KEY: `trp_${randomBytes(32).toString('base64url')}`,
    PORT: '0',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '1000000',
    ...opts.env,
  };
  const config = loadConfig({ ...process.env, ...env });
  const trellis = await startTrellis(config, { api: true, temporalWorker: true, queueWorker: opts.queueWorker });
  const url = trellis.apiUrl!;
  const call: BenchStack['call'] = async (method, p, key, body, headers = {}) => {
    const res = await fetch(`${url}${p}`, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json().catch(() => undefined);
    if (res.status >= 400) throw Object.assign(new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`), { status: res.status });
    return json as any;
  };
  const party = async (adminKey: string, kind: 'supplier' | 'manufacturer', name: string): Promise<Party> => {
    const created = await call('POST', '/v1/parties', adminKey, { kind, name });
    const key = await call('POST', '/v1/api-keys', adminKey, { name, role: kind, partyId: created.id });
    return { partyId: created.id as string, key: key.key as string };
  };
  return {
    url,
    config,
    env,
    trellis,
    stack,
    call,
    async supplyTenant(slug, suppliers, manufacturers = 0) {
      const res = await call('POST', '/v1/tenants', env.TRELLIS_PLATFORM_KEY, { name: slug, slug, isolation: 'pooled', currency: 'EUR', timezone: 'UTC', locale: 'en' });
      const adminKey = res.adminKey as string;
      const made: SupplyTenant = { tenantId: res.tenant.id as string, adminKey, suppliers: [], manufacturers: [] };
      for (let i = 0; i < suppliers; i++) made.suppliers.push(await party(adminKey, 'supplier', `${slug} supplier ${i}`));
      for (let i = 0; i < manufacturers; i++) made.manufacturers.push(await party(adminKey, 'manufacturer', `${slug} manufacturer ${i}`));
      return made;
    },
    async stop() {
      await trellis.stop();
      await stack.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs `jobs` with at most `concurrency` at a time. */
export async function pool<T>(items: readonly T[], concurrency: number, job: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= items.length) return;
        await job(items[i], i);
      }
    }),
  );
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return n;
}

/** The machine's state, printed with every figure: on a shared machine the load is part of the result. */
export function machineLine(): string {
  const [one, five, fifteen] = os.loadavg().map((l) => fmt(l, 2));
  return `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), Node ${process.version}, load average ${one} / ${five} / ${fifteen}`;
}

export function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Progress on stderr, so a long run shows where it is without mixing into the report on stdout. */
export function progress(what: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${what}\n`);
}

/**
 * Retries what a client would retry: a 503 (a backing service did not answer in time, which a
 * loaded machine does now and then) or no answer at all. Callers send an Idempotency-Key with
 * writes, so a retried POST names the same batch or step. Anything else is thrown.
 */
export async function retrying<T>(f: () => Promise<T>, attempts = 10): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await f();
    } catch (err) {
      // A request that got no answer at all (fetch failed: headers timeout, reset) is retried too.
      const retryable = (err as { status?: number }).status === 503 || (err instanceof TypeError && err.message === 'fetch failed');
      if (!retryable || attempt >= attempts) throw err;
      progress(`retrying after ${(err as Error).message.slice(0, 80)} (attempt ${attempt})`);
      await sleep(1000);
    }
  }
}
