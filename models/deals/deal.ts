import { Schema } from 'mongoose';
import { tenantModel } from '../tenant-model';
import { DEAL_STATUSES, type DealStatus, type DealHistoryEntry, type DealStepView } from '../../domain/deals/deal';

// The pure types live in domain/ (the workflow uses them); the model keeps exporting them.
export { DEAL_STATUSES, type DealStatus, type DealHistoryEntry, type DealStepView };

/**
 * The read model of a registered deal. The deal's approval workflow owns its live state and
 * writes everything from `status` down through activities, one write at a time (ordered by
 * `rev`, so a late retry never overwrites a newer view); registration writes the facts.
 *
 * Commissions read closed deals from here: `outcome: 'won'`, `closedAmountMinor` + `closedCurrency`
 * (the close currency), `closedAmountTenantMinor` (the tenant currency, converted with the pinned
 * rule set's rate), `closedAt`; refunds and cancellations are separate append-only events in
 * `deal_reversals` (models/deals/deal-reversal.ts), in the close currency.
 */
export const OPEN_DEAL_STATUSES: DealStatus[] = ['submitted', 'pending-approval', 'info-requested', 'protected', 'extension-review'];

/** How the rules handled the registration: the rule that matched and what it decided. */
export interface DealPlan {
  rule: string;
  action: string;
  reason?: string;
  notes: string[];
}

/** The step awaiting a decision, denormalised for the inbox: who may act and until when. */
export interface DealCurrentStep {
  id: string;
  name: string;
  role: string;
  anyone: boolean;
  actors: string[];
  deadline?: Date;
  escalated: boolean;
}


export interface DealDoc {
  _id: string;
  tenantId: string;
  partnerId: string;
  /** The partner key that registered the deal; it may never decide on it. */
  registeredBy: string;
  customer: { name: string; domain?: string; country: string };
  /** Normalised identities the deal claims for channel-conflict checks. */
  customerKeys: string[];
  amountMinor: number;
  currency: string;
  /** The amount in the tenant currency as used by the rules, and the rate applied. */
  amountTenantMinor: number;
  tenantCurrency: string;
  fxRate: string;
  products: string[];
  expectedCloseDate: Date;
  notes?: string;
  tierAtRegistration: string;
  ruleSetVersion: number;
  conflict?: { detected: boolean; action: string; conflictingDealIds: string[]; matchedOn: string[] };
  claimHeld: boolean;
  status: DealStatus;
  plan?: DealPlan;
  purpose?: 'registration' | 'extension';
  currentStep?: DealCurrentStep | null;
  /** Denormalised from currentStep for the approvals inbox query. */
  awaitingRole?: string | null;
  steps: DealStepView[];
  protectedUntil?: Date | null;
  extensionsUsed: number;
  outcome?: 'won' | 'lost';
  closedAmountMinor?: number;
  closedCurrency?: string;
  closedAmountTenantMinor?: number;
  closedAt?: Date;
  closeReason?: string;
  history: DealHistoryEntry[];
  rev: number;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<DealDoc>(
  {
    _id: { type: String, required: true },
    partnerId: { type: String, required: true },
    registeredBy: { type: String, required: true },
    customer: { name: { type: String, required: true }, domain: String, country: { type: String, required: true } },
    customerKeys: [String],
    amountMinor: { type: Number, required: true },
    currency: { type: String, required: true },
    amountTenantMinor: { type: Number, required: true },
    tenantCurrency: { type: String, required: true },
    fxRate: { type: String, required: true },
    products: [String],
    expectedCloseDate: { type: Date, required: true },
    notes: String,
    tierAtRegistration: { type: String, required: true },
    ruleSetVersion: { type: Number, required: true },
    conflict: { type: Schema.Types.Mixed },
    claimHeld: { type: Boolean, default: false },
    status: { type: String, required: true },
    plan: { type: Schema.Types.Mixed },
    purpose: String,
    currentStep: { type: Schema.Types.Mixed },
    awaitingRole: { type: String, default: null },
    steps: { type: Schema.Types.Mixed, default: [] },
    protectedUntil: { type: Date, default: null },
    extensionsUsed: { type: Number, default: 0 },
    outcome: String,
    closedAmountMinor: Number,
    closedCurrency: String,
    closedAmountTenantMinor: Number,
    closedAt: Date,
    closeReason: String,
    history: { type: Schema.Types.Mixed, default: [] },
    rev: { type: Number, default: 0 },
  },
  { timestamps: true, versionKey: false, minimize: false },
);
schema.index({ tenantId: 1, _id: 1 });
schema.index({ tenantId: 1, partnerId: 1, _id: -1 });
schema.index({ tenantId: 1, awaitingRole: 1, _id: -1 });
schema.index({ tenantId: 1, status: 1, _id: -1 });

export const DealModel = tenantModel<DealDoc>('Deal', schema, 'deals');
