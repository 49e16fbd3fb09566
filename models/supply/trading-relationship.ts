import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * "Manufacturer M buys from supplier S": recorded when M places its first purchase order with S,
 * and what lets M see S's stock (GET /v1/inventory) and set thresholds on it. One document per
 * pair, its _id the pair, so placing a thousand orders writes it once.
 */
export interface TradingRelationshipDoc {
  _id: string;
  tenantId: string;
  manufacturerId: string;
  supplierId: string;
  /** When the first order was placed. */
  since: Date;
}

const schema = new Schema<TradingRelationshipDoc>(
  {
    _id: { type: String, required: true },
    manufacturerId: { type: String, required: true },
    supplierId: { type: String, required: true },
    since: { type: Date, required: true },
  },
  { versionKey: false },
);
schema.index({ tenantId: 1, manufacturerId: 1, supplierId: 1 }, { unique: true });

export const TradingRelationshipModel = tenantModel<TradingRelationshipDoc>('TradingRelationship', schema, 'trading_relationships');
