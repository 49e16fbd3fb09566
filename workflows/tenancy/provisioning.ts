import { proxyActivities, ApplicationFailure, log, patched, type RetryPolicy } from '@temporalio/workflow';
import type { TenancyActivities } from '../../activities/tenancy/index';
import type { TierActivities } from '../../activities/tiers/index';
import type { ProvisionInput } from '../../services/tenancy/tenants';

const retry: RetryPolicy = { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 8 };

/** Short steps time out fast, so a worker killed mid-step delays provisioning by seconds only. */
const steps = proxyActivities<TenancyActivities>({ startToCloseTimeout: '15 seconds', retry });

/** Index creation and namespace registration can take long: they heartbeat instead. */
const longSteps = proxyActivities<TenancyActivities>({ startToCloseTimeout: '5 minutes', heartbeatTimeout: '10 seconds', retry });

const tierSteps = proxyActivities<TierActivities>({ startToCloseTimeout: '15 seconds', retry });

const bookkeeping = proxyActivities<TenancyActivities>({ startToCloseTimeout: '15 seconds' });

/**
 * Provisions a tenant: its indexes, its place in Temporal, its default rules and its first admin
 * key, then opens it for business. Every step is idempotent, so a crash anywhere resumes safely.
 */
export async function provisionTenant(input: ProvisionInput): Promise<{ status: 'active' | 'failed' }> {
  try {
    await longSteps.ensureTenantIndexes();
    await longSteps.setUpTemporalPlacement(input.tenantId);
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
