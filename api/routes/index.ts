import type { RouteSpec } from '../route';
import { tenantRoutes } from './tenants';
import { settingsRoutes } from './settings';
import { apiKeyRoutes } from './api-keys';
import { auditRoutes } from './audit';
import { ruleSetRoutes } from './rule-sets';

/** Every versioned route of the API. Each bounded context adds its own list here. */
export const allRoutes: RouteSpec[] = [
  ...tenantRoutes,
  ...settingsRoutes,
  ...apiKeyRoutes,
  ...auditRoutes,
  ...ruleSetRoutes,
] as RouteSpec[];
