import type { AreaManifest } from './manifest';
import { fxRateRoutes } from '../api/routes/commissions/fx-rates';
import { earningsRoutes } from '../api/routes/commissions/earnings';
import { FxRateModel } from '../models/commissions/fx-rate';
import { commissionKind } from '../domain/commissions/rule-kind';

/**
 * Commissions: the plan (rule kind `commission`, with its dry run), the exact calculation
 * (domain/commissions/) and the exchange rates finance sets. Payout runs come with their workflow.
 */
export const commissions = {
  name: 'commissions',
  routes: [...fxRateRoutes, ...earningsRoutes],
  createActivities: () => ({}),
  workflows: [],
  models: { tenant: [FxRateModel], platform: [] },
  ruleKinds: [commissionKind],
  partyLookups: {},
  reapers: { platform: [], tenant: [] },
} satisfies AreaManifest;
