import type { AreaManifest } from './manifest';
import type * as workflows from '../workflows/tenancy';
import { tenantRoutes } from '../api/routes/tenancy/tenants';
import { settingsRoutes } from '../api/routes/tenancy/settings';
import { apiKeyRoutes } from '../api/routes/tenancy/api-keys';
import { auditRoutes } from '../api/routes/tenancy/audit';
import { ruleSetRoutes } from '../api/routes/tenancy/rule-sets';
import { consoleSessionRoutes } from '../api/routes/tenancy/console-sessions';
import { createTenancyActivities } from '../activities/tenancy/index';
import { TenantModel } from '../models/tenancy/tenant';
import { PlatformSecretModel } from '../models/tenancy/platform-secret';
import { ApiKeyModel } from '../models/tenancy/api-key';
import { AdminKeyRevocationModel } from '../models/tenancy/admin-key-revocation';
import { AuditEventModel } from '../models/tenancy/audit-event';
import { AuditHeadModel } from '../models/tenancy/audit-head';
import { AuditCheckpointModel } from '../models/tenancy/audit-checkpoint';
import { AuditOutboxModel } from '../models/tenancy/audit-outbox';
import { RuleSetModel } from '../models/tenancy/rule-set';
import { SettingsVersionModel } from '../models/tenancy/settings-version';
import { TenantExportModel, TenantExportChunkModel } from '../models/tenancy/tenant-export';
import { reapStaleTenants } from '../services/tenancy/tenants';
import { relayOutbox } from '../services/tenancy/outbox';

/** Tenants and their lifecycle, settings, API keys, the audit trail and rule sets. */
export const tenancy = {
  name: 'tenancy',
  routes: [...tenantRoutes, ...settingsRoutes, ...apiKeyRoutes, ...auditRoutes, ...ruleSetRoutes, ...consoleSessionRoutes],
  createActivities: createTenancyActivities,
  workflows: ['provisionTenant', 'offboardTenant'] satisfies (keyof typeof workflows)[],
  models: {
    tenant: [
      ApiKeyModel, AdminKeyRevocationModel, AuditEventModel, AuditHeadModel, AuditCheckpointModel, AuditOutboxModel,
      RuleSetModel, SettingsVersionModel, TenantExportModel, TenantExportChunkModel,
    ],
    platform: [TenantModel, PlatformSecretModel],
  },
  // Rule sets are tenancy's, but their kinds belong to the areas whose rules they are.
  ruleKinds: [],
  partyLookups: {},
  reapers: {
    platform: [{ name: 'stale-tenants', run: (services, olderThanMs) => reapStaleTenants(services, olderThanMs) }],
    // The outbox first of all (tenancy is first in AREAS): an audit event whose change happened is
    // appended before anything is closed.
    tenant: [{ name: 'outbox', run: (services, tenantId) => relayOutbox(services, tenantId) }],
  },
} satisfies AreaManifest;
