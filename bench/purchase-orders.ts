/**
 * `npx tsx bench/purchase-orders.ts`: purchase orders through the API, create → acknowledge →
 * ship → receive (one workflow start and three Updates each, the order closing at the receipt),
 * at PO_BENCH_CLIENTS concurrent clients (20) for PO_BENCH_ORDERS orders (500). The floor, in
 * the same run: a trivial workflow started and sent the same three Updates through the Temporal
 * client by as many concurrent clients, no API, no activity, no store.
 */
import { Worker, NativeConnection } from '@temporalio/worker';
import { startSupplyBench, pool, sleep, retrying, envInt, machineLine, percentile, progress } from './supply-stack';
import { stepUpdate } from './workflows';
import { fmt } from './measure';

const ORDERS = envInt('PO_BENCH_ORDERS', 500);
const CLIENTS = envInt('PO_BENCH_CLIENTS', 20);
const SUPPLIERS = 4;
const STEPS = ['create', 'acknowledge', 'ship', 'receive'] as const;
type Step = (typeof STEPS)[number];

interface Run {
  seconds: number;
  perOrder: number[];
  perStep: Record<Step, number[]>;
}

/** Runs `order` ORDERS times at CLIENTS at a time; `order` reports each step's duration. */
async function run(order: (i: number, timed: <T>(step: Step, f: () => Promise<T>) => Promise<T>) => Promise<void>): Promise<Run> {
  const perOrder: number[] = [];
  const perStep = Object.fromEntries(STEPS.map((s) => [s, [] as number[]])) as Record<Step, number[]>;
  const started = process.hrtime.bigint();
  await pool(Array.from({ length: ORDERS }, (_, i) => i), CLIENTS, async (i) => {
    const t0 = process.hrtime.bigint();
    await order(i, async (step, f) => {
      const s0 = process.hrtime.bigint();
      const out = await f();
      perStep[step].push(Number(process.hrtime.bigint() - s0) / 1e6);
      return out;
    });
    perOrder.push(Number(process.hrtime.bigint() - t0) / 1e6);
  });
  for (const list of [perOrder, ...Object.values(perStep)]) list.sort((a, b) => a - b);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, perOrder, perStep };
}

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

async function main(): Promise<void> {
  const bench = await startSupplyBench({ queueWorker: true });
  const log = (line = '') => console.log(line);
  log('## Supply: purchase orders');
  log();
  log(`Measured ${new Date().toISOString()} on ${machineLine()} (at the start). ${ORDERS} orders, ${CLIENTS} concurrent clients, one line each.`);

  const tenant = await bench.supplyTenant(`po-bench-${Date.now().toString(36)}`, SUPPLIERS, 1);
  await bench.call('POST', '/v1/rule-sets/purchase-order/versions', tenant.adminKey, {
    definition: { acknowledgement: { sla: '1 day', remindEvery: '6 hours' }, shipment: { latenessTolerance: '1 day' } },
  });
  const buyer = tenant.manufacturers[0];
  const client = bench.trellis.services.conns.clientFor(bench.config.temporalNamespace);

  const connection = await NativeConnection.connect({ address: bench.config.temporalAddress! });
  const trivialWorker = await Worker.create({ connection, namespace: bench.config.temporalNamespace, taskQueue: 'bench-trivial-order', workflowsPath: require.resolve('./workflows') });
  const working = trivialWorker.run();
  const runId = Date.now().toString(36);
  let deferred = 0;

  const trivial = (label: string) => async (i: number, timed: <T>(step: Step, f: () => Promise<T>) => Promise<T>) => {
    const handle = await timed('create', () => client.workflow.start('trivialOrder', { args: [3], taskQueue: 'bench-trivial-order', workflowId: `bench-trivial-${runId}-${label}-${i}` }));
    for (const step of ['acknowledge', 'ship', 'receive'] as const) await timed(step, () => handle.executeUpdate(stepUpdate, { args: [step] }));
    await handle.result();
  };
  const purchaseOrder = (label: string) => async (i: number, timed: <T>(step: Step, f: () => Promise<T>) => Promise<T>) => {
    const supplier = tenant.suppliers[i % SUPPLIERS];
    const idem = (step: string) => ({ 'idempotency-key': `po-${runId}-${label}-${i}-${step}` });
    const body = { supplierId: supplier.partyId, currency: 'EUR', shipTo: { name: 'Plant 1', line1: 'Werkstrasse 1', city: 'Stuttgart', postalCode: '70173', country: 'DE' }, lines: [{ sku: `SKU-${i % 50}`, quantity: 10, unitPrice: '2.50', requestedDate: day(7) }] };
    // A 202 means the order's process has a backlog and has not written it yet: the client reads
    // it at Location until it has, and that wait is part of creating it.
    const id = await timed('create', async () => {
      const placed = await retrying(() => bench.call('POST', '/v1/purchase-orders', buyer.key, body, idem('create')));
      if (!placed.status) {
        deferred += 1;
        while ((await fetch(`${bench.url}/v1/purchase-orders/${placed.id}`, { headers: { authorization: `Bearer ${buyer.key}` } })).status !== 200) await sleep(100);
      }
      return placed.id as string;
    });
    await timed('acknowledge', () => retrying(() => bench.call('POST', `/v1/purchase-orders/${id}/acknowledgements`, supplier.key, { lines: [{ line: 1, decision: 'accept' }] }, idem('ack'))));
    await timed('ship', () => retrying(() => bench.call('POST', `/v1/purchase-orders/${id}/shipments`, supplier.key, { carrier: 'DHL', tracking: `JD${i}`, lines: [{ line: 1, quantity: 10 }] }, idem('ship'))));
    const received = await timed('receive', () => retrying(() => bench.call('POST', `/v1/purchase-orders/${id}/receipts`, buyer.key, { shipmentId: 's1', lines: [{ line: 1, received: 10 }] }, idem('receive'))));
    if (received.status !== 'closed') throw new Error(`order ${id} should be closed after its receipt, is ${received.status}`);
  };

  // Warm-up (JIT, connections, first workflow tasks), not counted.
  progress('warm-up');
  await pool([0, 1, 2, 3], 4, (i) => trivial('warm')(i, (_s, f) => f()));
  await pool([0, 1, 2, 3], 4, (i) => purchaseOrder('warm')(i, (_s, f) => f()));
  progress('trivial workflow');
  const floor = await run(trivial('floor'));
  progress('purchase orders');
  deferred = 0;
  const orders = await run(purchaseOrder('run'));
  log(`Load average at the end: ${machineLine().split('load average ')[1]}.`);

  const ms = (list: number[], q: number) => fmt(percentile(list, q), 0);
  log();
  log('| measurement | orders/s | Updates/s | order p50 ms | order p99 ms | create p50 / p99 | acknowledge p50 / p99 | ship p50 / p99 | receive p50 / p99 |');
  log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const line = (label: string, r: Run) =>
    log(`| ${label} | ${fmt(ORDERS / r.seconds, 1)} | ${fmt((3 * ORDERS) / r.seconds, 1)} | ${ms(r.perOrder, 0.5)} | ${ms(r.perOrder, 0.99)} | ${STEPS.map((s) => `${ms(r.perStep[s], 0.5)} / ${ms(r.perStep[s], 0.99)}`).join(' | ')} |`);
  line('trivial workflow, start + 3 Updates (floor)', floor);
  line('purchase order through the API, create → acknowledge → ship → receive', orders);
  log();
  log(`* Throughput: ${fmt(orders.seconds / floor.seconds, 2)}× the floor's time for the same ${ORDERS} orders (${fmt(ORDERS / orders.seconds / (ORDERS / floor.seconds), 2)}× its orders/s).`);
  log(`* ${deferred} of the ${ORDERS} creations were answered 202 (the order's process had a backlog) and read back until written.`);
  log(`* Latency per order: p50 ${fmt(percentile(orders.perOrder, 0.5) / percentile(floor.perOrder, 0.5), 2)}×, p99 ${fmt(percentile(orders.perOrder, 0.99) / percentile(floor.perOrder, 0.99), 2)}× the floor's.`);

  trivialWorker.shutdown();
  await working;
  await connection.close();
  await bench.stop();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
