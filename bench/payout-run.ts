/**
 * `npx tsx bench/payout-run.ts`: a payout run from trigger to `awaiting-approval`, through the real
 * API and worker (Trellis runs in a child process, its memory sampled), against its floor in the
 * same run: the pure calculation over the same data in memory, plus one bulk read of the deals and
 * one bulk write of the statements with their lines (raw driver, no chunking, no snapshot).
 *
 * Set-up, not measured: each size gets its own tenant, the plan of bench/commissions.ts (tier and
 * product rates, marginal brackets, accelerator, SPIFF, per-deal cap, minimum payout, splits), an
 * EUR rate for the period, and its partners and closed-won deals written straight to the store in
 * bulk (not through the deal workflow: 100,000 deal processes would measure Temporal, not the run).
 *
 * Scale down on a slow machine:
 *   PAYOUT_BENCH_SIZES=10000,100000   deal counts measured (in this order)
 *   PAYOUT_BENCH_DEALS_PER_PARTNER=50 deals per partner (100,000 deals → 2,000 partners)
 *   PAYOUT_BENCH_POLL_MS=250          how often the run is polled
 */
import os from 'node:os';
import mongoose from 'mongoose';
import { calculate, type CommissionDeal } from '../domain/commissions/calculate';
import { periodOf, periodRates, type Period } from '../domain/commissions/period';
import { D } from '../domain/commissions/decimal';
import { minorUnitDigits } from '../domain/locale';
import { newId } from '../platform/ids';
import { benchPlan, dealsFor, EUR_RATE } from './commissions';
import { startBenchStack, memoryDuring, loadAverage, envInts, type BenchStack } from './bench-stack';
import { fmt } from './measure';

const SIZES = envInts('PAYOUT_BENCH_SIZES', [10_000, 100_000]);
const [DEALS_PER_PARTNER] = envInts('PAYOUT_BENCH_DEALS_PER_PARTNER', [50]);
const [POLL_MS] = envInts('PAYOUT_BENCH_POLL_MS', [250]);
const SEED_BATCH = 5000;

const lastMonth = (): Period => {
  const now = new Date();
  return periodOf(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7));
};
const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;
const db = () => mongoose.connection.db!;

/** Partners (payable: active, tax form and bank details verified) and their deals, in bulk. */
async function seed(tenantId: string, period: Period, dealCount: number): Promise<{ partnerIds: string[]; deals: CommissionDeal[] }> {
  const partnerCount = Math.max(1, Math.round(dealCount / DEALS_PER_PARTNER));
  const partnerIds = Array.from({ length: partnerCount }, () => newId('ptn'));
  const verified = { submittedAt: new Date(), verifiedAt: new Date(), verifiedBy: 'bench', reference: 'doc' };
  const now = new Date();
  await db().collection('partners').insertMany(partnerIds.map((id, i) => {
    const tier = i % 3 === 0 ? 'gold' : 'silver';
    return {
      _id: id as never, tenantId, name: `Partner ${i}`, email: `p@${id}.example`, emailDomain: `${id}.example`, country: 'DE', status: 'active', tier,
      tierHistory: [{ tier, effectiveFrom: new Date(0), reason: 'seed', changedBy: 'bench' }], goodStanding: true,
      payoutEligibility: { eligible: true, reasons: [] }, documents: [{ kind: 'tax-form', ...verified }, { kind: 'bank-details', ...verified }], createdAt: now, updatedAt: now,
    };
  }));
  // The store's deals carry no distributor: the plan's splits are in the plan, the deals are sole-partner.
  const deals = dealsFor(dealCount, partnerCount, period, (i) => partnerIds[i]).map(({ distributorId: _unused, ...deal }) => ({ ...deal, id: newId('deal') }));
  for (let at = 0; at < deals.length; at += SEED_BATCH) {
    await db().collection('deals').insertMany(deals.slice(at, at + SEED_BATCH).map((d) => {
      const tenantMinor = d.currency === 'USD' ? d.amountMinor : new D(d.amountMinor).times(EUR_RATE).toDecimalPlaces(0).toNumber();
      return {
        _id: d.id as never, tenantId, partnerId: d.partnerId, registeredBy: 'key_bench', customer: { name: `Customer of ${d.id}`, country: 'DE' }, customerKeys: [],
        amountMinor: d.amountMinor, currency: d.currency, amountTenantMinor: tenantMinor, tenantCurrency: 'USD', fxRate: d.currency === 'USD' ? '1' : EUR_RATE,
        products: d.products.flatMap((p) => Array.from({ length: p.units }, () => p.product)), expectedCloseDate: d.closedAt, tierAtRegistration: 'silver', ruleSetVersion: 1,
        claimHeld: false, status: 'closed', outcome: 'won', closedAmountMinor: d.amountMinor, closedCurrency: d.currency, closedAmountTenantMinor: tenantMinor, closedAt: d.closedAt,
        history: [], steps: [], extensionsUsed: 0, rev: 1, createdAt: now, updatedAt: now,
      };
    }));
  }
  return { partnerIds, deals };
}

interface Measured {
  deals: number;
  partners: number;
  runSeconds: number;
  /** From the run's creation to its snapshot header (store clock). */
  snapshotSeconds: number;
  chunks: number;
  lines: number;
  statements: number;
  totalMinor: number;
  memory: ReturnType<typeof memoryDuring>;
  floor: { readSeconds: number; calcSeconds: number; calcCpuSeconds: number; writeSeconds: number; statements: number; lines: number; totalMinor: number };
}

async function measureSize(bench: BenchStack, dealCount: number): Promise<Measured> {
  const period = lastMonth();
  const { tenantId, adminKey } = await bench.provision(`bench-payout-${dealCount}-${Date.now().toString(36)}`);
  const finance = await bench.key(adminKey, 'finance');
  const plan = benchPlan(period);
  await bench.call('POST', '/v1/rule-sets/commission/versions', adminKey, { definition: plan, effectiveFrom: '2020-01-01T00:00:00Z' });
  await bench.call('POST', '/v1/fx-rates', finance, { from: 'EUR', rate: EUR_RATE, effectiveFrom: period.start.toISOString() });
  const { partnerIds } = await seed(tenantId, period, dealCount);

  // The run: trigger to awaiting-approval, through the API, the workflow and its activities.
  const started = Date.now();
  const t0 = process.hrtime.bigint();
  const run = await bench.call('POST', '/v1/payout-runs', finance, { period: period.label });
  let status = run.status as string;
  while (status !== 'awaiting-approval') {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    status = (await bench.call('GET', `/v1/payout-runs/${run.id}`, finance)).status;
    if (status === 'rejected' || status === 'approved') throw new Error(`run ended ${status}`);
  }
  const runSeconds = seconds(t0);
  const memory = memoryDuring(bench.samples, started, Date.now());
  const header = await db().collection('payout_snapshots').findOne({ tenantId, _id: run.id as never }, { projection: { createdAt: 1, chunks: 1 } });
  const snapshotSeconds = (new Date(header!.createdAt).getTime() - new Date(run.createdAt).getTime()) / 1000;
  const written = await db().collection('payout_statements').find({ tenantId, runId: run.id }, { projection: { totalMinor: 1, lines: 1 } }).toArray();
  const lines = written.reduce((sum, s) => sum + (s.lines as unknown[]).length, 0);
  const totalMinor = written.reduce((sum, s) => sum + (s.totalMinor as number), 0);

  // The floor over the same data: one bulk read, the pure calculation, one bulk write.
  const r0 = process.hrtime.bigint();
  const docs = await db().collection('deals').find({ tenantId, status: 'closed', outcome: 'won', closedAt: { $gte: period.start, $lt: period.end } }).toArray();
  const readSeconds = seconds(r0);
  const partners = await db().collection('partners').find({ tenantId }, { projection: { tierHistory: 1 } }).toArray();
  const tiers = Object.fromEntries(partners.map((p) => [String(p._id), (p.tierHistory as { tier: string; effectiveFrom: Date }[]).map((c) => ({ tier: c.tier, from: new Date(c.effectiveFrom) }))]));
  const deals: CommissionDeal[] = docs.map((d) => ({ id: String(d._id), partnerId: d.partnerId, amountMinor: d.closedAmountMinor, currency: d.closedCurrency, products: (d.products as string[]).map((product) => ({ product, units: 1 })), closedAt: d.closedAt }));
  const fx = periodRates([{ from: 'EUR', to: 'USD', rate: EUR_RATE, effectiveFrom: period.start }], 'USD', period);
  const c0 = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const calculation = calculate(plan, { period, currency: 'USD', digits: 2, rounding: 'half-even', deals, reversals: [], tiers, fx, carriedForward: {} }, minorUnitDigits);
  const used = process.cpuUsage(cpu);
  const calcSeconds = seconds(c0);
  const w0 = process.hrtime.bigint();
  await db().collection('bench_floor_statements').insertMany(calculation.statements.map((s) => ({ _id: `${run.id}:${s.partnerId}` as never, tenantId, runId: run.id, ...s })), { ordered: false });
  const writeSeconds = seconds(w0);

  return {
    deals: dealCount, partners: partnerIds.length, runSeconds, snapshotSeconds, chunks: (header!.chunks as unknown[]).length, lines, statements: written.length, totalMinor, memory,
    floor: { readSeconds, calcSeconds, calcCpuSeconds: (used.user + used.system) / 1e6, writeSeconds, statements: calculation.statements.length, lines: calculation.lineCount, totalMinor: calculation.totalMinor },
  };
}

async function main(): Promise<void> {
  const bench = await startBenchStack();
  const idleFrom = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const idle = memoryDuring(bench.samples, idleFrom, Date.now());
  const results: Measured[] = [];
  const loads: string[] = [];
  try {
    for (const size of SIZES) {
      results.push(await measureSize(bench, size));
      loads.push(loadAverage());
    }
  } finally {
    await bench.stop();
  }

  const out: string[] = [];
  out.push(`Payout run, trigger → awaiting-approval, ${os.cpus().length} cores, Node ${process.version}; Trellis process idle: RSS ${fmt(idle.peakRssMiB)} MiB, heap ${fmt(idle.peakHeapMiB)} MiB.`);
  out.push('');
  out.push('| deals | partners | lines | run s | floor s (read + calc + write) | run / floor | run µs per deal | calc lines per CPU s | peak RSS MiB | peak heap MiB | load avg (1/5/15) |');
  out.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  results.forEach((r, i) => {
    const floor = r.floor.readSeconds + r.floor.calcSeconds + r.floor.writeSeconds;
    out.push(`| ${r.deals} | ${r.partners} | ${r.lines} | ${fmt(r.runSeconds, 2)} | ${fmt(floor, 2)} (${fmt(r.floor.readSeconds, 2)} + ${fmt(r.floor.calcSeconds, 2)} + ${fmt(r.floor.writeSeconds, 2)}) | ${fmt(r.runSeconds / floor, 2)}× | ${fmt((r.runSeconds * 1e6) / r.deals)} | ${fmt(r.floor.lines / r.floor.calcCpuSeconds, 0)} | ${fmt(r.memory.peakRssMiB)} | ${fmt(r.memory.peakHeapMiB)} | ${loads[i]} |`);
  });
  out.push('');
  for (const r of results) out.push(`${r.deals} deals: snapshot frozen ${fmt(r.snapshotSeconds, 2)} s after the trigger (${r.chunks} chunks), calculation and review ${fmt(r.runSeconds - r.snapshotSeconds, 2)} s.`);
  const first = results[0];
  const last = results[results.length - 1];
  out.push('');
  out.push(`Time per deal, ${last.deals} vs ${first.deals} deals: ${fmt((last.runSeconds / last.deals) / (first.runSeconds / first.deals), 2)}× (flat is 1.00; the bar is 0.75-1.25). Peak RSS ${fmt(last.memory.peakRssMiB - first.memory.peakRssMiB)} MiB and peak heap ${fmt(last.memory.peakHeapMiB - first.memory.peakHeapMiB)} MiB apart.`);
  for (const r of results) {
    const same = r.statements === r.floor.statements && r.lines === r.floor.lines && r.totalMinor === r.floor.totalMinor;
    out.push(`${r.deals} deals: the run's ${r.statements} statements, ${r.lines} lines and total ${r.totalMinor} minor units ${same ? 'equal' : 'DIFFER FROM'} the in-memory calculation's (${r.floor.statements}, ${r.floor.lines}, ${r.floor.totalMinor}).`);
  }
  console.log(out.join('\n'));
  process.exit(results.every((r) => r.totalMinor === r.floor.totalMinor && r.lines === r.floor.lines && r.statements === r.floor.statements) ? 0 : 1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
