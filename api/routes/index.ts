import type { RouteSpec } from '../route';
import { tenantRoutes } from './tenants';
import { settingsRoutes } from './settings';
import { apiKeyRoutes } from './api-keys';
import { auditRoutes } from './audit';
import { ruleSetRoutes } from './rule-sets';
import { partnerApplicationRoutes } from './partner-applications';
import { partnerInvitationRoutes } from './partner-invitations';
import { publicApplicationRoutes } from './public-applications';
import { partnerRoutes } from './partners';
import { tierReviewRoutes } from './tier-reviews';
import { dealRoutes } from './deals';
import { approvalRoutes } from './approvals';

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
