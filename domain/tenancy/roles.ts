/** Roles a tenant's key can hold. Partner, supplier and manufacturer keys are bound to one party. */
export const TENANT_ROLES = ['tenant-admin', 'approver', 'finance', 'partner', 'supplier', 'manufacturer'] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];
export const PARTY_ROLES: readonly TenantRole[] = ['partner', 'supplier', 'manufacturer'];
/** The tenant's own people, as opposed to the parties it works with. */
export const STAFF_ROLES: readonly TenantRole[] = ['tenant-admin', 'approver', 'finance'];
