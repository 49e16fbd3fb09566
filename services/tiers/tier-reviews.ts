import { ScheduleNotFoundError, ScheduleAlreadyRunning, ScheduleOverlapPolicy, WorkflowNotFoundError, WorkflowExecutionAlreadyStartedError, Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { tierReviewStore } from '../../models/tiers/tier-review-repository';
import type { TierReviewDoc } from '../../models/tiers/tier-review';
import { TenantModel, type TenantDoc } from '../../models/tenancy/tenant';
import type { AuditActor } from '../../models/tenancy/audit-event';
import type { TenantId } from '../../platform/tenant-id';
import { tierReviewWorkflow } from '../../domain/workflow-ids';
import { DomainError, conflict, notFound } from '../../domain/errors';
import { DEFAULT_TIERS_RULES, TiersRules } from '../../domain/tiers/definition';
import { decideTierReviewUpdate, TierReviewDecision, TierReviewInput } from '../../workflows/tiers/messages';
import { TENANT_ID_ATTRIBUTE, executeRefusableUpdate } from '../tenant-workflows';
import { withAudit } from '../tenancy/outbox';
import type { Services } from '..';

/** Tier reviews: run one now, read them, approve or reject their proposals, and their schedule. */

export const tierReviewScheduleId = (tenantId: string): string => `${tenantId}/tier-review-schedule`;

/**
 * Temporal refuses a bad spec with a TypeError. Publishing checks the cron now, but a version
 * published before that check may still be in force: a conflict that says so, not a 500.
 */
function refusedSpec(err: unknown, version: number | undefined): unknown {
  if (!(err instanceof TypeError)) return err;
  return conflict(`the tiers rule set in force${version ? ` (version ${version})` : ''} has a schedule Temporal refuses (${err.message}); publish a corrected one`);
}

/**
 * The tenant's tier-review schedule, in the tenant's own namespace, on the cron of its tiers rule
 * set in the tenant's time zone (quarterly by default). Scheduled runs carry the TenantId search
 * attribute like every tenant workflow. `updateExisting` re-reads the rules into an existing
 * schedule (after a new tiers rule set changed the cron).
 */
export async function ensureTierReviewSchedule(services: Services, tenantId: TenantId, opts: { updateExisting: boolean }): Promise<string> {
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

/**
 * Runs a review now. Its id comes from the request's Idempotency-Key, so a retry finds the review
 * and the workflow it already started; the request is audited through the outbox.
 */
export async function requestTierReview(services: Services, tenantId: TenantId, placement: TenantDoc['placement'], by: { actor: AuditActor; requestId: string; reviewId: string }): Promise<TierReviewDoc> {
  const { reviewId } = by;
  const requestedBy = by.actor.id;
  const event = { actor: by.actor, action: 'tier-review.requested', entity: { type: 'tier-review', id: reviewId }, requestId: by.requestId, eventKey: `tier-review.requested:${reviewId}` };
  return withAudit(services, tenantId, event, { model: 'TierReview', filter: { _id: reviewId } }, async () => {
    const workflowId = tierReviewWorkflow.id(tenantId, reviewId);
    const review = await tierReviewStore(tenantId).open({ reviewId, workflowId, trigger: 'on-demand', requestedBy });
    const input: TierReviewInput = { tenantId, reviewId, trigger: 'on-demand', requestedBy };
    try {
      await services.workflows.start({ _id: tenantId, placement }, tierReviewWorkflow, reviewId, [input]);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    return review;
  });
}

/** The review with its proposals, or a not-found refusal. */
export async function getTierReview(tenantId: TenantId, reviewId: string): Promise<TierReviewDoc> {
  const review = await tierReviewStore(tenantId).byId(reviewId);
  if (!review) throw notFound(`tier review ${reviewId}`);
  return review;
}

/** One more than `limit`, newest first, without proposals. */
export function listTierReviews(tenantId: TenantId, filter: { before?: string; limit: number }): Promise<TierReviewDoc[]> {
  return tierReviewStore(tenantId).list(filter);
}

/** Approves (every proposal, effective now) or rejects a review waiting for approval; answers the review after it. */
export async function decideTierReview(
  services: Services,
  tenantId: TenantId,
  placement: TenantDoc['placement'],
  reviewId: string,
  decision: Omit<TierReviewDecision, 'decidedAt'>,
): Promise<TierReviewDoc> {
  const review = await getTierReview(tenantId, reviewId);
  if (review.status !== 'awaiting-approval') throw new DomainError('decision-refused', `the review is ${review.status}; it takes no decision now`);
  // Scheduled reviews carry the schedule's run suffix in their id, so the handle comes from the record.
  const handle = services.workflows.client({ placement }).workflow.getHandle(review.workflowId);
  await executeRefusableUpdate(handle, decideTierReviewUpdate, { ...decision, decidedAt: new Date().toISOString() }, 'the review process has ended');
  return getTierReview(tenantId, reviewId);
}

/** The tenant's tier-review schedule: its calendar and next and recent runs, or a not-found refusal. */
export async function tierReviewSchedule(services: Services, tenantId: TenantId, placement: TenantDoc['placement']) {
  try {
    const described = await services.workflows.client({ placement }).schedule.getHandle(tierReviewScheduleId(tenantId)).describe();
    return {
      scheduleId: described.scheduleId,
      calendars: described.spec.calendars ?? [],
      timezone: described.spec.timezone,
      paused: described.state.paused,
      nextRuns: described.info.nextActionTimes.slice(0, 4).map((d) => d.toISOString()),
      recentRuns: described.info.recentActions.map((a) => a.takenAt.toISOString()),
    };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw notFound('the tier-review schedule');
    throw err;
  }
}

/** Re-reads the tiers rule set in force into the schedule (creating it if missing), audited. */
export async function syncTierReviewSchedule(services: Services, tenantId: TenantId, placement: TenantDoc['placement'], by: { actor: AuditActor; requestId: string }) {
  const scheduleId = await ensureTierReviewSchedule(services, tenantId, { updateExisting: true });
  await services.audit.record(tenantId, { actor: by.actor, action: 'tier-review.schedule-synced', entity: { type: 'schedule', id: scheduleId }, requestId: by.requestId });
  return tierReviewSchedule(services, tenantId, placement);
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
export async function reapStaleTierReviews(services: Services, tenantId: TenantId, olderThanMs: number): Promise<string[]> {
  const tenant = await TenantModel.findOne({ _id: tenantId }).lean();
  if (!tenant) return [];
  const store = tierReviewStore(tenantId);
  const stale = await store.computingBefore(new Date(Date.now() - olderThanMs), 200);
  const client = services.workflows.client(tenant);
  const reaped: string[] = [];
  for (const review of stale) {
    const status = await workflowStatus(client, review.workflowId);
    if (status === 'RUNNING') continue;
    const note = `the review process is ${status === 'not-found' ? 'not running (it never started)' : status.toLowerCase()}; closed unfinished`;
    if (!(await store.skip(review._id, note))) continue;
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
