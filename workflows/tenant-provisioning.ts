import { proxyActivities, ApplicationFailure, log, patched } from '@temporalio/workflow';
import type { TenancyActivities } from '../activities/tenancy';
import type { TierActivities } from '../activities/tiers';
import type { ProvisionInput } from '../services/tenants';

const steps = proxyActivities<TenancyActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 8 },
});

const tierSteps = proxyActivities<TierActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 8 },
});

const bookkeeping = proxyActivities<TenancyActivities>({ startToCloseTimeout: '30 seconds' });

/**
 * Provisions a tenant: its indexes, its place in Temporal, its default rules and its first admin
 * key, then opens it for business. Every step is idempotent, so a crash anywhere resumes safely.
 */
export async function provisionTenant(input: ProvisionInput): Promise<{ status: 'active' | 'failed' }> {
  try {
    await steps.ensureTenantIndexes();
    await steps.setUpTemporalPlacement(input.tenantId);
    await steps.seedDefaultRuleSets(input.tenantId);
    await steps.createFirstAdminKey(input);
    // Every tenant gets its scheduled tier review; patched so histories from before still replay.
    if (patched('tier-review-schedule')) await tierSteps.ensureTierReviewSchedule(input.tenantId);
    await steps.activateTenant(input.tenantId);
    return { status: 'active' };
  } catch (err) {
    const reason = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    log.error('tenant provisioning failed', { tenantId: input.tenantId, reason });
    await bookkeeping.markTenantFailed(input.tenantId, reason);
    if (err instanceof ApplicationFailure) throw err;
    return { status: 'failed' };
  }
}
