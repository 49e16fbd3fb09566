import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

/**
 * Who protects a customer identity (normalised domain, or normalised name + country), kept as a
 * log per (tenant, customer key): entry `seq` carries the whole state after one change — the
 * partner holding the key and every deal of that partner sharing it. The latest entry is the
 * truth.
 *
 * Why a log: the local store (FerretDB) has no transactions and its conditional updates are not
 * compare-and-set, so a state change cannot be "update if unchanged". Appending entry `seq + 1`
 * under the unique index is: of two writers who both read entry `seq`, exactly one insert
 * succeeds and the other re-reads and decides again. Entries are never deleted one by one (a gap
 * below the latest would let a writer with a stale read append again); they go with the tenant.
 */
export type ClaimChange = 'take' | 'join' | 'leave' | 'evict';

export interface DealClaimEntryDoc {
  _id: string;
  tenantId: string;
  customerKey: string;
  seq: number;
  /** The partner protected for this customer after the change; null once nobody is. */
  partnerId: string | null;
  /** The partner's open deals holding the key (reference count: the key is free when empty). */
  dealIds: string[];
  change: ClaimChange;
  /** The deal whose claim, release or takeover this entry records. */
  byDealId: string;
  /** Deals whose claim was found stale and taken over (`evict` only). */
  evicted?: string[];
  at: Date;
}

const schema = new Schema<DealClaimEntryDoc>(
  {
    _id: { type: String, required: true },
    customerKey: { type: String, required: true },
    seq: { type: Number, required: true },
    partnerId: { type: String, default: null },
    dealIds: { type: [String], default: [] },
    change: { type: String, required: true },
    byDealId: { type: String, required: true },
    evicted: { type: [String], default: undefined },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
schema.index({ tenantId: 1, customerKey: 1, seq: 1 }, { unique: true });

/**
 * An entry's _id names its (tenant, key, seq), so the `_id` index decides appends too and the
 * latest entry is found by point reads (the local store scans for anything but `_id`).
 */
export const claimEntryId = (tenantId: string, customerKey: string, seq: number): string => `${tenantId}/${customerKey}#${seq}`;
// Release finds the keys a deal holds from its entries (a handful per deal).
schema.index({ tenantId: 1, dealIds: 1 });

export const DealClaimEntryModel = tenantModel<DealClaimEntryDoc>('DealClaimEntry', schema, 'deal_claim_log');
