import { repository } from '../repository';
import { isDuplicateKey } from '../../platform/store-errors';
import { DealRegistrationModel, type DealRegistrationRecord } from './deal-registration';

/** Registrations waiting for their deal's process, by deal id. */
export const stagedRegistrations = repository((inScope) => ({
  /** Keeps the record under the deal's id; a retry of the same registration writes nothing new. */
  stage: (dealId: string, record: DealRegistrationRecord) =>
    inScope(async () => {
      try {
        await DealRegistrationModel.updateOne({ _id: dealId }, { $setOnInsert: { record: JSON.stringify(record) } }, { upsert: true });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err; // a concurrent attempt of the same request staged it
      }
    }),

  recordOf: async (dealId: string): Promise<DealRegistrationRecord | null> => {
    const staged = await inScope(() => DealRegistrationModel.findOne({ _id: dealId }).lean());
    return staged ? (JSON.parse(staged.record) as DealRegistrationRecord) : null;
  },
}));
