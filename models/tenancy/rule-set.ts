import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * One published version of a tenant's rules of one kind (onboarding, tiers, deal-approval,
 * commission). Versions are append-only; the one in force at a time is the highest version whose
 * `effectiveFrom` has passed. Running workflows pin the version they started with.
 */
export interface RuleSetDoc {
  _id: string;
  tenantId: string;
  kind: string;
  version: number;
  effectiveFrom: Date;
  /** JSON text of the validated definition (keys like `$gt` stay data). */
  definition: string;
  note?: string;
  publishedBy: string;
  createdAt: Date;
}

const schema = new Schema<RuleSetDoc>(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true },
    version: { type: Number, required: true },
    effectiveFrom: { type: Date, required: true },
    definition: { type: String, required: true },
    note: String,
    publishedBy: { type: String, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
schema.index({ tenantId: 1, kind: 1, version: 1 }, { unique: true });
schema.index({ tenantId: 1, kind: 1, effectiveFrom: 1 });

export const RuleSetModel = tenantModel<RuleSetDoc>('RuleSet', schema, 'rule_sets');
