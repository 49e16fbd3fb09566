import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * A trading party of the tenant: a manufacturer (the buyer) or a supplier. Supplier and
 * manufacturer keys are bound to one; the party's kind is the role such a key holds.
 */
export type PartyKind = 'supplier' | 'manufacturer';
export type PartyStatus = 'active' | 'suspended';

export interface TradingPartyDoc {
  _id: string;
  tenantId: string;
  kind: PartyKind;
  name: string;
  status: PartyStatus;
  /** The tenant's own reference for it (an ERP vendor number), shown back as given. */
  externalRef?: string;
  contactEmail?: string;
  /** Bumped by every change: the ETag a PATCH must name. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<TradingPartyDoc>(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true },
    name: { type: String, required: true },
    status: { type: String, required: true },
    externalRef: { type: String },
    contactEmail: { type: String },
    version: { type: Number, required: true },
  },
  { versionKey: false, timestamps: true },
);
schema.index({ tenantId: 1, kind: 1, _id: -1 });

export const TradingPartyModel = tenantModel<TradingPartyDoc>('TradingParty', schema, 'trading_parties');
