import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * A refund or cancellation of a won deal, recorded as its own append-only event: the close is
 * never edited. `seq` numbers a deal's reversals; the unique (tenantId, dealId, seq) index makes
 * two concurrent reversals race on the same number, so the loser re-reads the running total and
 * is refused if it no longer fits. (The store's conditional updates are not compare-and-set, so
 * only a unique index can arbitrate.) Commissions read these next to the deal's close.
 */
export interface DealReversalDoc {
  _id: string;
  tenantId: string;
  dealId: string;
  partnerId: string;
  seq: number;
  kind: 'refund' | 'cancellation';
  /** Minor units of the closed currency. */
  amountMinor: number;
  currency: string;
  /** Reversed so far on this deal, this one included. */
  totalReversedMinor: number;
  reason: string;
  at: Date;
  recordedBy: string;
}

const schema = new Schema<DealReversalDoc>(
  {
    _id: { type: String, required: true },
    dealId: { type: String, required: true },
    partnerId: { type: String, required: true },
    seq: { type: Number, required: true },
    kind: { type: String, required: true },
    amountMinor: { type: Number, required: true },
    currency: { type: String, required: true },
    totalReversedMinor: { type: Number, required: true },
    reason: { type: String, required: true },
    at: { type: Date, required: true },
    recordedBy: { type: String, required: true },
  },
  { versionKey: false },
);
schema.index({ tenantId: 1, dealId: 1, seq: 1 }, { unique: true });
schema.index({ tenantId: 1, partnerId: 1, at: 1 });

export const DealReversalModel = tenantModel<DealReversalDoc>('DealReversal', schema, 'deal_reversals');
