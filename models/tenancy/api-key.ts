import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';
import type { TenantRole } from '../../domain/tenancy/roles';

/** The roles are declared in domain/tenancy/roles.ts; re-exported for the model's readers. */
export { TENANT_ROLES, PARTY_ROLES, type TenantRole } from '../../domain/tenancy/roles';

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
