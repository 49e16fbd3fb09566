import { repository } from '../repository';
import { DealClaimEntryModel, claimEntryId, type DealClaimEntryDoc } from './deal-claim';

/** What a claim decision needs of an entry: the state after its change. */
export type ClaimEntryState = Pick<DealClaimEntryDoc, 'seq' | 'partnerId' | 'dealIds'>;

export type NewClaimEntry = Omit<DealClaimEntryDoc, '_id' | 'tenantId'>;

/** One tenant's claim log: entries per customer key, numbered 1..n (models/deals/deal-claim.ts). */
export const claimLog = repository((inScope, tenantId) => ({
  /** Entry `seq` of the key, by point read (the local store scans for anything but `_id`). */
  entry: (customerKey: string, seq: number) =>
    inScope(() => DealClaimEntryModel.findOne({ _id: claimEntryId(tenantId, customerKey, seq) }, { seq: 1, partnerId: 1, dealIds: 1 }).lean<ClaimEntryState>()),

  /** Appends the entry; a duplicate-key error means another writer took this `seq` first. */
  append: (entry: NewClaimEntry) =>
    inScope(() => DealClaimEntryModel.create({ _id: claimEntryId(tenantId, entry.customerKey, entry.seq), ...entry })),

  /** Every key whose log names the deal in some entry (it may have left some since). */
  keysNaming: (dealId: string): Promise<string[]> => inScope(() => DealClaimEntryModel.distinct('customerKey', { dealIds: dealId })),
}));

export type ClaimLog = ReturnType<typeof claimLog>;
