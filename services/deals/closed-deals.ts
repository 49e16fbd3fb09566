import type { TenantId } from '../../platform/tenant-id';
import { dealStore } from '../../models/deals/deal-repository';
import type { DealDoc } from '../../models/deals/deal';
import { reversalStore } from '../../models/deals/deal-reversal-repository';

/**
 * What the deals area tells commissions: the deals closed won in a span of time and the reversals
 * recorded in it, each with the close it reverses. Amounts are in the close currency, and the
 * tenant-currency amount the deal's own rules converted to is given beside it.
 */

export interface ClosedWonDeal {
  id: string;
  partnerId: string;
  amountMinor: number;
  currency: string;
  amountTenantMinor: number;
  tenantCurrency: string;
  products: string[];
  closedAt: Date;
}

export interface RecordedReversal {
  id: string;
  dealId: string;
  partnerId: string;
  at: Date;
  amountMinor: number;
  /** Reversed on the deal before this one. */
  reversedBeforeMinor: number;
  currency: string;
  dealClosedAt: Date;
  dealClosedAmountMinor: number;
}

/** A period holds at most this many; more is refused rather than silently cut. */
export const CLOSED_DEALS_LIMIT = 200_000;

const toClosedWon = (d: Pick<DealDoc, '_id' | 'partnerId' | 'closedAt' | 'closedAmountMinor' | 'closedCurrency' | 'closedAmountTenantMinor' | 'tenantCurrency' | 'products'>): ClosedWonDeal => ({
  id: d._id,
  partnerId: d.partnerId,
  amountMinor: d.closedAmountMinor!,
  currency: d.closedCurrency!,
  amountTenantMinor: d.closedAmountTenantMinor!,
  tenantCurrency: d.tenantCurrency,
  products: d.products ?? [],
  closedAt: d.closedAt!,
});

/**
 * The deals closed won in the span, one partner at a time in partner id order (each partner's in
 * close order), read in one pass: memory holds one partner's deals and the cursor's batch.
 */
export async function* closedWonDealsByPartner(tenantId: TenantId, span: { from: Date; to: Date }): AsyncGenerator<{ partnerId: string; deals: ClosedWonDeal[] }> {
  const cursor = dealStore(tenantId).closedWonByPartnerCursor(span.from, span.to, 2000);
  let current: { partnerId: string; deals: ClosedWonDeal[] } | undefined;
  try {
    for await (const doc of cursor) {
      if (current && current.partnerId !== doc.partnerId) {
        yield current;
        current = undefined;
      }
      current ??= { partnerId: doc.partnerId, deals: [] };
      current.deals.push(toClosedWon(doc));
    }
    if (current) yield current;
  } finally {
    await cursor.close();
  }
}

export async function closedWonDeals(tenantId: TenantId, span: { from: Date; to: Date; partnerId?: string }): Promise<ClosedWonDeal[]> {
  const docs = await dealStore(tenantId).closedWonBetween({ partnerId: span.partnerId }, span.from, span.to, CLOSED_DEALS_LIMIT + 1);
  if (docs.length > CLOSED_DEALS_LIMIT) throw new Error(`more than ${CLOSED_DEALS_LIMIT} deals closed won between ${span.from.toISOString()} and ${span.to.toISOString()}`);
  return docs.map(toClosedWon);
}

export async function reversalsRecorded(tenantId: TenantId, span: { from: Date; to: Date; partnerId?: string }): Promise<RecordedReversal[]> {
  const reversals = await reversalStore(tenantId).recordedBetween({ partnerId: span.partnerId }, span.from, span.to, CLOSED_DEALS_LIMIT + 1);
  if (reversals.length > CLOSED_DEALS_LIMIT) throw new Error(`more than ${CLOSED_DEALS_LIMIT} reversals between ${span.from.toISOString()} and ${span.to.toISOString()}`);
  if (reversals.length === 0) return [];
  const closes = new Map((await dealStore(tenantId).closesOf([...new Set(reversals.map((r) => r.dealId))])).map((d) => [d._id, d]));
  return reversals.flatMap((r) => {
    const close = closes.get(r.dealId);
    // Only won deals can be reversed (services/deals/deals.ts); a missing close is a deal deleted with its data.
    if (!close?.closedAt || close.closedAmountMinor === undefined) return [];
    return [{
      id: r._id,
      dealId: r.dealId,
      partnerId: r.partnerId,
      at: r.at,
      amountMinor: r.amountMinor,
      reversedBeforeMinor: r.totalReversedMinor - r.amountMinor,
      currency: r.currency,
      dealClosedAt: close.closedAt,
      dealClosedAmountMinor: close.closedAmountMinor,
    }];
  });
}
