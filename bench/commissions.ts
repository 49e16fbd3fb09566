/**
 * `npx tsx bench/commissions.ts`: the pure commission calculation over a synthetic period in
 * memory (no store), at growing sizes, under a plan with brackets, an accelerator, a SPIFF and
 * distributor splits. Prints lines per second and time per deal, to compare sizes in one run.
 */
import { calculate, type CommissionDeal } from '../domain/commissions/calculate';
import type { CommissionPlan } from '../domain/commissions/plan';
import { periodOf, periodRates, type Period } from '../domain/commissions/period';
import { minorUnitDigits } from '../domain/locale';
import { fmt } from './measure';

/** The bench plan; the SPIFF runs over the first half of the period measured. */
export const benchPlan = (period: Period): CommissionPlan => ({
  rates: { default: '0.05', byTier: { gold: '0.07', silver: '0.06' }, byProduct: [{ product: 'pro', rate: '0.09' }] },
  brackets: { mode: 'marginal', bands: [{ from: '0', rate: '0' }, { from: '250000', rate: '0.01' }, { from: '1000000', rate: '0.02' }] },
  accelerator: { quota: '750000', attainment: '1', multiplier: '1.25' },
  spiffs: [{ name: 'box push', product: 'box', per: 'unit', amount: '15.00', from: `${period.label}-01`, to: `${period.label}-15` }],
  caps: { perDeal: '20000' },
  minimumPayout: '50',
  splits: [{ role: 'reseller', percent: '80' }, { role: 'distributor', percent: '20' }],
});
export const EUR_RATE = '1.0850';
const PERIOD = periodOf('2025-06');
const PLAN = benchPlan(PERIOD);
const FX = periodRates([{ from: 'EUR', to: 'USD', rate: EUR_RATE, effectiveFrom: PERIOD.start }], 'USD', PERIOD);

/**
 * Deterministic pseudo-random data, so runs compare: `partners` resellers (ids from `partnerIdOf`),
 * a distributor on a quarter of the deals, a fifth in EUR, a third selling the SPIFF's product.
 */
export function dealsFor(count: number, partners: number, period: Period = PERIOD, partnerIdOf = (i: number) => `ptn_${i}`): CommissionDeal[] {
  // mulberry32: exact 32-bit arithmetic (an LCG multiplied in doubles loses its low bits, and
  // put 100,000 deals on 244 of 2,000 partners).
  let seed = 42;
  const next = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % 2147483648;
  };
  return Array.from({ length: count }, (_, i) => ({
    id: `deal_${i}`,
    partnerId: partnerIdOf(next() % partners),
    ...(next() % 4 === 0 ? { distributorId: `dist_${next() % 50}` } : {}),
    amountMinor: 1000_00 + (next() % 50_000_00),
    currency: next() % 5 === 0 ? 'EUR' : 'USD',
    products: next() % 3 === 0 ? [{ product: 'box', units: 1 + (next() % 5) }] : [{ product: next() % 7 === 0 ? 'pro' : 'suite', units: 1 }],
    closedAt: new Date(period.start.getTime() + (next() % (29 * 86_400_000))),
  }));
}

function runOnce(deals: CommissionDeal[], partners: number) {
  const tiers = Object.fromEntries(Array.from({ length: partners }, (_, i) => [`ptn_${i}`, [{ tier: i % 3 === 0 ? 'gold' : 'silver', from: new Date(0) }]]));
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const result = calculate(PLAN, { period: PERIOD, currency: 'USD', digits: 2, rounding: 'half-even', deals, reversals: [], tiers, fx: FX, carriedForward: {} }, minorUnitDigits);
  const used = process.cpuUsage(cpu);
  // CPU time as well as wall time: on a shared machine the wall clock measures the neighbours.
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, cpuSeconds: (used.user + used.system) / 1e6, lines: result.lineCount };
}

function main() {
  const rows: string[] = ['| deals | partners | lines | wall s | CPU s | lines per CPU s | CPU µs per deal |', '|---:|---:|---:|---:|---:|---:|---:|'];
  for (const [count, partners] of [[10_000, 200], [50_000, 1_000], [100_000, 2_000]]) {
    const deals = dealsFor(count, partners);
    runOnce(deals, partners); // warm-up: JIT and the currency digits cache
    const { seconds, cpuSeconds, lines } = runOnce(deals, partners);
    rows.push(`| ${count} | ${partners} | ${lines} | ${fmt(seconds, 2)} | ${fmt(cpuSeconds, 2)} | ${fmt(lines / cpuSeconds, 0)} | ${fmt((cpuSeconds * 1e6) / count)} |`);
  }
  console.log(rows.join('\n'));
}

if (require.main === module) main();
