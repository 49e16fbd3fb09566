import { proxyActivities, sleep } from '@temporalio/workflow';
import type { TenancyActivities } from '../activities/tenancy';

const steps = proxyActivities<TenancyActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

/**
 * Removes a tenant: stop its processes first so nothing writes behind us, then delete its data,
 * its Redis traces and its dedicated namespace, and leave a tombstone.
 */
export async function offboardTenant(input: { tenantId: string; requestedBy: string }): Promise<{ deleted: Record<string, number> }> {
  await steps.markTenantOffboarding(input.tenantId);
  await steps.deleteTenantSchedules(input.tenantId);
  // Visibility lags behind, so only two empty sweeps in a row mean nothing is left running.
  let emptySweeps = 0;
  while (emptySweeps < 2) {
    const found = await steps.terminateTenantWorkflows(input.tenantId);
    emptySweeps = found === 0 ? emptySweeps + 1 : 0;
    if (emptySweeps < 2) await sleep('1 second');
  }
  const deleted = await steps.deleteTenantData(input.tenantId);
  await steps.purgeTenantRedisKeys(input.tenantId);
  await steps.removeTemporalPlacement(input.tenantId);
  await steps.markTenantDeleted(input.tenantId);
  return { deleted };
}
