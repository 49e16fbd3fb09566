/** Where a tenant is in its life: provisioned, open for business, being removed, gone, or failed to start. */
export const TENANT_STATUSES = ['provisioning', 'active', 'offboarding', 'deleted', 'failed'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/** Pooled tenants share the platform's Temporal namespace; dedicated ones get their own. */
export const ISOLATIONS = ['pooled', 'dedicated'] as const;
export type Isolation = (typeof ISOLATIONS)[number];
