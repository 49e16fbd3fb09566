import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/** Roles a tenant's key can hold. Partner, supplier and manufacturer keys are bound to one party. */
export const TENANT_ROLES = ['tenant-admin', 'approver', 'finance', 'partner', 'supplier', 'manufacturer'] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];
export const PARTY_ROLES: readonly TenantRole[] = ['partner', 'supplier', 'manufacturer'];

export interface ApiKeyDoc {
  _id: string;
  tenantId: string;
  name: string;
  role: TenantRole;
  /** The partner or trading party a party-bound key acts for. */
  partyId?: string;
  /** Shown in lists so people can tell keys apart; the secret never is. */
  prefix: string;
  hash: string;
  createdBy: string;
  createdAt: Date;
  revokedAt?: Date;
  lastUsedAt?: Date;
}

const schema = new Schema<ApiKeyDoc>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    role: { type: String, required: true },
    partyId: String,
    prefix: { type: String, required: true },
    hash: { type: String, required: true },
    createdBy: { type: String, required: true },
    revokedAt: Date,
    lastUsedAt: Date,
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
schema.index({ tenantId: 1, _id: 1 });

export const ApiKeyModel = tenantModel<ApiKeyDoc>('ApiKey', schema, 'api_keys');
