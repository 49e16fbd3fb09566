import { repository } from '../repository';
import { insertOnce } from '../../platform/store-errors';
import { PaymentInstructionModel, type PaymentInstructionDoc } from './payment-instruction';
import { PaymentEventModel, type PaymentEventDoc } from './payment-event';

/** What the bank did with one tenant's payment instructions. */
export const settlementStore = repository((inScope) => ({
  instructionsOfRun: (runId: string) => inScope(() => PaymentInstructionModel.find({ runId }).sort({ partnerId: 1 }).limit(100_000).lean<PaymentInstructionDoc[]>()),
  /** Inserts the stage's event; false when the stage already happened (the first answer stays). */
  record: (event: Omit<PaymentEventDoc, 'tenantId'>) =>
    inScope(() => insertOnce(() => PaymentEventModel.create(event))),
  eventsOf: (instructionId: string) => inScope(() => PaymentEventModel.find({ instructionId }).lean<PaymentEventDoc[]>()),
  eventsOfInstructions: (instructionIds: string[]) => inScope(() => PaymentEventModel.find({ instructionId: { $in: instructionIds } }).limit(instructionIds.length * 3).lean<PaymentEventDoc[]>()),
  setInstruction: (instructionId: string, set: Partial<PaymentInstructionDoc>) => inScope(() => PaymentInstructionModel.updateOne({ _id: instructionId }, { $set: set })),
  /** Instructions the bank rejected or returned, any run: payables open again unless carried. */
  reopenedInstructions: () => inScope(() => PaymentInstructionModel.find({ status: { $in: ['rejected', 'returned'] } }).sort({ _id: 1 }).limit(100_000).lean<PaymentInstructionDoc[]>()),
}));
