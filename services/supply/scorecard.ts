import Decimal from 'decimal.js';
import { invalid, notFound } from '../../domain/errors';
import type { Actor } from '../../domain/supply/purchase-order';
import { scopeOf } from './purchase-orders';
import type { TenantId } from '../../platform/tenant-id';
import { purchaseOrderStore } from '../../models/supply/purchase-order-repository';
import { exceptionStore } from '../../models/supply/exception-repository';
import { getParty } from './parties';

/** At most this many orders are read for one scorecard; a longer period is refused, not sampled. */
const MAX_ORDERS = 5000;

export interface Scorecard {
  supplierId: string;
  from: string;
  to: string;
  orders: number;
  acknowledgements: { due: number; onTime: number; rate: string | null };
  shipments: { count: number; onTime: number; rate: string | null };
  fillRate: string | null;
  exceptions: number;
}

const ratio = (part: number, whole: number): string | null => (whole === 0 ? null : new Decimal(part).div(whole).toDecimalPlaces(4).toString());

/**
 * A supplier's record over the orders placed in [from, to): acknowledgement windows answered in
 * time, shipments not late, fill rate (units received good over units ordered and not cancelled by
 * the buyer, on the orders that have finished) and exceptions raised. Ratios are decimal strings, null where nothing counted.
 */
export async function supplierScorecard(tenantId: TenantId, actor: Actor, supplierId: string, from: Date, to: Date): Promise<Scorecard> {
  // A supplier sees only its own card; a manufacturer sees the supplier's record on its own orders.
  if (actor.role === 'supplier' && actor.partyId !== supplierId) throw notFound(`party ${supplierId}`);
  const scope = scopeOf(actor);
  const party = await getParty(tenantId, supplierId);
  if (party.kind !== 'supplier') throw invalid('params.id', `party ${supplierId} is a ${party.kind}; scorecards are for suppliers`);
  if (from >= to) throw invalid('query.from', 'query.from must be before query.to');
  const orders = await purchaseOrderStore(tenantId).placedBetween({ ...scope, supplierId }, from, to, MAX_ORDERS + 1);
  if (orders.length > MAX_ORDERS) throw invalid('query.from', `more than ${MAX_ORDERS} orders in this period; ask for a shorter one`);
  const rounds = orders.flatMap((o) => o.rounds.filter((r) => r.completedAt || r.late));
  const shipments = orders.flatMap((o) => o.shipments);
  const finished = orders.filter((o) => o.status === 'closed' || o.status === 'rejected' || o.status === 'cancelled');
  // Lines the buyer cancelled do not count against the supplier; lines it rejected do.
  const ordered = finished.flatMap((o) => o.lines).filter((l) => l.status !== 'cancelled').reduce((n, l) => n + l.quantity, 0);
  const received = finished.flatMap((o) => o.lines).reduce((n, l) => n + l.received, 0);
  return {
    supplierId,
    from: from.toISOString(),
    to: to.toISOString(),
    orders: orders.length,
    acknowledgements: { due: rounds.length, onTime: rounds.filter((r) => !r.late).length, rate: ratio(rounds.filter((r) => !r.late).length, rounds.length) },
    shipments: { count: shipments.length, onTime: shipments.filter((s) => !s.late).length, rate: ratio(shipments.filter((s) => !s.late).length, shipments.length) },
    fillRate: ratio(received, ordered),
    exceptions: await exceptionStore(tenantId).countRaised({ ...scope, supplierId }, from, to),
  };
}
