/**
 * `npx tsx bench/supply-ingest.ts`: supplier stock feeds at volume, as ratios measured in one run.
 *
 *  - Trellis: every item posted through `POST /v1/inventory/updates` in batches of 1,000 with
 *    supplier keys bound to real parties, until every batch is `applied` (polled through
 *    `GET /v1/inventory/batches/:id`; the end is the latest `appliedAt`). The ingest worker is a
 *    queue-worker process of its own (bench/supply-worker.ts), which reports its memory.
 *  - The floor: the same figure documents upserted straight into the store with the driver's
 *    `bulkWrite`, no API, no queue, no observations, no exactness.
 *  - The naive pipeline: one BullMQ job per item and one `findOneAndUpdate` (upsert) per job.
 *
 * Two sizes in the same run, a tenth first (20,000 at the defaults) then the full size (200,000),
 * for the cost per item. Scale with SUPPLY_BENCH_TENANTS (20), SUPPLY_BENCH_SUPPLIERS (10 per
 * tenant), SUPPLY_BENCH_SKUS (1,000 per supplier), SUPPLY_BENCH_NAIVE_ITEMS (1,000: the naive
 * pipeline is measured on a sample, it is the slow one), SUPPLY_BENCH_POSTERS (8 concurrent
 * clients).
 */
import path from 'node:path';
import { fork, type ChildProcess } from 'node:child_process';
import mongoose from 'mongoose';
import type { AnyBulkWriteOperation } from 'mongodb';
import { Queue, Worker } from 'bullmq';
import { redisConnection } from '../platform/connections';
import { startSupplyBench, pool, sleep, retrying, envInt, machineLine, progress, type BenchStack, type SupplyTenant } from './supply-stack';
import { fmt } from './measure';

const TENANTS = envInt('SUPPLY_BENCH_TENANTS', 20);
const SUPPLIERS = envInt('SUPPLY_BENCH_SUPPLIERS', 10);
const SKUS = envInt('SUPPLY_BENCH_SKUS', 1000);
const NAIVE_ITEMS = envInt('SUPPLY_BENCH_NAIVE_ITEMS', 1000);
const POSTERS = envInt('SUPPLY_BENCH_POSTERS', 8);
const BATCH = 1000;
/** The product's ingest worker applies 4 batches at a time (workers/inventory-ingest.ts): the floor and the naive pipeline get as many in flight. */
const IN_FLIGHT = 4;
const LOCATION = 'WH-1';
const FLOOR_CHUNK = 50;

interface Item {
  sku: string;
  location: string;
  onHand: number;
  kind: 'snapshot';
  sequence: number;
  observedAt: string;
}

interface Batch {
  tenantId: string;
  supplierId: string;
  key: string;
  items: Item[];
}

/** Every supplier's skus as snapshots, sequence 1, in batches of at most 1,000. */
function batchesOf(tenants: readonly SupplyTenant[]): Batch[] {
  const observedAt = new Date(Date.now() - 60_000).toISOString();
  const out: Batch[] = [];
  for (const t of tenants) {
    for (const s of t.suppliers) {
      for (let from = 0; from < SKUS; from += BATCH) {
        const items = Array.from({ length: Math.min(BATCH, SKUS - from) }, (_, i) => ({
          sku: `SKU-${String(from + i).padStart(6, '0')}`,
          location: LOCATION,
          onHand: (from + i) % 500,
          kind: 'snapshot' as const,
          sequence: 1,
          observedAt,
        }));
        out.push({ tenantId: t.tenantId, supplierId: s.partyId, key: s.key, items });
      }
    }
  }
  return out;
}

const countItems = (batches: readonly Batch[]) => batches.reduce((n, b) => n + b.items.length, 0);

// ---------------------------------------------------------------------------------------------
// The ingest worker process and its memory

interface MemorySample {
  at: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
}

class IngestWorker {
  readonly samples: MemorySample[] = [];
  private readonly child: ChildProcess;
  private readonly ready: Promise<void>;

  constructor(env: Record<string, string>) {
    this.child = fork(path.join(__dirname, 'supply-worker.ts'), [], {
      env: { ...process.env, ...env },
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.ready = new Promise((resolve, reject) => {
      this.child.on('message', (msg: MemorySample & { ready?: boolean }) => {
        if (msg.ready) resolve();
        else this.samples.push(msg);
      });
      this.child.once('exit', (code) => reject(new Error(`ingest worker exited with ${code}`)));
    });
  }

  whenReady = () => this.ready;

  between(from: number, to: number): MemorySample[] {
    return this.samples.filter((s) => s.at >= from && s.at <= to);
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ stop: true });
    await Promise.race([exited, sleep(15_000)]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

const mb = (bytes: number) => fmt(bytes / 2 ** 20);

function memoryRow(label: string, samples: readonly MemorySample[], backlogPeak: number): string {
  if (samples.length === 0) return `| ${label} | – | – | – | – | ${backlogPeak} |`;
  const rss = samples.map((s) => s.rss);
  const heap = samples.map((s) => s.heapUsed);
  return `| ${label} | ${samples.length} | ${mb(Math.min(...rss))} / ${mb(Math.max(...rss))} | ${mb(Math.min(...heap))} / ${mb(Math.max(...heap))} | ${mb(samples[samples.length - 1].rss)} | ${backlogPeak} |`;
}

// ---------------------------------------------------------------------------------------------
// Trellis: through the API until applied

interface ProductRun {
  items: number;
  seconds: number;
  acceptSeconds: number;
  backlogPeak: number;
  from: number;
  to: number;
}

async function throughTheApi(bench: BenchStack, batches: readonly Batch[]): Promise<ProductRun> {
  const ids: { id: string; key: string; items: number }[] = [];
  const started = Date.now();
  let posted = 0;
  let applied = 0;
  let backlogPeak = 0;
  let lastApplied = 0;
  const pending = new Map<string, { key: string; items: number }>();
  let posting = true;
  // The client polls its batches as a supplier would; the end of the run is the latest appliedAt.
  const poller = (async () => {
    while (posting || pending.size > 0) {
      await sleep(1000);
      for (const [id, b] of [...pending]) {
        const view = await retrying(() => bench.call('GET', `/v1/inventory/batches/${id}`, b.key));
        if (view.status !== 'applied') continue;
        pending.delete(id);
        applied += b.items;
        lastApplied = Math.max(lastApplied, Date.parse(view.appliedAt));
      }
      backlogPeak = Math.max(backlogPeak, posted - applied);
      progress(`posted ${posted}, seen applied ${applied}`);
    }
  })();
  await pool(batches, POSTERS, async (b, i) => {
    const idempotencyKey = `ingest-${started}-${i}`;
    const res = await retrying(() => bench.call('POST', '/v1/inventory/updates', b.key, { items: b.items }, { 'idempotency-key': idempotencyKey }));
    ids.push({ id: res.id, key: b.key, items: b.items.length });
    pending.set(res.id, { key: b.key, items: b.items.length });
    posted += b.items.length;
    backlogPeak = Math.max(backlogPeak, posted - applied);
  });
  const acceptSeconds = (Date.now() - started) / 1000;
  posting = false;
  await poller;
  return { items: countItems(batches), seconds: (lastApplied - started) / 1000, acceptSeconds, backlogPeak, from: started, to: lastApplied };
}

// ---------------------------------------------------------------------------------------------
// The floor: the same figures, straight into the store

/** The figure document Trellis writes for a new stream, field for field. */
function figureDoc(b: Batch, item: Item, now: Date) {
  return {
    tenantId: b.tenantId,
    supplierId: b.supplierId,
    sku: item.sku,
    location: item.location,
    onHand: item.onHand,
    snapshotSequence: item.sequence,
    snapshotOnHand: item.onHand,
    deltaSum: 0,
    deltaCount: 0,
    lastSequence: item.sequence,
    observedAt: new Date(item.observedAt),
    lastBatchId: 'floor',
    updatedAt: now,
  };
}

/**
 * The same figures written straight into the store with the driver's bulkWrite, one batch of
 * ops per Trellis batch, IN_FLIGHT batches at a time, into a collection with the product's unique
 * stream index. Every stream here is new, so the floor's operation is what an upsert amounts to
 * for a new document, an insert: that is also what Trellis sends for a new stream, so both do the
 * same store work and the difference is everything else (API, batch document, queue, lane,
 * observations, reads). `upsert` instead sends `updateOne … upsert: true` by an _id derived from
 * the stream, the cheapest upsert FerretDB has (an _id filter is the one it answers without a
 * scan; one on the stream's fields took over 90 s for 2,000 items here): it is measured on the
 * small set to show why Trellis inserts new streams rather than upserting them. FerretDB 1.24
 * stops answering an update command of more than about 80 statements (see
 * models/supply/inventory-repository.ts), so commands carry 50 operations, like the product's.
 */
async function floor(collection: string, batches: readonly Batch[], how: 'insert' | 'upsert'): Promise<{ items: number; seconds: number }> {
  const coll = mongoose.connection.db!.collection<{ _id: string } & Record<string, unknown>>(collection);
  await coll.createIndex({ tenantId: 1, supplierId: 1, sku: 1, location: 1 }, { unique: true });
  const started = process.hrtime.bigint();
  await pool(batches, IN_FLIGHT, async (b) => {
    const now = new Date();
    const ops = b.items.map((item): AnyBulkWriteOperation<{ _id: string } & Record<string, unknown>> => {
      const _id = `${b.tenantId}:${b.supplierId}:${item.sku}:${item.location}`;
      const doc = figureDoc(b, item, now);
      return how === 'insert' ? { insertOne: { document: { _id, ...doc } } } : { updateOne: { filter: { _id }, update: { $set: doc }, upsert: true } };
    });
    for (let at = 0; at < ops.length; at += FLOOR_CHUNK) await coll.bulkWrite(ops.slice(at, at + FLOOR_CHUNK), { ordered: false });
  });
  return { items: countItems(batches), seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

// ---------------------------------------------------------------------------------------------
// The naive pipeline: a job per item, a findOneAndUpdate per job

async function naive(bench: BenchStack, batches: readonly Batch[], limit: number): Promise<{ items: number; seconds: number }> {
  const work = batches.flatMap((b) => b.items.map((item) => ({ tenantId: b.tenantId, supplierId: b.supplierId, ...item }))).slice(0, limit);
  const coll = mongoose.connection.db!.collection('bench_naive_positions');
  await coll.createIndex({ tenantId: 1, supplierId: 1, sku: 1, location: 1 }, { unique: true });
  const prefix = `${bench.config.redisPrefix}:bull`;
  const queueConnection = redisConnection(bench.config.redisUrl!);
  const workerConnection = redisConnection(bench.config.redisUrl!);
  const queue = new Queue('bench-naive-ingest', { connection: queueConnection, prefix });
  let done = 0;
  let finished!: () => void;
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  const worker = new Worker(
    'bench-naive-ingest',
    async (job) => {
      const u = job.data as (typeof work)[number];
      await coll.findOneAndUpdate(
        { tenantId: u.tenantId, supplierId: u.supplierId, sku: u.sku, location: u.location },
        { $set: { onHand: u.onHand, lastSequence: u.sequence, observedAt: new Date(u.observedAt), updatedAt: new Date() } },
        { upsert: true },
      );
      if (++done === work.length) finished();
    },
    { connection: workerConnection, prefix, concurrency: IN_FLIGHT },
  );
  await worker.waitUntilReady();
  const started = process.hrtime.bigint();
  // Each item is enqueued the way a request handler would: one add per item, as it arrives.
  await pool(work, POSTERS, async (u) => {
    await queue.add('item', u, { removeOnComplete: true });
  });
  await allDone;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await worker.close();
  await queue.close();
  queueConnection.disconnect();
  workerConnection.disconnect();
  return { items: work.length, seconds };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const bench = await startSupplyBench({ queueWorker: false });
  const worker = new IngestWorker(bench.env);
  await worker.whenReady();
  const log = (line = '') => console.log(line);
  const smallTenants = Math.max(1, Math.ceil(TENANTS / 10));
  log('## Supply: inventory ingestion');
  log();
  log(`Measured ${new Date().toISOString()} on ${machineLine()} (at the start). ${TENANTS} tenants × ${SUPPLIERS} suppliers × ${SKUS} skus (and ${smallTenants} × ${SUPPLIERS} × ${SKUS} first), batches of ${BATCH}, ${POSTERS} concurrent clients.`);

  const provisioned: SupplyTenant[] = [];
  for (let i = 0; i < smallTenants + TENANTS; i++) {
    provisioned.push(await bench.supplyTenant(`ingest-${Date.now().toString(36)}-${i}`, SUPPLIERS));
    progress(`provisioned tenant ${i + 1} of ${smallTenants + TENANTS}`);
  }
  const small = batchesOf(provisioned.slice(0, smallTenants));
  const large = batchesOf(provisioned.slice(smallTenants));

  const idleFrom = Date.now();
  await sleep(5000);
  const idle = worker.between(idleFrom, Date.now());

  progress('Trellis, small');
  const productSmall = await throughTheApi(bench, small);
  progress('floor, small');
  const floorSmall = await floor('bench_floor_positions', small, 'insert');
  progress('floor by _id upserts, small');
  const upsertSmall = await floor('bench_upsert_positions', small, 'upsert');
  progress('Trellis, full');
  const productLarge = await throughTheApi(bench, large);
  progress('floor, full');
  const floorLarge = await floor('bench_floor_positions', large, 'insert');
  progress('naive');
  const naiveRun = await naive(bench, large, NAIVE_ITEMS);
  log(`Load average at the end: ${machineLine().split('load average ')[1]}.`);

  const rate = (r: { items: number; seconds: number }) => r.items / r.seconds;
  const usPerItem = (r: { items: number; seconds: number }) => (r.seconds * 1e6) / r.items;
  log();
  log('| pipeline | items | seconds | items/s | µs per item |');
  log('|---|---:|---:|---:|---:|');
  const line = (label: string, r: { items: number; seconds: number }) => log(`| ${label} | ${r.items} | ${fmt(r.seconds, 1)} | ${fmt(rate(r), 0)} | ${fmt(usPerItem(r), 0)} |`);
  line('floor: driver bulkWrite, small', floorSmall);
  line('(reference: driver bulkWrite upserts by _id, small)', upsertSmall);
  line('Trellis: API → applied, small', productSmall);
  line('floor: driver bulkWrite, full', floorLarge);
  line('Trellis: API → applied, full', productLarge);
  line('naive: a BullMQ job + findOneAndUpdate per item (sample)', naiveRun);
  log();
  log(`* Trellis vs the floor: ${fmt(rate(productSmall) / rate(floorSmall), 2)}× at ${productSmall.items}, ${fmt(rate(productLarge) / rate(floorLarge), 2)}× at ${productLarge.items} (bar: at least 0.5×).`);
  log(`* Trellis vs the naive pipeline: ${fmt(rate(productLarge) / rate(naiveRun), 1)}× (bar: at least 10×).`);
  log(`* Cost per item, ${productLarge.items} vs ${productSmall.items}: Trellis ${fmt(usPerItem(productLarge) / usPerItem(productSmall), 2)}×, floor ${fmt(usPerItem(floorLarge) / usPerItem(floorSmall), 2)}× (bar: within 1.25×).`);
  log(`* Accepting (all 202s): ${fmt(productSmall.acceptSeconds, 1)} s for ${productSmall.items}, ${fmt(productLarge.acceptSeconds, 1)} s for ${productLarge.items}; the rest of each run is the worker applying the backlog.`);
  log();
  log('Ingest worker memory (its own process, sampled every 500 ms):');
  log();
  log('| while | samples | RSS MiB min / max | heap used MiB min / max | RSS MiB at the end | backlog peak (items accepted, not applied) |');
  log('|---|---:|---:|---:|---:|---:|');
  log(memoryRow('idle, before any batch', idle, 0));
  log(memoryRow(`applying ${productSmall.items}`, worker.between(productSmall.from, productSmall.to), productSmall.backlogPeak));
  log(memoryRow(`applying ${productLarge.items}`, worker.between(productLarge.from, productLarge.to), productLarge.backlogPeak));

  await worker.stop();
  await bench.stop();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
