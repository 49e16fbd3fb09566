import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';

export const LEDGER_ACCOUNTS = ['commission-expense', 'partner-payable', 'cash'] as const;
export type LedgerAccount = (typeof LEDGER_ACCOUNTS)[number];

export interface LedgerEntry {
  account: LedgerAccount;
  /** The partner a payable is owed to. */
  partnerId?: string;
  debitMinor: number;
  creditMinor: number;
}

/**
 * One double-entry posting: all its entries in one document, so it is written whole or not at all
 * (the store has no transactions) and every posting balances on its own. The id names what it
 * records (run, partner, event), so a retried write finds it. Postings are never edited: a
 * correction is a new posting.
 */
export interface LedgerPostingDoc {
  _id: string;
  tenantId: string;
  runId: string;
  partnerId: string;
  /** payout-approved: expense/payable; payment-settled: payable/cash; payment-returned: cash/payable. */
  event: 'payout-approved' | 'payment-settled' | 'payment-returned';
  currency: string;
  entries: LedgerEntry[];
  postedAt: Date;
}

const schema = new Schema<LedgerPostingDoc>(
  {
    _id: { type: String, required: true },
    runId: { type: String, required: true },
    partnerId: { type: String, required: true },
    event: { type: String, required: true },
    currency: { type: String, required: true },
    entries: { type: Schema.Types.Mixed, required: true },
    postedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
schema.index({ tenantId: 1, postedAt: 1 });
schema.index({ tenantId: 1, runId: 1, partnerId: 1, event: 1 }, { unique: true });

export const LedgerPostingModel = tenantModel<LedgerPostingDoc>('LedgerPosting', schema, 'ledger_postings');
