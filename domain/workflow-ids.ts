/**
 * Each kind of process: its workflow type (the function `workflows/index.ts` exports under that
 * name) and how its ids are built. Starting, finding and reaping a process all go through these,
 * so an id is spelled in one place. Tenant processes are `<tenantId>/<kind>/<id>`, so a pooled
 * namespace stays partitioned by prefix; platform processes are `platform/<kind>/<tenantId>`.
 */
export interface TenantProcess {
  readonly type: string;
  readonly kind: string;
  id(tenantId: string, id: string): string;
}

export interface PlatformProcess {
  readonly type: string;
  id(tenantId: string): string;
}

const tenantProcess = (kind: string, type: string): TenantProcess => ({ kind, type, id: (tenantId, id) => `${tenantId}/${kind}/${id}` });
const platformProcess = (kind: string, type: string): PlatformProcess => ({ type, id: (tenantId) => `platform/${kind}/${tenantId}` });

export const dealWorkflow = tenantProcess('deal', 'dealApproval');
export const onboardingWorkflow = tenantProcess('partner-onboarding', 'partnerOnboarding');
export const tierReviewWorkflow = tenantProcess('tier-review', 'tierReview');
export const purchaseOrderWorkflow = tenantProcess('purchase-order', 'purchaseOrder');
export const payoutRunWorkflow = tenantProcess('payout-run', 'payoutRun');

export const provisioningWorkflow = platformProcess('tenant-provisioning', 'provisionTenant');
export const offboardingWorkflow = platformProcess('tenant-offboarding', 'offboardTenant');

/** Dedicated tenants get a namespace of their own, named after their id (stable, unique). */
export const dedicatedNamespace = (tenantId: string): string => `trellis-${tenantId.replace('_', '-')}`;
