import type { AreaManifest } from './manifest';
import { fxRateRoutes } from '../api/routes/commissions/fx-rates';
import { earningsRoutes } from '../api/routes/commissions/earnings';
import { payoutRunRoutes } from '../api/routes/commissions/payout-runs';
import { payoutFileRoutes } from '../api/routes/commissions/payout-files';
import { bankAccountRoutes } from '../api/routes/commissions/bank-accounts';
import type * as workflows from '../workflows/commissions';
import { createCommissionActivities } from '../activities/commissions/index';
import { PayoutRunModel } from '../models/commissions/payout-run';
import { PayoutSnapshotModel } from '../models/commissions/payout-snapshot';
import { PayoutStatementModel } from '../models/commissions/payout-statement';
import { PaymentInstructionModel } from '../models/commissions/payment-instruction';
import { LedgerPostingModel } from '../models/commissions/ledger-posting';
import { PaymentEventModel } from '../models/commissions/payment-event';
import { PartnerBankAccountModel } from '../models/commissions/bank-account';
import { FxRateModel } from '../models/commissions/fx-rate';
import { commissionKind } from '../domain/commissions/rule-kind';

/**
 * Commissions: the plan (rule kind `commission`, with its dry run), the exact calculation
 * (domain/commissions/), the exchange rates finance sets, partners' pending earnings, and payout runs
 * (workflow payoutRun) with their statements, payment instructions and ledger; partners' payout
 * bank accounts, the runs' bank files (CSV, pain.001) and their settlement (pain.002, camt.05x).
 */
export const commissions = {
  name: 'commissions',
  routes: [...fxRateRoutes, ...earningsRoutes, ...payoutRunRoutes, ...payoutFileRoutes, ...bankAccountRoutes],
  createActivities: createCommissionActivities,
  workflows: ['payoutRun'] satisfies (keyof typeof workflows)[],
  models: { tenant: [FxRateModel, PayoutRunModel, PayoutSnapshotModel, PayoutStatementModel, PaymentInstructionModel, LedgerPostingModel, PaymentEventModel, PartnerBankAccountModel], platform: [] },
  ruleKinds: [commissionKind],
  partyLookups: {},
  reapers: { platform: [], tenant: [] },
} satisfies AreaManifest;
