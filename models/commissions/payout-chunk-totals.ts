import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * The totals of one snapshot chunk's statements (partner, total, carried forward), written by the
 * calculation right after the chunk's statements and before its progress. Its id is the chunk's
 * (run, generation, index), so the review and the execution read every chunk's totals by `_id`
 * (the one filter the local store, FerretDB 1.24 on SQLite, answers without a scan) instead of
 * reading every statement with all its lines. A statement is a pure function of the frozen
 * snapshot, so a chunk recalculated after a crash finds its totals document already there and equal.
 */
export interface PayoutChunkTotalsDoc {
  _id: string;
  tenantId: string;
  runId: string;
  statements: { partnerId: string; totalMinor: number; carriedForwardMinor: number }[];
}

const schema = new Schema<PayoutChunkTotalsDoc>(
  {
    _id: { type: String, required: true },
    runId: { type: String, required: true },
    statements: { type: Schema.Types.Mixed, required: true },
  },
  { versionKey: false, minimize: false },
);
schema.index({ tenantId: 1, runId: 1 });

export const PayoutChunkTotalsModel = tenantModel<PayoutChunkTotalsDoc>('PayoutChunkTotals', schema, 'payout_chunk_totals');
