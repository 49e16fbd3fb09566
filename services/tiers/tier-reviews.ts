import { ScheduleNotFoundError, ScheduleAlreadyRunning, ScheduleOverlapPolicy, WorkflowNotFoundError, Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { TierReviewModel, TierReviewDoc } from '../../models/tiers/tier-review';
import { TenantModel, TenantDoc } from '../../models/tenancy/tenant';
import { inTenant } from '../../platform/tenant-context';
import { newId } from '../../platform/ids';
import { tierReviewWorkflow } from '../../domain/workflow-ids';
import { Problem } from '../../api/problem';
import { decideTierReviewUpdate, TierReviewDecision, TierReviewInput } from '../../workflows/tiers/messages';
import { DEFAULT_TIERS_RULES, TiersRules } from '../../domain/tiers/definition';
import { TENANT_ID_ATTRIBUTE } from '../tenant-workflows';
import type { Services } from '..';
import { executeRefusableUpdate } from '../tenant-workflows';
import { isDuplicateKey } from '../../platform/store-errors';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';

/** Tier reviews as the API sees them: run one now, read them, approve or reject their proposals. */
export const tierReviewScheduleId = (tenantId: string): string => `${tenantId}/tier-review-schedule`;

/**
 * Temporal refuses a bad spec with a TypeError. Publishing checks the cron now, but a version
 * published before that check may still be in force: a 409 that says so, not a 500.
 */
function refusedSpec(err: unknown, version: number | undefined): unknown {
  if (!(err instanceof TypeError)) return err;
  return new Problem('conflict', `the tiers rule set in force${version ? ` (version ${version})` : ''} has a schedule Temporal refuses (${err.message}); publish a corrected one`);
}

/**
 * The tenant's tier-review schedule, in the tenant's own namespace, on the cron of its tiers rule
 * set in the tenant's time zone (quarterly by default). Scheduled runs carry the TenantId search
 * attribute like every tenant workflow. `updateExisting` re-reads the rules into an existing
 * schedule (after a new tiers rule set changed the cron).
 */
export async function ensureTierReviewSchedule(services: Services, tenantId: string, opts: { updateExisting: boolean }): Promise<string> {
  const tenant = await TenantModel.findOne({ _id: tenantId }).lean();
  if (!tenant) throw new Error(`tenant ${tenantId} does not exist`);
  const rules = await services.ruleSets.inForce<TiersRules>(tenantId, 'tiers');
  const spec = { cronExpressions: [rules?.definition.schedule.cron ?? DEFAULT_TIERS_RULES.schedule.cron], timezone: tenant.settings?.timezone };
  const attributes = new TypedSearchAttributes([{ key: TENANT_ID_ATTRIBUTE, value: tenantId }]);
  const args: [TierReviewInput] = [{ tenantId, trigger: 'schedule', requestedBy: 'schedule' }];
  const client = services.conns.clientFor(tenant.placement.namespace);
  try {
    await client.schedule.create({
      scheduleId: tierReviewScheduleId(tenantId),
      spec,
      action: {
        type: 'startWorkflow',
        workflowType: tierReviewWorkflow.type,
        taskQueue: services.config.temporalTaskQueue,
        workflowId: tierReviewWorkflow.id(tenantId, 'scheduled'),
        args,
        typedSearchAttributes: attributes,
      },
      typedSearchAttributes: attributes,
      // A review still waiting for approval makes the next one wait its turn rather than pile up.
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      state: { note: `tier review for tenant ${tenantId}` },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw refusedSpec(err, rules?.version);
    if (opts.updateExisting) {
      await client.schedule.getHandle(tierReviewScheduleId(tenantId)).update((previous) => ({ ...previous, spec })).catch((e) => {
        throw refusedSpec(e, rules?.version);
      });
    }
  }
  return tierReviewScheduleId(tenantId);
}

export async function requestTierReview(services: Services, tenant: TenantDoc, requestedBy: string, reviewId: string = newId('rev')): Promise<TierReviewDoc> {
  const workflowId = tierReviewWorkflow.id(tenant._id, reviewId);
  // By id, so a retried request (same id) finds the review and the workflow it already started.
  const doc = await inTenant(tenant._id, async () => {
    try {
      return (await TierReviewModel.create({ _id: reviewId, workflowId, trigger: 'on-demand', requestedBy, status: 'computing', proposals: [] })).toObject();
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      return (await TierReviewModel.findOne({ _id: reviewId }).lean())!;
    }
  });
  const input: TierReviewInput = { tenantId: tenant._id, reviewId, trigger: 'on-demand', requestedBy };
  try {
    await services.workflows.start(tenant, tierReviewWorkflow, reviewId, [input]);
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return doc;
}

export function getTierReview(tenantId: string, reviewId: string): Promise<TierReviewDoc | null> {
  return inTenant(tenantId, () => TierReviewModel.findOne({ _id: reviewId }).lean());
}

export function listTierReviews(tenantId: string, filter: { before?: string; limit: number }): Promise<TierReviewDoc[]> {
  return inTenant(tenantId, () => TierReviewModel.find(filter.before ? { _id: { $lt: filter.before } } : {}, { proposals: 0 }).sort({ _id: -1 }).limit(filter.limit + 1).lean());
}

export async function decideTierReview(services: Services, tenant: TenantDoc, review: TierReviewDoc, decision: TierReviewDecision): Promise<{ status: string }> {
  if (review.status !== 'awaiting-approval') throw new Problem('decision-refused', `the review is ${review.status}; it takes no decision now`);
  // Scheduled reviews carry the schedule's run suffix in their id, so the handle comes from the record.
  const handle = services.workflows.client(tenant).workflow.getHandle(review.workflowId);
  return executeRefusableUpdate(handle, decideTierReviewUpdate, decision, 'the review process has ended');
}

export async function describeSchedule(services: Services, tenant: TenantDoc): Promise<{ scheduleId: string; calendars: unknown[]; timezone?: string; paused: boolean; nextRuns: string[]; recentRuns: string[] } | null> {
  try {
    const described = await services.workflows.client(tenant).schedule.getHandle(tierReviewScheduleId(tenant._id)).describe();
    return {
      scheduleId: described.scheduleId,
      calendars: described.spec.calendars ?? [],
      timezone: described.spec.timezone,
      paused: described.state.paused,
      nextRuns: described.info.nextActionTimes.slice(0, 4).map((d) => d.toISOString()),
      recentRuns: described.info.recentActions.map((a) => a.takenAt.toISOString()),
    };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return null;
    throw err;
  }
}

/** The workflow's status name, or "not-found" when Temporal has no such workflow. */
async function workflowStatus(client: Client, workflowId: string): Promise<string> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'not-found';
    throw err;
  }
}

/**
 * Closes the tenant's reviews stuck in `computing` for longer than `olderThanMs` whose workflow is
 * no longer running (it never started, failed, was terminated, or ended without writing): nothing
 * would ever move them, and they read as a review in progress. A review whose workflow still runs
 * is left alone, however old (a worker outage only delays it). Returns the ids it closed; safe to
 * run again and from several processes (the update only moves `computing`, the audit is keyed).
 */
export async function reapStaleTierReviews(services: Services, tenantId: string, olderThanMs: number): Promise<string[]> {
  const tenant = await TenantModel.findOne({ _id: tenantId }).lean();
  if (!tenant) return [];
  const cutoff = new Date(Date.now() - olderThanMs);
  const stale = await inTenant(tenantId, () => TierReviewModel.find({ status: 'computing', createdAt: { $lt: cutoff } }, { _id: 1, workflowId: 1 }).sort({ _id: 1 }).limit(200).lean());
  const client = services.workflows.client(tenant);
  const reaped: string[] = [];
  for (const review of stale) {
    const status = await workflowStatus(client, review.workflowId);
    if (status === 'RUNNING') continue;
    const note = `the review process is ${status === 'not-found' ? 'not running (it never started)' : status.toLowerCase()}; closed unfinished`;
    const closed = await inTenant(tenantId, () => TierReviewModel.updateOne({ _id: review._id, status: 'computing' }, { $set: { status: 'skipped', decisionNote: note } }));
    if (closed.matchedCount === 0) continue;
    await services.audit.record(tenantId, {
      actor: { type: 'system', id: 'tier-review-reaper' },
      action: 'tier-review.abandoned',
      entity: { type: 'tier-review', id: review._id },
      data: { workflowStatus: status, note },
      eventKey: `tier-review.abandoned:${review._id}`,
    });
    reaped.push(review._id);
  }
  return reaped;
}
