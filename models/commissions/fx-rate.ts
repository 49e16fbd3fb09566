import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * An exchange rate finance set for a currency pair from a date on. Rates are appended, never
 * edited: a payout run converts at the latest one effective before its period ends, so changing
 * history would change what an earlier run paid. Tenant, pair and date are the id, so one rate per
 * pair and instant is decided by the unique _id (which is unique across the whole collection, so
 * it must name the tenant: two tenants may set the same pair on the same day).
 */
export interface FxRateDoc {
  _id: string;
  tenantId: string;
  from: string;
  to: string;
  /** Units of `to` per unit of `from`, a decimal string. */
  rate: string;
  effectiveFrom: Date;
  setBy: string;
  createdAt: Date;
}

const schema = new Schema<FxRateDoc>(
  {
    _id: { type: String, required: true },
    from: { type: String, required: true },
    to: { type: String, required: true },
    rate: { type: String, required: true },
    effectiveFrom: { type: Date, required: true },
    setBy: { type: String, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
schema.index({ tenantId: 1, to: 1, from: 1, effectiveFrom: -1 });

export const FxRateModel = tenantModel<FxRateDoc>('FxRate', schema, 'fx_rates');

/** The natural key: one rate per tenant, pair and instant. */
export const fxRateId = (tenantId: string, from: string, to: string, effectiveFrom: Date): string => `fx:${tenantId}:${from}:${to}:${effectiveFrom.toISOString()}`;
