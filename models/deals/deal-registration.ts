import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * What a partner registered, kept in the store for the deal's process to read, so workflow
 * payloads (and so Temporal's history, which outlives an offboarded tenant in a shared namespace
 * for its retention) carry ids and facts but no customer names, domains or notes. Written by the
 * API under the deal's id (derived from the Idempotency-Key) before the workflow starts; a retry
 * writes the same document. One that never got its workflow holds no claim and no deal.
 */
export interface DealRegistrationDoc {
  _id: string;
  tenantId: string;
  /** The registration record (DealRegistrationRecord) as JSON text. */
  record: string;
  createdAt: Date;
}

/** The facts of a deal as registered: what the workflow's first activity writes as the deal. */
export interface DealRegistrationRecord {
  partnerId: string;
  registeredBy: string;
  registeredByRole: string;
  customer: { name: string; domain?: string; country: string };
  customerKeys: string[];
  amountMinor: number;
  currency: string;
  amountTenantMinor: number;
  tenantCurrency: string;
  fxRate: string;
  products: string[];
  expectedCloseDate: string;
  notes?: string;
  tierAtRegistration: string;
  ruleSetVersion: number;
  registeredAt: string;
}

const schema = new Schema<DealRegistrationDoc>(
  {
    _id: { type: String, required: true },
    record: { type: String, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
schema.index({ tenantId: 1, createdAt: 1 });

export const DealRegistrationModel = tenantModel<DealRegistrationDoc>('DealRegistration', schema, 'deal_registrations');
