import type { AreaManifest } from './manifest';
import type * as workflows from '../workflows/deals';
import { dealRoutes } from '../api/routes/deals/deals';
import { approvalRoutes } from '../api/routes/deals/approvals';
import { createDealActivities } from '../activities/deals/index';
import { DealModel } from '../models/deals/deal';
import { DealRegistrationModel } from '../models/deals/deal-registration';
import { DealReversalModel } from '../models/deals/deal-reversal';
import { DealClaimEntryModel } from '../models/deals/deal-claim';
import { dealApprovalKind } from '../domain/deals/rule-kind';
import { reapStaleDeals } from '../services/deals/deals';

/** Deal registration, its approval chain and customer protection. */
export const deals = {
  name: 'deals',
  routes: [...dealRoutes, ...approvalRoutes],
  createActivities: createDealActivities,
  workflows: ['dealApproval'] satisfies (keyof typeof workflows)[],
  models: { tenant: [DealModel, DealRegistrationModel, DealReversalModel, DealClaimEntryModel], platform: [] },
  ruleKinds: [dealApprovalKind],
  partyLookups: {},
  reapers: {
    platform: [],
    tenant: [{ name: 'stale-deals', run: (services, tenantId, olderThanMs) => reapStaleDeals(services, tenantId, olderThanMs) }],
  },
} satisfies AreaManifest;
