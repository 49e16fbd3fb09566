import type { LineStatus } from './purchase-order';

/**
 * What a supplier's stock still owes to purchase orders, and when a manufacturer's low-stock
 * threshold is crossed. Pure: services/supply/inventory-availability.ts and low-stock.ts feed it
 * the figures and open orders they read.
 */

export interface PromisingLine {
  sku: string;
  status: LineStatus;
  confirmedQuantity: number | null;
  shipped: number;
}

export interface OpenOrder {
  supplierId: string;
  manufacturerId: string;
  lines: readonly PromisingLine[];
}

/**
 * Units the supplier confirmed on a line and has not shipped yet. Shipped units are not counted:
 * they have left the supplier's warehouse, so its next stock figure no longer holds them, and
 * counting them until the buyer's receipt would take them off the stock twice. A rejected or
 * cancelled line promises nothing; a line whose change awaits acknowledgement keeps its last
 * confirmation (the supplier may keep shipping against it).
 */
export function promisedOnLine(line: PromisingLine): number {
  if (line.status === 'rejected' || line.status === 'cancelled' || line.confirmedQuantity === null) return 0;
  return Math.max(0, line.confirmedQuantity - line.shipped);
}

/** Key of a (supplier, sku) pair: promises are per supplier and sku, whatever the location. */
export const supplierSkuKey = (supplierId: string, sku: string): string => `${supplierId}\u0000${sku}`;

export interface Promised {
  /** To every buyer: what the supplier's stock must still cover. */
  total: number;
  /** To the buyer asking. */
  toBuyer: number;
}

/** Promised units per (supplier, sku) over open orders; `buyerId` picks out the asker's share. */
export function promisedBySupplierSku(orders: readonly OpenOrder[], buyerId?: string): Map<string, Promised> {
  const promised = new Map<string, Promised>();
  for (const order of orders) {
    for (const line of order.lines) {
      const units = promisedOnLine(line);
      if (units === 0) continue;
      const key = supplierSkuKey(order.supplierId, line.sku);
      const now = promised.get(key) ?? { total: 0, toBuyer: 0 };
      promised.set(key, { total: now.total + units, toBuyer: now.toBuyer + (order.manufacturerId === buyerId ? units : 0) });
    }
  }
  return promised;
}

/** Where a threshold stands: numbered crossings, and whether stock is below it now. */
export interface CrossingState {
  crossing: number;
  low: boolean;
}

export type CrossingStep =
  | { kind: 'unchanged' }
  /** Stock just fell below: raise crossing `crossing` (once: it is the exception's key). */
  | { kind: 'fell-below'; next: CrossingState }
  /** Stock is back at or above the minimum: the next fall is a new crossing. */
  | { kind: 'recovered'; next: CrossingState };

/**
 * One evaluation of a threshold. Only the edge counts: a figure that stays below changes
 * nothing, so a flood of updates raises one exception per fall, not one per update.
 */
export function crossingStep(state: CrossingState, available: number, minimum: number): CrossingStep {
  const below = available < minimum;
  if (below && !state.low) return { kind: 'fell-below', next: { crossing: state.crossing, low: true } };
  if (!below && state.low) return { kind: 'recovered', next: { crossing: state.crossing + 1, low: false } };
  return { kind: 'unchanged' };
}
