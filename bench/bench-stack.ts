/**
 * What the commission benches share: the local stack, Trellis in a child process (its memory is
 * sampled alone, see trellis-process.ts), the store connection of the bench itself (for seeding
 * in bulk, documented as set-up) and an HTTP client for the API.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { startLocalStack, type LocalStack } from '../scripts/local-stack';
import type { MemorySample } from './trellis-process';
import { fmt } from './measure';

export interface BenchStack {
  url: string;
  platformKey: string;
  stack: LocalStack;
  /** Memory samples of the Trellis process, oldest first (`mark` to slice them per phase). */
  samples: MemorySample[];
  call(method: string, path: string, key?: string, body?: unknown): Promise<any>;
  provision(slug: string): Promise<{ tenantId: string; adminKey: string }>;
  key(adminKey: string, role: string, partyId?: string): Promise<string>;
  stop(): Promise<void>;
}

/** What a bench's Trellis runs with: the local stack, its own Redis prefix, no logs, no rate limit in the way. */
export function benchEnv(stack: { temporalAddress: string; mongodbUri: string; redisUrl: string }, platformKey: string): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: stack.temporalAddress,
    MONGODB_URI: stack.mongodbUri,
    REDIS_URL: stack.redisUrl,
    REDIS_PREFIX: `bench-${randomBytes(3).toString('hex')}`,
    TRELLIS_PLATFORM_KEY: platformKey,
    PORT: '0',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '1000000',
  };
}

export async function startBenchStack(): Promise<BenchStack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-'));
  const stack = await startLocalStack({ dataDir, log: () => undefined });
  const platformKey = `trp_${randomBytes(32).toString('base64url')}`;
  const env = { ...process.env, ...benchEnv(stack, platformKey) };
  await mongoose.connect(stack.mongodbUri);
  const samples: MemorySample[] = [];
  const child: ChildProcess = fork(path.resolve(__dirname, 'trellis-process.ts'), [], { env, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.on('message', (message: MemorySample | { type: 'ready'; apiUrl: string }) => {
      if (message.type === 'ready') resolve(message.apiUrl);
      else samples.push(message);
    });
    child.once('exit', (code) => reject(new Error(`the Trellis process exited with ${code}`)));
  });

  const call = async (method: string, p: string, key?: string, body?: unknown) => {
    const res = await fetch(`${url}${p}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(method === 'POST' ? { 'idempotency-key': randomUUID() } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json().catch(() => undefined);
    if (res.status >= 400) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
    return json as any;
  };
  return {
    url,
    platformKey,
    stack,
    samples,
    call,
    async provision(slug) {
      const res = await call('POST', '/v1/tenants', platformKey, { name: slug, slug, isolation: 'pooled', currency: 'USD', timezone: 'UTC', locale: 'en' });
      return { tenantId: res.tenant.id as string, adminKey: res.adminKey as string };
    },
    async key(adminKey, role, partyId) {
      return (await call('POST', '/v1/api-keys', adminKey, { name: role, role, ...(partyId ? { partyId } : {}) })).key as string;
    },
    async stop() {
      child.send('stop');
      await new Promise((resolve) => child.once('exit', resolve));
      await mongoose.disconnect();
      await stack.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Peak and last of the samples taken in [from, to], in MiB. */
export function memoryDuring(samples: readonly MemorySample[], from: number, to: number) {
  const within = samples.filter((s) => s.at >= from && s.at <= to);
  const mib = (n: number) => n / 1024 / 1024;
  return {
    samples: within.length,
    peakRssMiB: mib(Math.max(0, ...within.map((s) => s.rss))),
    peakHeapMiB: mib(Math.max(0, ...within.map((s) => s.heapUsed))),
  };
}

/** One minute's load averages, to report beside timings on a shared machine. */
export const loadAverage = (): string => os.loadavg().map((l) => fmt(l, 2)).join(' / ');

/** Comma-separated whole numbers from the environment (a bench's sizes and knobs), or the defaults. */
export function envInts(variable: string, defaults: number[]): number[] {
  const raw = process.env[variable];
  if (!raw) return defaults;
  const values = raw.split(',').map((part) => Number.parseInt(part, 10));
  if (values.some((v) => !Number.isInteger(v) || v <= 0)) throw new Error(`${variable}=${raw}: expected positive whole numbers, comma-separated`);
  return values;
}
