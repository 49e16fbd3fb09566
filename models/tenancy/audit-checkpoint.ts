import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * How far a tenant's audit chain has been verified (one document per tenant, `_id` = tenantId):
 * the last verified link and when the whole chain was last re-hashed. Verification then only
 * re-hashes events after `seq`; a full walk runs when asked or when `fullAt` is old. A break
 * found once is kept, so later incremental checks cannot report the chain valid again.
 */
export interface AuditCheckpointDoc {
  _id: string;
  tenantId: string;
  seq: number;
  hash: string;
  verifiedAt: Date;
  fullAt: Date;
  firstBreak?: { seq: number; reason: string };
}

const schema = new Schema<AuditCheckpointDoc>(
  {
    _id: { type: String, required: true },
    seq: { type: Number, required: true },
    hash: { type: String, required: true },
    verifiedAt: { type: Date, required: true },
    fullAt: { type: Date, required: true },
    firstBreak: { type: new Schema({ seq: Number, reason: String }, { _id: false }), default: undefined },
  },
  { versionKey: false },
);
schema.index({ tenantId: 1 }, { unique: true });

export const AuditCheckpointModel = tenantModel<AuditCheckpointDoc>('AuditCheckpoint', schema, 'audit_checkpoints');
