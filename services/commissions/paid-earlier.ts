import type { TenantId } from '../../platform/tenant-id';
import { payoutStore } from '../../models/commissions/payout-repository';
import type { RecordedReversal } from '../deals/closed-deals';
import type { PaidForDeal, PeriodInputs } from './period-calculation';

/** What approved runs paid partners for deals, as a clawback needs it. */
export type PaidEarlier = { dealId: string; partnerId: string; paidMinor: number; paidRate: string }[];

/** What approved runs paid for the deals of these reversals (deals closed before the period). */
export async function paidEarlierForReversals(tenantId: TenantId, reversals: readonly Pick<RecordedReversal, 'dealId'>[]): Promise<PaidEarlier> {
  const earlier = new Set(reversals.map((r) => r.dealId));
  const paid: PaidEarlier = [];
  if (earlier.size === 0) return paid;
  for (const statement of await payoutStore(tenantId).approvedPayingFor([...earlier])) {
    for (const line of statement.lines) {
      if (line.kind === 'commission' && line.dealId && earlier.has(line.dealId)) paid.push({ dealId: line.dealId, partnerId: statement.partnerId, paidMinor: line.amountMinor, paidRate: line.rate ?? '0' });
    }
  }
  return paid;
}

/** What approved runs paid for the deals reversed in the period but closed before it. */
export function paidEarlierFor(tenantId: TenantId, inputs: PeriodInputs): Promise<PaidEarlier> {
  const closedHere = new Set(inputs.deals.map((d) => d.id));
  return paidEarlierForReversals(tenantId, inputs.reversals.filter((r) => !closedHere.has(r.dealId)));
}

export const paidMap = (paid: PaidEarlier): PaidForDeal => new Map(paid.map((p) => [`${p.dealId}:${p.partnerId}`, { paidMinor: p.paidMinor, paidRate: p.paidRate }]));
