import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * The newest link of a tenant's audit chain (one document per tenant, `_id` = tenantId). Appends
 * read it by id instead of sorting the log, and verification compares against it so that
 * removing the newest events is detected too.
 */
export interface AuditHeadDoc {
  _id: string;
  tenantId: string;
  seq: number;
  hash: string;
}

const schema = new Schema<AuditHeadDoc>(
  { _id: { type: String, required: true }, seq: { type: Number, required: true }, hash: { type: String, required: true } },
  { versionKey: false },
);
schema.index({ tenantId: 1 }, { unique: true });

export const AuditHeadModel = tenantModel<AuditHeadDoc>('AuditHead', schema, 'audit_heads');
