import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * What happened to a payment instruction after it left Trellis, one document per stage:
 * `outcome` (the bank settled, rejected or returned it), `return` (a settled payment came back)
 * and `carry` (a later run took the reopened payable over). The unique (tenantId, instructionId,
 * stage) index makes each stage happen once: the same answer again (a file uploaded twice) finds
 * it, a contradicting one (settled after rejected) is refused, and two runs cannot both carry one
 * payable. Never edited.
 */
export const PAYMENT_EVENT_STAGES = ['outcome', 'return', 'carry'] as const;
export type PaymentEventStage = (typeof PAYMENT_EVENT_STAGES)[number];

export interface PaymentEventDoc {
  _id: string;
  tenantId: string;
  instructionId: string;
  runId: string;
  partnerId: string;
  stage: PaymentEventStage;
  status: 'settled' | 'rejected' | 'returned' | 'carried';
  amountMinor: number;
  /** The bank's booking or status date (YYYY-MM-DD). */
  date?: string;
  bankReference?: string;
  reason?: string;
  /** manual, pain.002, camt.054 or camt.053; with the file's sha256. */
  source: string;
  fileHash?: string;
  /** The run that pays a reopened payable again (stage carry). */
  carriedToRunId?: string;
  recordedBy: string;
  recordedAt: Date;
}

const schema = new Schema<PaymentEventDoc>(
  {
    _id: { type: String, required: true },
    instructionId: { type: String, required: true },
    runId: { type: String, required: true },
    partnerId: { type: String, required: true },
    stage: { type: String, required: true },
    status: { type: String, required: true },
    amountMinor: { type: Number, required: true },
    date: String,
    bankReference: String,
    reason: String,
    source: { type: String, required: true },
    fileHash: String,
    carriedToRunId: String,
    recordedBy: { type: String, required: true },
    recordedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
schema.index({ tenantId: 1, instructionId: 1, stage: 1 }, { unique: true });
schema.index({ tenantId: 1, runId: 1 });
schema.index({ tenantId: 1, partnerId: 1, stage: 1 });

export const PaymentEventModel = tenantModel<PaymentEventDoc>('PaymentEvent', schema, 'payment_events');
