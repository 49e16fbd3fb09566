import type { RouteSpec } from '../route';
import { tenantRoutes } from './tenancy/tenants';
import { settingsRoutes } from './tenancy/settings';
import { apiKeyRoutes } from './tenancy/api-keys';
import { auditRoutes } from './tenancy/audit';
import { ruleSetRoutes } from './tenancy/rule-sets';
import { partnerApplicationRoutes } from './onboarding/partner-applications';
import { partnerInvitationRoutes } from './onboarding/partner-invitations';
import { publicApplicationRoutes } from './onboarding/public-applications';
import { partnerRoutes } from './onboarding/partners';
import { tierReviewRoutes } from './tiers/tier-reviews';
import { dealRoutes } from './deals/deals';
import { approvalRoutes } from './deals/approvals';

/** Every versioned route of the API. Each bounded context adds its own list here. */
export const allRoutes: RouteSpec[] = [
  ...tenantRoutes,
  ...settingsRoutes,
  ...apiKeyRoutes,
  ...auditRoutes,
  ...ruleSetRoutes,
  ...partnerApplicationRoutes,
  ...partnerInvitationRoutes,
  ...publicApplicationRoutes,
  ...partnerRoutes,
  ...tierReviewRoutes,
  ...dealRoutes,
  ...approvalRoutes,
] as RouteSpec[];
