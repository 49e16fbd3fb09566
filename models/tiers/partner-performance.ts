import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * Closed-won revenue events per partner: the source of tier metrics. Deals write one event per
 * won deal (sourceId = the deal id, unique per tenant, so a retried write lands once). Amounts are
 * integer minor units with their currency.
 */
export interface PartnerPerformanceDoc {
  _id: string;
  tenantId: string;
  partnerId: string;
  /** Won revenue, or a (negative) refund or cancellation of it. */
  kind: 'closed-won' | 'reversal';
  sourceId: string;
  amountMinor: number;
  currency: string;
  closedAt: Date;
  createdAt: Date;
}

const schema = new Schema<PartnerPerformanceDoc>(
  {
    _id: { type: String, required: true },
    partnerId: { type: String, required: true },
    kind: { type: String, required: true },
    sourceId: { type: String, required: true },
    amountMinor: { type: Number, required: true, validate: { validator: Number.isSafeInteger, message: 'amountMinor must be a whole number of minor units' } },
    currency: { type: String, required: true },
    closedAt: { type: Date, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
schema.index({ tenantId: 1, sourceId: 1 }, { unique: true });
schema.index({ tenantId: 1, closedAt: 1, partnerId: 1 });

export const PartnerPerformanceModel = tenantModel<PartnerPerformanceDoc>('PartnerPerformance', schema, 'partner_performance');
