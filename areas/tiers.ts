import type { AreaManifest } from './manifest';
import type * as workflows from '../workflows/tiers';
import { tierReviewRoutes } from '../api/routes/tiers/tier-reviews';
import { createTierActivities } from '../activities/tiers/index';
import { PartnerPerformanceModel } from '../models/tiers/partner-performance';
import { TierReviewModel } from '../models/tiers/tier-review';
import { tiersRuleKind } from '../domain/tiers/rule-kind';
import { reapStaleTierReviews } from '../services/tiers/tier-reviews';

/** Partner tiers: performance records and the scheduled tier review. */
export const tiers = {
  name: 'tiers',
  routes: [...tierReviewRoutes],
  createActivities: createTierActivities,
  workflows: ['tierReview'] satisfies (keyof typeof workflows)[],
  models: { tenant: [PartnerPerformanceModel, TierReviewModel], platform: [] },
  ruleKinds: [tiersRuleKind],
  partyLookups: {},
  reapers: {
    platform: [],
    tenant: [{ name: 'stale-tier-reviews', run: (services, tenantId, olderThanMs) => reapStaleTierReviews(services, tenantId, olderThanMs) }],
  },
} satisfies AreaManifest;
