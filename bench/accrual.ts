/**
 * `npx tsx bench/accrual.ts`: close-won to visible pending earnings. Each measurement closes a
 * protected deal won through the API (`POST /v1/deals/:id/close`) and polls the partner's
 * `GET /v1/partners/:id/earnings` with the partner's key until the deal's commission line is
 * there; ACCRUAL_BENCH_CONCURRENCY closes are in flight at once. Trellis runs in a child process
 * (bench/trellis-process.ts), as in production.
 *
 * Set-up, not measured: a tenant whose deal rules approve every deal at once, a commission plan,
 * partners written to the store (onboarding is another process), one partner key each, and the
 * deals registered through the API until protected.
 *
 * Scale down on a slow machine:
 *   ACCRUAL_BENCH_CLOSES=100       closes measured
 *   ACCRUAL_BENCH_CONCURRENCY=20   closes in flight at once
 *   ACCRUAL_BENCH_PARTNERS=20      partners the deals are spread over
 *   ACCRUAL_BENCH_POLL_MS=25       how often the earnings are read while waiting
 */
import { inTenant } from '../platform/tenant-context';
import { newId } from '../platform/ids';
import { PartnerModel } from '../models/onboarding/partner';
import { startBenchStack, envInts, loadAverage, type BenchStack } from './bench-stack';
import { fmt } from './measure';

const [CLOSES] = envInts('ACCRUAL_BENCH_CLOSES', [100]);
const [CONCURRENCY] = envInts('ACCRUAL_BENCH_CONCURRENCY', [20]);
const [PARTNERS] = envInts('ACCRUAL_BENCH_PARTNERS', [20]);
const [POLL_MS] = envInts('ACCRUAL_BENCH_POLL_MS', [25]);

const RULES = {
  protection: { period: '90 days', extensionPeriod: '30 days', maxExtensions: 1 },
  conflict: { action: 'reject' },
  rates: {},
  regions: {},
  rules: [{ name: 'bench: approved at once', when: { maxAmount: '1000000' }, action: 'auto-approve' }],
  fallback: { action: 'auto-approve' },
};
const PLAN = {
  rates: { default: '0.05', byTier: { gold: '0.07' } },
  brackets: { mode: 'marginal', bands: [{ from: '0', rate: '0' }, { from: '250000', rate: '0.01' }] },
  accelerator: { quota: '750000', attainment: '1', multiplier: '1.25' },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function pool<T>(items: T[], concurrency: number, job: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      await job(items[i], i);
    }
  }));
}

interface Partner {
  partnerId: string;
  key: string;
}

async function setUp(bench: BenchStack): Promise<{ deals: { partner: Partner; dealId: string }[] }> {
  const { tenantId, adminKey } = await bench.provision(`bench-accrual-${Date.now().toString(36)}`);
  await bench.call('POST', '/v1/rule-sets/deal-approval/versions', adminKey, { definition: RULES });
  await bench.call('POST', '/v1/rule-sets/commission/versions', adminKey, { definition: PLAN, effectiveFrom: '2020-01-01T00:00:00Z' });
  const partners: Partner[] = [];
  for (let i = 0; i < PARTNERS; i++) {
    const partnerId = newId('ptn');
    await inTenant(tenantId, () => PartnerModel.create({
      _id: partnerId, name: `Partner ${i}`, email: `p@${partnerId}.example`, emailDomain: `${partnerId}.example`, country: 'DE', status: 'active', tier: 'gold',
      tierHistory: [{ tier: 'gold', effectiveFrom: new Date(0), reason: 'seed', changedBy: 'bench' }], goodStanding: true, payoutEligibility: { eligible: false, reasons: [] },
    }));
    partners.push({ partnerId, key: await bench.key(adminKey, 'partner', partnerId) });
  }
  const deals: { partner: Partner; dealId: string }[] = [];
  await pool(Array.from({ length: CLOSES }, (_, i) => partners[i % partners.length]), 8, async (partner, i) => {
    const unique = `${Date.now().toString(36)}-${i}`;
    const res = await bench.call('POST', '/v1/deals', partner.key, {
      customer: { name: `Customer ${unique} GmbH`, domain: `customer-${unique}.example`, country: 'DE' },
      amount: `${1000 + i}.00`, currency: 'USD', products: ['suite'], expectedCloseDate: '2030-01-31',
    });
    // The deal's read model is written by its process: until then the deal is a 404.
    for (let status = res.status; status !== 'protected'; status = (await bench.call('GET', `/v1/deals/${res.id}`, partner.key).catch(() => ({ status: 'not yet' }))).status) {
      if (status === 'rejected' || status === 'expired') throw new Error(`deal ${res.id} is ${status}`);
      await sleep(100);
    }
    deals.push({ partner, dealId: res.id });
  });
  return { deals };
}

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

async function main(): Promise<void> {
  const bench = await startBenchStack();
  try {
    await measureAccrual(bench);
  } finally {
    await bench.stop();
  }
  process.exit(0);
}

async function measureAccrual(bench: BenchStack): Promise<void> {
  const { deals } = await setUp(bench);
  const visible: number[] = [];
  const closeCalls: number[] = [];
  const afterClose: number[] = [];
  const loadBefore = loadAverage();
  const started = process.hrtime.bigint();
  await pool(deals, CONCURRENCY, async ({ partner, dealId }, i) => {
    const t0 = process.hrtime.bigint();
    await bench.call('POST', `/v1/deals/${dealId}/close`, partner.key, { outcome: 'won', amount: `${1000 + i}.00` });
    const answered = process.hrtime.bigint();
    closeCalls.push(Number(answered - t0) / 1e6);
    for (;;) {
      const earnings = await bench.call('GET', `/v1/partners/${partner.partnerId}/earnings`, partner.key);
      if ((earnings.pending.lines as { dealId?: string }[]).some((l) => l.dealId === dealId)) break;
      await sleep(POLL_MS);
    }
    visible.push(Number(process.hrtime.bigint() - t0) / 1e6);
    afterClose.push(Number(process.hrtime.bigint() - answered) / 1e6);
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const loadAfter = loadAverage();

  visible.sort((a, b) => a - b);
  closeCalls.sort((a, b) => a - b);
  afterClose.sort((a, b) => a - b);
  console.log(`Accrual: ${deals.length} closes won, ${CONCURRENCY} in flight, over ${PARTNERS} partners, in ${fmt(seconds, 1)} s; load average ${loadBefore} before, ${loadAfter} after.`);
  console.log('');
  console.log('| measured from the close request | p50 ms | p99 ms | max ms |');
  console.log('|---|---:|---:|---:|');
  console.log(`| close answered (POST /v1/deals/:id/close) | ${fmt(percentile(closeCalls, 0.5), 0)} | ${fmt(percentile(closeCalls, 0.99), 0)} | ${fmt(closeCalls[closeCalls.length - 1], 0)} |`);
  console.log(`| commission visible in GET /v1/partners/:id/earnings | ${fmt(percentile(visible, 0.5), 0)} | ${fmt(percentile(visible, 0.99), 0)} | ${fmt(visible[visible.length - 1], 0)} |`);
  console.log(`| of which after the close was answered | ${fmt(percentile(afterClose, 0.5), 0)} | ${fmt(percentile(afterClose, 0.99), 0)} | ${fmt(afterClose[afterClose.length - 1], 0)} |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
