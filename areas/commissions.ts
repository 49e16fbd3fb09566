import type { AreaManifest } from './manifest';
import { fxRateRoutes } from '../api/routes/commissions/fx-rates';
import { earningsRoutes } from '../api/routes/commissions/earnings';
import { payoutRunRoutes } from '../api/routes/commissions/payout-runs';
import { payoutHoldRoutes } from '../api/routes/commissions/payout-holds';
import { disputeRoutes } from '../api/routes/commissions/disputes';
import { ledgerRoutes } from '../api/routes/commissions/ledger';
import { payoutFileRoutes } from '../api/routes/commissions/payout-files';
import { bankAccountRoutes } from '../api/routes/commissions/bank-accounts';
import type * as workflows from '../workflows/commissions';
import { createCommissionActivities } from '../activities/commissions/index';
import { PayoutRunModel } from '../models/commissions/payout-run';
import { PayoutSnapshotModel, PayoutSnapshotChunkModel } from '../models/commissions/payout-snapshot';
import { PayoutStatementModel } from '../models/commissions/payout-statement';
import { PayoutChunkTotalsModel } from '../models/commissions/payout-chunk-totals';
import { PaymentInstructionModel } from '../models/commissions/payment-instruction';
import { LedgerPostingModel } from '../models/commissions/ledger-posting';
import { PayoutDisputeModel, DisputeDecisionModel } from '../models/commissions/payout-dispute';
import { PaymentEventModel } from '../models/commissions/payment-event';
import { PartnerBankAccountModel } from '../models/commissions/bank-account';
import { FxRateModel } from '../models/commissions/fx-rate';
import { PayoutHoldModel } from '../models/commissions/payout-hold';
import { commissionKind } from '../domain/commissions/rule-kind';
import { commissionDryRunOverData } from '../services/commissions/period-dry-run';

/**
 * Commissions: the plan (rule kind `commission`, with its dry run), the exact calculation
 * (domain/commissions/), the exchange rates finance sets, partners' pending earnings, and payout runs
 * (workflow payoutRun) with their statements, payment instructions, ledger, verification and
 * disputes, finance's manual payout holds, partners' payout bank accounts, the runs' bank files
 * (CSV, pain.001) and their settlement (pain.002, camt.05x).
 */
export const commissions = {
  name: 'commissions',
  routes: [...fxRateRoutes, ...earningsRoutes, ...payoutRunRoutes, ...payoutHoldRoutes, ...disputeRoutes, ...ledgerRoutes, ...payoutFileRoutes, ...bankAccountRoutes],
  createActivities: createCommissionActivities,
  workflows: ['payoutRun'] satisfies (keyof typeof workflows)[],
  models: {
    tenant: [
      FxRateModel, PayoutRunModel, PayoutSnapshotModel, PayoutSnapshotChunkModel, PayoutStatementModel, PayoutChunkTotalsModel, PaymentInstructionModel, LedgerPostingModel,
      PayoutHoldModel, PayoutDisputeModel, DisputeDecisionModel, PaymentEventModel, PartnerBankAccountModel,
    ],
    platform: [],
  },
  // The dry run over a past period's real deals reads the store, which the pure kind cannot.
  ruleKinds: [{ ...commissionKind, dryRunOverData: commissionDryRunOverData }],
  partyLookups: {},
  reapers: { platform: [], tenant: [] },
} satisfies AreaManifest;
