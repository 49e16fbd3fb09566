/**
 * `npx tsx bench/noisy-neighbour.ts`: one tenant floods the inventory feed at 10× the others;
 * how long does another tenant's batch take to reach `applied`, against its time alone, in the
 * same run. A quiet tenant's batch is timed from its POST to its `appliedAt` (read back through
 * `GET /v1/inventory/batches/:id`), NOISY_SAMPLES times (3) alone and as many times while the
 * flood runs. The flooder posts 10 batches for every one of the quiet tenant's, from
 * NOISY_FLOOD_SUPPLIERS suppliers (10) as fast as the API takes them, so its backlog grows for the
 * whole run. Batches of NOISY_SKUS items (1,000).
 */
import { startSupplyBench, pool, sleep, retrying, envInt, machineLine, percentile, progress, type BenchStack, type Party } from './supply-stack';
import { fmt } from './measure';
import { inventoryStore } from '../models/supply/inventory-repository';
import { asTenantId } from '../platform/tenant-id';

const SAMPLES = envInt('NOISY_SAMPLES', 3);
const FLOOD_SUPPLIERS = envInt('NOISY_FLOOD_SUPPLIERS', 10);
const SKUS = envInt('NOISY_SKUS', 1000);
const FLOOD_FACTOR = 10;

let sequence = 0;
function batch(prefix: string) {
  sequence += 1;
  const observedAt = new Date(Date.now() - 60_000).toISOString();
  return Array.from({ length: SKUS }, (_, i) => ({ sku: `${prefix}-${i}`, location: 'WH-1', onHand: (i + sequence) % 300, kind: 'snapshot' as const, sequence, observedAt }));
}

/** Seconds from the POST until the batch's appliedAt. */
async function timedBatch(bench: BenchStack, supplier: Party, prefix: string): Promise<number> {
  const started = Date.now();
  const items = batch(prefix);
  const idempotencyKey = `noisy-${prefix}-${sequence}`;
  const { id } = await retrying(() => bench.call('POST', '/v1/inventory/updates', supplier.key, { items }, { 'idempotency-key': idempotencyKey }));
  for (;;) {
    await sleep(250);
    const view = await retrying(() => bench.call('GET', `/v1/inventory/batches/${id}`, supplier.key));
    if (view.status === 'applied') return (Date.parse(view.appliedAt) - started) / 1000;
  }
}

async function main(): Promise<void> {
  const bench = await startSupplyBench({ queueWorker: true });
  const log = (line = '') => console.log(line);
  log('## Supply: noisy neighbour');
  log();
  log(`Measured ${new Date().toISOString()} on ${machineLine()} (at the start). Batches of ${SKUS} items; the flooder posts from ${FLOOD_SUPPLIERS} suppliers, ${FLOOD_FACTOR} batches for each of the quiet tenant's.`);

  const flooder = await bench.supplyTenant(`noisy-flood-${Date.now().toString(36)}`, FLOOD_SUPPLIERS);
  const quiet = await bench.supplyTenant(`noisy-quiet-${Date.now().toString(36)}`, 1);
  const q = quiet.suppliers[0];
  await timedBatch(bench, q, 'WARM'); // warm-up, not counted

  progress('quiet tenant alone');
  const alone: number[] = [];
  for (let i = 0; i < SAMPLES; i++) alone.push(await timedBatch(bench, q, 'Q'));

  progress('quiet tenant while the flood runs');
  let flooding = true;
  let floodPosted = 0;
  let quietPosted = 0;
  // The flooder keeps FLOOD_FACTOR batches posted for each quiet one, one poster per supplier.
  const flood = pool(flooder.suppliers, FLOOD_SUPPLIERS, async (s, i) => {
    while (flooding) {
      if (floodPosted >= FLOOD_FACTOR * (quietPosted + 1)) {
        await sleep(100);
        continue;
      }
      floodPosted += 1;
      const items = batch(`F${i}`);
      const idempotencyKey = `noisy-F${i}-${sequence}`;
      await retrying(() => bench.call('POST', '/v1/inventory/updates', s.key, { items }, { 'idempotency-key': idempotencyKey }));
    }
  });
  const during: { seconds: number; floodWaiting: number }[] = [];
  // Let the flood build a backlog first.
  while (floodPosted < FLOOD_FACTOR) await sleep(200);
  for (let i = 0; i < SAMPLES; i++) {
    const floodWaiting = await inventoryStore(asTenantId(flooder.tenantId)).unfinishedCount();
    quietPosted += 1;
    during.push({ seconds: await timedBatch(bench, q, 'Q'), floodWaiting });
    progress(`sample ${i + 1}: ${fmt(during[i].seconds, 1)} s with ${floodWaiting} flood batches waiting`);
  }
  flooding = false;
  await flood;
  log(`Load average at the end: ${machineLine().split('load average ')[1]}.`);

  const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 0.5);
  log();
  log('| quiet tenant\'s batch | samples | seconds to applied (each) | median s |');
  log('|---|---:|---:|---:|');
  log(`| alone | ${SAMPLES} | ${alone.map((s) => fmt(s, 1)).join(', ')} | ${fmt(median(alone), 1)} |`);
  log(`| while one tenant floods at ${FLOOD_FACTOR}× | ${SAMPLES} | ${during.map((d) => `${fmt(d.seconds, 1)} (${d.floodWaiting} flood batches waiting)`).join(', ')} | ${fmt(median(during.map((d) => d.seconds)), 1)} |`);
  log();
  log(`* Ratio: ${fmt(median(during.map((d) => d.seconds)) / median(alone), 2)}× its time alone (bar: within 2×). The flooder posted ${floodPosted} batches (${floodPosted * SKUS} items) during the run.`);

  await bench.stop();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
