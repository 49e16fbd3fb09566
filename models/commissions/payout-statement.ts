import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';
import type { CommissionLine } from '../../domain/commissions/calculate';

/**
 * One partner's statement in a payout run, as the calculation produced it (every line explained).
 * The id is (run, partner), so a calculation batch retried after a crash rewrites the same
 * statement. `approved` is set when the run is approved: only then may the partner read it, and
 * only approved statements count as paid.
 */
export interface PayoutStatementDoc {
  _id: string;
  tenantId: string;
  runId: string;
  period: string;
  partnerId: string;
  revenueMinor: number;
  totalMinor: number;
  carriedForwardMinor: number;
  lines: CommissionLine[];
  /** sha256 of the canonical JSON of the lines, taken when they were calculated (verify compares it). */
  hash?: string;
  notes: string[];
  /** The deals its commission lines pay for, so a later clawback finds what was paid. */
  dealIds: string[];
  /** The accepted disputes its adjustment lines pay: once approved, they are paid. */
  adjustmentIds?: string[];
  approved: boolean;
}

const schema = new Schema<PayoutStatementDoc>(
  {
    _id: { type: String, required: true },
    runId: { type: String, required: true },
    period: { type: String, required: true },
    partnerId: { type: String, required: true },
    revenueMinor: { type: Number, required: true },
    totalMinor: { type: Number, required: true },
    carriedForwardMinor: { type: Number, required: true },
    lines: { type: Schema.Types.Mixed, default: [] },
    hash: { type: String },
    notes: { type: [String], default: [] },
    dealIds: { type: [String], default: [] },
    adjustmentIds: { type: [String], default: undefined },
    approved: { type: Boolean, default: false },
  },
  { versionKey: false, minimize: false },
);
schema.index({ tenantId: 1, runId: 1, partnerId: 1 }, { unique: true });
schema.index({ tenantId: 1, partnerId: 1, approved: 1 });
schema.index({ tenantId: 1, dealIds: 1 });
schema.index({ tenantId: 1, adjustmentIds: 1 });

export const PayoutStatementModel = tenantModel<PayoutStatementDoc>('PayoutStatement', schema, 'payout_statements');

export const statementId = (runId: string, partnerId: string): string => `${runId}:${partnerId}`;
