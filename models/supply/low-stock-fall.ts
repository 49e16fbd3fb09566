import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * One fall of a threshold below its minimum, keyed `low-stock:<threshold>:<crossing>`: the first
 * worker to judge the fall writes it with the exception id it picked, and every worker (or retry)
 * then raises the exception under that id. The _id decides on both MongoDB and FerretDB; the
 * exceptions' (order, key) index cannot, since a low-stock exception names no order.
 */
export interface LowStockFallDoc {
  _id: string;
  tenantId: string;
  exceptionId: string;
  raisedAt: Date;
}

const schema = new Schema<LowStockFallDoc>(
  {
    _id: { type: String, required: true },
    exceptionId: { type: String, required: true },
    raisedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
schema.index({ tenantId: 1, _id: 1 });

export const LowStockFallModel = tenantModel<LowStockFallDoc>('LowStockFall', schema, 'low_stock_falls');
