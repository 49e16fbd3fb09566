import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * What to pay one partner for one approved run. The unique (tenantId, runId, partnerId) index is
 * the idempotency key: an execution retried after a crash finds the instruction instead of
 * making a second one. Its status follows the bank's answers (services/commissions/settlements.ts):
 * `settled`, or `rejected`/`returned`, which reopen the payable for a later run to pay.
 */
export const INSTRUCTION_STATUSES = ['instructed', 'settled', 'rejected', 'returned'] as const;
export type InstructionStatus = (typeof INSTRUCTION_STATUSES)[number];

/** A payable an earlier run reopened (its payment rejected or returned) that this instruction pays again. */
export interface CarriedPayable {
  instructionId: string;
  runId: string;
  amountMinor: number;
}

export interface PaymentInstructionDoc {
  _id: string;
  tenantId: string;
  runId: string;
  partnerId: string;
  amountMinor: number;
  currency: string;
  idempotencyKey: string;
  status: InstructionStatus;
  /** Reopened payables of earlier runs included in amountMinor (already expensed there, so not posted again). */
  carried?: CarriedPayable[];
  settledAt?: Date;
  bankReference?: string;
  statusReason?: string;
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
    carried: { type: Schema.Types.Mixed },
    settledAt: Date,
    bankReference: String,
    statusReason: String,
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
schema.index({ tenantId: 1, runId: 1, partnerId: 1 }, { unique: true });
schema.index({ tenantId: 1, status: 1 });

export const PaymentInstructionModel = tenantModel<PaymentInstructionDoc>('PaymentInstruction', schema, 'payment_instructions');
