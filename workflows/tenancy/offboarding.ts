import { proxyActivities, sleep, patched, type RetryPolicy } from '@temporalio/workflow';
import type { TenancyActivities } from '../../activities/tenancy/index';

const retry: RetryPolicy = { initialInterval: '1s', maximumInterval: '30s' };

/** Steps that touch one record time out fast; a killed worker costs seconds, not minutes. */
const steps = proxyActivities<TenancyActivities>({ startToCloseTimeout: '30 seconds', retry });

/** Sweeps over many records heartbeat, so a killed worker is noticed within the heartbeat timeout. */
const sweeps = proxyActivities<TenancyActivities>({ startToCloseTimeout: '10 minutes', heartbeatTimeout: '10 seconds', retry });

/**
 * Removes a tenant: stop its processes first so nothing writes behind us (a provisioning still
 * running, exports, workflows, schedules), then delete its data, its Redis traces and its
 * dedicated namespace, and leave a tombstone.
 */
export async function offboardTenant(input: { tenantId: string; requestedBy: string }): Promise<{ deleted: Record<string, number> }> {
  await steps.markTenantOffboarding(input.tenantId);
  // Patched so offboardings recorded before still replay.
  const stopWriters = patched('offboarding-stops-provisioning-and-exports');
  if (stopWriters) {
    await steps.stopTenantProvisioning(input.tenantId);
    // Running exports stop at their next write now that the tenant is offboarding; wait for them.
    while ((await sweeps.stopTenantExports(input.tenantId)) > 0) await sleep('1 second');
  }
  await sweeps.deleteTenantSchedules(input.tenantId);
  // Visibility lags behind, so only two empty sweeps in a row mean nothing is left running.
  let emptySweeps = 0;
  while (emptySweeps < 2) {
    const found = await sweeps.terminateTenantWorkflows(input.tenantId);
    emptySweeps = found === 0 ? emptySweeps + 1 : 0;
    if (emptySweeps < 2) await sleep('1 second');
  }
  const deleted = await sweeps.deleteTenantData(input.tenantId);
  await sweeps.purgeTenantRedisKeys(input.tenantId);
  await steps.removeTemporalPlacement(input.tenantId);
  // A last sweep for anything a step already in flight when its workflow was stopped wrote.
  if (stopWriters) await sweeps.deleteTenantData(input.tenantId);
  await steps.markTenantDeleted(input.tenantId);
  return { deleted };
}
