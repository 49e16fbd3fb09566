/**
 * Workflow ids, one function per kind of process. Tenant processes are `<tenantId>/<kind>/<id>`
 * so a pooled namespace stays partitioned by prefix; platform processes are `platform/<kind>/<id>`.
 */
export const tenantWorkflowId = (tenantId: string, kind: string, id: string): string => `${tenantId}/${kind}/${id}`;

export const platformWorkflowId = (kind: string, id: string): string => `platform/${kind}/${id}`;

export const provisioningWorkflowId = (tenantId: string): string => platformWorkflowId('tenant-provisioning', tenantId);
export const offboardingWorkflowId = (tenantId: string): string => platformWorkflowId('tenant-offboarding', tenantId);

/** Dedicated tenants get a namespace of their own, named after their id (stable, unique). */
export const dedicatedNamespace = (tenantId: string): string => `trellis-${tenantId.replace('_', '-')}`;
