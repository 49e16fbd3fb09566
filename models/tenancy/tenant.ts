import mongoose, { Schema } from 'mongoose';
import type { TenantId } from '../../platform/tenant-id';
import type { TenantStatus, Isolation } from '../../domain/tenancy/lifecycle';
import type { RoundingMode } from '../../domain/money';
import type { PayoutSettings } from '../../domain/tenancy/payout-settings';
import type { BankAccountInput } from '../../domain/commissions/bank-account';

/** A vendor using Trellis. Platform-level: the one model that is not tenant-owned. */

export interface TenantSettings {
  displayName: string;
  logoUrl?: string;
  colors: { primary: string; accent: string };
  locale: string;
  timezone: string;
  currency: string;
  roundingMode: RoundingMode;
  /** Payout-run approval: dual approval above an amount, the approval SLA and its reminders. */
  payouts?: PayoutSettings;
  /** The account payouts are paid from: the debtor of the pain.001 bank files (the tenant's own, not personal data). */
  payoutDebtor?: BankAccountInput;
}

export interface TenantDoc {
  _id: TenantId;
  slug: string;
  name: string;
  status: TenantStatus;
  placement: { isolation: Isolation; namespace: string };
  settings: TenantSettings;
  settingsVersion: number;
  failureReason?: string;
  createdAt: Date;
  updatedAt: Date;
  provisionedAt?: Date;
  deletedAt?: Date;
}

const tenantSchema = new Schema<TenantDoc>(
  {
    _id: { type: String, required: true },
    slug: { type: String, required: true },
    name: { type: String, required: true },
    status: { type: String, required: true },
    placement: {
      isolation: { type: String, required: true },
      namespace: { type: String, required: true },
    },
    settings: {
      displayName: String,
      logoUrl: String,
      colors: { primary: String, accent: String },
      locale: String,
      timezone: String,
      currency: String,
      roundingMode: String,
      payouts: { type: Schema.Types.Mixed },
      payoutDebtor: { type: Schema.Types.Mixed },
    },
    settingsVersion: { type: Number, required: true, default: 1 },
    failureReason: String,
    provisionedAt: Date,
    deletedAt: Date,
  },
  { timestamps: true, versionKey: false, autoIndex: false },
);
tenantSchema.index({ slug: 1 }, { unique: true });
tenantSchema.index({ status: 1, 'placement.namespace': 1 });

export const TenantModel = mongoose.model<TenantDoc>('Tenant', tenantSchema, 'tenants');
