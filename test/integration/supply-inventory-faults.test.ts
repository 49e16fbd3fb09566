import path from 'node:path';
import { loadConfig, type Config } from '../../config';
import { startTrellis, type RunningTrellis } from '../../platform/runtime';
import { asTenantId } from '../../platform/tenant-id';
import { inventoryStore, type InventoryStore } from '../../models/supply/inventory-repository';
import { Queue } from 'bullmq';
import { applyBatch, applyQueuedBatch } from '../../services/supply/inventory-ingest';
import { INVENTORY_QUEUE, enqueueBatch, waitingBatches, type IngestJob } from '../../services/supply/inventory-queue';
import { figureOfSet } from '../../domain/supply/inventory';
import { Child } from '../../scripts/trials/children';
import { startQueueWorkers, type QueueWorkers } from '../../workers/queue-worker';
import { AREAS } from '../../areas';
import { provisionTenant, testTrellisOf, type TestTrellis } from '../support/trellis';
import { partyKey, snapshot, delta, postBatch, batchesApplied, figuresOf, type Item } from './supply-inventory-helpers';

/**
 * Nothing accepted is lost: not when an ingest worker dies in the middle of a batch, not when
 * Redis loses its memory. The API here runs without a queue worker, so each test decides when
 * and how batches get applied.
 */
let running: RunningTrellis;
let config: Config;
let app: TestTrellis;
let tenantId: string;
const workers: QueueWorkers[] = [];

/**
 * The queue workers (ingest and reaper) in this process, on its connections (a second Trellis
 * here would share, and on stopping close, the one mongoose connection), with a reaper passing
 * every second over batches a second old.
 */
async function startQueueWorker(): Promise<QueueWorkers> {
  const services = { ...running.services, config: { ...config, reaperIntervalSeconds: 1, reaperStaleAfterSeconds: 1 } };
  const worker = await startQueueWorkers(services, AREAS);
  workers.push(worker);
  return worker;
}

beforeAll(async () => {
  config = loadConfig({ ...process.env, PORT: '0' });
  running = await startTrellis(config, { api: true, temporalWorker: true, queueWorker: false });
  app = testTrellisOf(running, config);
  tenantId = (await provisionTenant(app)).tenantId;
});
afterAll(async () => {
  for (const w of workers) await w.stop();
  await app?.stop();
});

const expectedFigures = (updates: Item[]) => {
  const streams = [...new Set(updates.map((u) => `${u.sku}@${u.location}`))];
  return new Map(streams.map((s) => [s, figureOfSet(updates.filter((u) => `${u.sku}@${u.location}` === s).map((u) => ({ ...u, observedAt: new Date(u.observedAt) })))]));
};

test('the priority of a job is how many batches its tenant has waiting: a flood queues behind itself, and applied batches stop counting', async () => {
  const flooder = (await provisionTenant(app)).tenantId;
  const quiet = (await provisionTenant(app)).tenantId;
  const [f, q] = [await partyKey(running, flooder, 'supplier'), await partyKey(running, quiet, 'supplier')];
  const queue = new Queue<IngestJob>(INVENTORY_QUEUE, { connection: running.services.conns.redis, prefix: `${config.redisPrefix}:bull` });
  const priority = async (batchId: string) => (await queue.getJob(batchId))!.opts.priority;
  const flood: string[] = [];
  for (let b = 1; b <= 3; b++) flood.push(await postBatch(app, f.key, [snapshot('FL-1', b, b)]));
  const quietId = await postBatch(app, q.key, [snapshot('QU-1', 1, 1)]);
  expect(await Promise.all(flood.map(priority))).toEqual([1, 2, 3]);
  expect(await priority(quietId)).toBe(1);

  // Queuing a batch again (the reaper) does not count it twice.
  await enqueueBatch(running.services, asTenantId(flooder), { supplierId: f.partyId, batchId: flood[0] });
  expect(await waitingBatches(running.services, asTenantId(flooder))).toBe(3);

  for (const batchId of flood) await applyQueuedBatch(running.services, { tenantId: flooder, supplierId: f.partyId, batchId });
  expect(await waitingBatches(running.services, asTenantId(flooder))).toBe(0);
  expect(await priority(await postBatch(app, f.key, [snapshot('FL-1', 4, 4)]))).toBe(1);
  expect(await waitingBatches(running.services, asTenantId(quiet))).toBe(1);
});

test('a batch interrupted after recording its updates, then again halfway through writing figures, is finished exactly once before the next', async () => {
  const s = await partyKey(running, tenantId, 'supplier');
  const store = inventoryStore(asTenantId(tenantId));
  const job = (batchId: string) => ({ tenantId, supplierId: s.partyId, batchId });
  const first = [snapshot('AX-1', 1, 10), snapshot('AX-2', 1, 10), delta('AX-3', 1, 4)];
  await applyQueuedBatch(running.services, job(await postBatch(app, s.key, first)));

  const second = [delta('AX-1', 2, 5), snapshot('AX-2', 3, 50), delta('AX-2', 2, 7), delta('AX-3', 2, 1), snapshot('AX-4', 1, 9), delta('AX-1', 3, -2)];
  const secondId = await postBatch(app, s.key, second);
  const crashing = (over: Partial<InventoryStore>): InventoryStore => ({ ...store, ...over });
  const killedAfterObservations = crashing({ figures: () => Promise.reject(new Error('worker killed')) });
  await expect(applyBatch(killedAfterObservations, (await store.batch(secondId))!, async () => true)).rejects.toThrow('worker killed');
  const killedMidWrite = crashing({
    writeFigures: async (batchId, supplierId, writes) => {
      await store.writeFigures(batchId, supplierId, writes.slice(0, 2));
      throw new Error('worker killed');
    },
  });
  await expect(applyBatch(killedMidWrite, (await store.batch(secondId))!, async () => true)).rejects.toThrow('worker killed');
  expect((await store.batch(secondId))!.status).toBe('applying');

  // A newer batch's job finds the interrupted one first and finishes it before its own.
  const third = [delta('AX-1', 4, 1), delta('AX-2', 4, 1), delta('AX-3', 1, 4)];
  const thirdId = await postBatch(app, s.key, third);
  await applyQueuedBatch(running.services, job(thirdId));
  expect((await store.batch(secondId))!).toMatchObject({ status: 'applied', duplicates: [] });
  expect((await store.batch(thirdId))!).toMatchObject({ status: 'applied', duplicates: [2] });
  expect(await figuresOf(app, s.key, s.partyId)).toEqual(expectedFigures([...first, ...second, ...third.slice(0, 2)]));
});

/** What Redis losing its memory looks like to this run: every key under its own prefix gone (the Redis may be shared). */
async function forgetRedis(): Promise<void> {
  const redis = running.services.conns.redis;
  const keysUnderPrefix = async (): Promise<string[]> => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${config.redisPrefix}:*`, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    return found;
  };
  const keys = await keysUnderPrefix();
  for (let at = 0; at < keys.length; at += 500) await redis.del(...keys.slice(at, at + 500));
  // A whole pass over the keyspace: one SCAN call covers only part of it once other suites have filled the shared Redis.
  expect(await keysUnderPrefix()).toEqual([]);
}

test('batches accepted before Redis loses its memory are all applied, and a retry still names its batch', async () => {
  const s = await partyKey(running, tenantId, 'supplier');
  const batches = [
    [snapshot('RX-1', 1, 5), delta('RX-2', 1, 3)],
    [delta('RX-1', 2, 2), snapshot('RX-2', 2, 8)],
    [delta('RX-1', 3, 1), delta('RX-2', 3, -1), snapshot('RX-3', 1, 1)],
  ];
  const ids: string[] = [];
  for (const [i, items] of batches.entries()) ids.push(await postBatch(app, s.key, items, `redis-loss-${s.partyId}-${i}`));
  await forgetRedis();

  const retry = await app.http('POST', '/v1/inventory/updates', { key: s.key, body: { items: batches[0] }, headers: { 'idempotency-key': `redis-loss-${s.partyId}-0` } });
  expect(retry.status).toBe(202);
  expect(retry.headers.get('idempotent-replayed')).toBeNull();
  expect(retry.body.id).toBe(ids[0]);
  await forgetRedis();
  const reused = await app.http('POST', '/v1/inventory/updates', { key: s.key, body: { items: batches[1] }, headers: { 'idempotency-key': `redis-loss-${s.partyId}-0` } });
  expect(reused.status).toBe(409);

  const worker = await startQueueWorker();
  await batchesApplied(app, s.key, ids);
  expect(await figuresOf(app, s.key, s.partyId)).toEqual(expectedFigures(batches.flat()));
  await worker.stop();
});

test('an ingest worker killed (SIGKILL) while applying loses nothing and applies nothing twice', async () => {
  const s = await partyKey(running, tenantId, 'supplier');
  const store = inventoryStore(asTenantId(tenantId));
  // The first batch creates the figures, the others rewrite them all (the longer part to die in).
  const batches = Array.from({ length: 4 }, (_, b) =>
    Array.from({ length: 250 }, (_, i) => (b % 2 ? delta(`KX-${i}`, b + 1, i % 7) : snapshot(`KX-${i}`, b + 1, i))),
  );
  const ids: string[] = [];
  for (const items of batches) ids.push(await postBatch(app, s.key, items));
  const statuses = async () => (await Promise.all(ids.map((id) => store.batch(id)))).map((b) => b!.status);

  const child = new Child('ingest-worker', 'workers/queue-main.ts', { ...process.env, LOG_LEVEL: 'warn' }, path.join(process.env.TRELLIS_TEST_DATA_DIR!, 'ingest-worker.log'));
  child.start();
  try {
    // Killed the moment it is seen rewriting figures.
    await child.waitReady(async () => (await statuses()).slice(1).includes('applying'), 90_000);
  } finally {
    await child.kill();
  }
  expect(await statuses()).not.toEqual(ids.map(() => 'applied'));

  await startQueueWorker();
  await batchesApplied(app, s.key, ids, 120_000);
  expect(await figuresOf(app, s.key, s.partyId)).toEqual(expectedFigures(batches.flat()));
  for (const id of ids) expect((await store.batch(id))!.duplicates).toEqual([]);
}, 240_000);
