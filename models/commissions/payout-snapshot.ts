import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * The inputs of a payout run, frozen before anything is calculated: the period's deals and
 * reversals, tier histories, plan version and definition, FX rates, what earlier runs paid and
 * carried forward, and the partners' payout holds. The run's calculation reads only this, so a
 * deal edited afterwards changes nothing, and the hash proves what was used. One per run (its id).
 */
export interface PayoutSnapshotDoc {
  _id: string;
  tenantId: string;
  hash: string;
  inputs: unknown;
  createdAt: Date;
}

const schema = new Schema<PayoutSnapshotDoc>(
  {
    _id: { type: String, required: true },
    hash: { type: String, required: true },
    inputs: { type: Schema.Types.Mixed, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false, minimize: false },
);
schema.index({ tenantId: 1, _id: 1 });

export const PayoutSnapshotModel = tenantModel<PayoutSnapshotDoc>('PayoutSnapshot', schema, 'payout_snapshots');
