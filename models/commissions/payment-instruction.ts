import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * What to pay one partner for one approved run. The unique (tenantId, runId, partnerId) index is
 * the idempotency key: an execution retried after a crash finds the instruction instead of
 * making a second one.
 */
export interface PaymentInstructionDoc {
  _id: string;
  tenantId: string;
  runId: string;
  partnerId: string;
  amountMinor: number;
  currency: string;
  idempotencyKey: string;
  status: 'instructed';
  createdAt: Date;
}

const schema = new Schema<PaymentInstructionDoc>(
  {
    _id: { type: String, required: true },
    runId: { type: String, required: true },
    partnerId: { type: String, required: true },
    amountMinor: { type: Number, required: true },
    currency: { type: String, required: true },
    idempotencyKey: { type: String, required: true },
    status: { type: String, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
schema.index({ tenantId: 1, runId: 1, partnerId: 1 }, { unique: true });

export const PaymentInstructionModel = tenantModel<PaymentInstructionDoc>('PaymentInstruction', schema, 'payment_instructions');
