import { Context } from '@temporalio/activity';
import { ScheduleNotFoundError } from '@temporalio/client';
import { TenantModel } from '../../models/tenancy/tenant';
import type { TierReviewDoc, TierReviewProposal } from '../../models/tiers/tier-review';
import { tierReviewStore } from '../../models/tiers/tier-review-repository';
import { newId } from '../../platform/ids';
import { asTenantId, type TenantId } from '../../platform/tenant-id';
import { minorUnitDigits } from '../../domain/locale';
import type { TiersRules } from '../../domain/tiers/definition';
import { proposeTierChange } from '../../domain/tiers/evaluate';
import { fromMinor } from '../../domain/money';
import type { Actor } from '../../domain/onboarding/state';
import { metricsFor } from '../../services/tiers/partner-metrics';
import { activePartnersAfter, changeTier } from '../../services/onboarding/partners';
import { ensureTierReviewSchedule, tierReviewScheduleId } from '../../services/tiers/tier-reviews';
import type { TierReviewInput } from '../../workflows/tiers/messages';
import type { Services } from '../../services';

const SYSTEM: Actor = { type: 'system', id: 'tier-review' };
const BATCH = 500;

/** Activities of tier reviews and their schedule. Each is idempotent. */
export function createTierActivities({ services }: { services: Services }) {
  const { ruleSets, audit, conns, config } = services;

  async function reviewOrThrow(tenantId: TenantId, reviewId: string): Promise<TierReviewDoc> {
    const doc = await tierReviewStore(tenantId).byId(reviewId);
    if (!doc) throw new Error(`tier review ${reviewId} does not exist in tenant ${tenantId}`);
    return doc;
  }

  async function rulesOf(tenantId: TenantId, version: number): Promise<TiersRules> {
    const found = await ruleSets.version<TiersRules>(tenantId, 'tiers', version);
    if (!found) throw new Error(`tiers rule set version ${version} does not exist in tenant ${tenantId}`);
    return found.definition;
  }

  function recordProposed(tenantId: TenantId, reviewId: string, ruleSetVersion: number, partnersReviewed: number, proposals: TierReviewProposal[]) {
    return audit.record(tenantId, {
      actor: SYSTEM,
      action: 'tier-review.proposed',
      entity: { type: 'tier-review', id: reviewId },
      data: { ruleSetVersion, partnersReviewed, promotions: proposals.filter((p) => p.change === 'promotion').length, demotions: proposals.filter((p) => p.change === 'demotion').length },
      eventKey: `tier-review.proposed:${reviewId}`,
    });
  }

  return {
    /** Creates the tenant's tier-review schedule (see services/tier-reviews); already there is fine. */
    async ensureTierReviewSchedule(tenantId: string): Promise<string> {
      return ensureTierReviewSchedule(services, asTenantId(tenantId), { updateExisting: false });
    },

    /**
     * Opens the review's record, keyed by workflow id so a retry finds the same one. A scheduled
     * run for a tenant that is gone removes its schedule and does nothing.
     */
    async openTierReview(input: TierReviewInput & { workflowId: string }): Promise<{ reviewId?: string }> {
      const tenantId = asTenantId(input.tenantId);
      const tenant = await TenantModel.findOne({ _id: tenantId }).lean();
      if (!tenant || tenant.status !== 'active') {
        if (!tenant || tenant.status === 'deleted' || tenant.status === 'offboarding') {
          try {
            await conns.clientFor(tenant?.placement.namespace ?? config.temporalNamespace).schedule.getHandle(tierReviewScheduleId(tenantId)).delete();
          } catch (err) {
            if (!(err instanceof ScheduleNotFoundError)) throw err;
          }
        }
        return {};
      }
      const review = await tierReviewStore(tenantId).open({
        reviewId: input.reviewId ?? newId('rev'), workflowId: input.workflowId, trigger: input.trigger, requestedBy: input.requestedBy,
      });
      return { reviewId: review._id };
    },

    /** Evaluates every active partner against the tier rules in force and records the proposals. */
    async computeTierProposals(rawTenantId: string, reviewId: string): Promise<{ proposals: number; autoApply: boolean; approvalTimeout: string | number; ruleSetVersion: number }> {
      // Heartbeats from the start: the workflow notices a dead worker by their absence.
      Context.current().heartbeat(0);
      const tenantId = asTenantId(rawTenantId);
      const reviews = tierReviewStore(tenantId);
      const review = await reviewOrThrow(tenantId, reviewId);
      if (review.ruleSetVersion !== undefined && review.ruleSetVersion !== null) {
        // A retry after the proposals were written: the first attempt may have died before its
        // audit event, so record it again (keyed, so it lands once).
        await recordProposed(tenantId, reviewId, review.ruleSetVersion, review.partnersReviewed ?? 0, review.proposals);
        const pinned = await rulesOf(tenantId, review.ruleSetVersion);
        return { proposals: review.proposals.length, autoApply: pinned.autoApply, approvalTimeout: pinned.approvalTimeout, ruleSetVersion: review.ruleSetVersion };
      }
      const inForce = await ruleSets.inForce<TiersRules>(asTenantId(tenantId), 'tiers');
      if (!inForce) {
        // A tenant provisioned before tiers existed has no rules yet: say so rather than retry forever.
        await reviews.skip(reviewId, 'no tiers rule set in force; publish one with POST /v1/rule-sets/tiers/versions');
        return { proposals: 0, autoApply: false, approvalTimeout: 1, ruleSetVersion: 0 };
      }
      const rules = inForce.definition;
      const digits = minorUnitDigits(rules.currency);
      const asOf = new Date();
      const windowFrom = new Date(asOf.getTime() - rules.trailingWindowDays * 86_400_000);
      const proposals: TierReviewProposal[] = [];
      let reviewed = 0;
      let after = '';
      for (;;) {
        const partners = await activePartnersAfter(tenantId, after, BATCH);
        if (partners.length === 0) break;
        const metrics = await metricsFor(tenantId, partners.map((p) => p._id), { from: windowFrom, to: asOf }, rules.currency);
        for (const [i, partner] of partners.entries()) {
          const proposal = proposeTierChange(rules, partner.tier, metrics[i], digits);
          if (!proposal) continue;
          proposals.push({
            ...proposal,
            partnerName: partner.name,
            metrics: { closedWonRevenue: fromMinor(metrics[i].closedWonRevenueMinor, digits), currency: rules.currency, dealCount: metrics[i].dealCount, trainingCompleted: metrics[i].trainingCompleted },
          });
        }
        reviewed += partners.length;
        after = partners[partners.length - 1]._id;
        Context.current().heartbeat(reviewed);
      }
      // Proposals stay `computing` until the workflow itself opens them for approval (openForApproval),
      // so no decision can reach the workflow before it is ready to take one.
      const status = proposals.length === 0 ? 'no-changes' : 'computing';
      await reviews.recordProposals(reviewId, { status, proposals, partnersReviewed: reviewed, ruleSetVersion: inForce.version, asOf, windowFrom });
      await recordProposed(tenantId, reviewId, inForce.version, reviewed, proposals);
      return { proposals: proposals.length, autoApply: rules.autoApply, approvalTimeout: rules.approvalTimeout, ruleSetVersion: inForce.version };
    },

    /** Applies every proposal as an effective-dated, audited tier change, once per partner. */
    async applyTierReview(rawTenantId: string, reviewId: string, approval: { approvedBy: Actor; effectiveFrom: string; note?: string }): Promise<number> {
      Context.current().heartbeat(0);
      const tenantId = asTenantId(rawTenantId);
      const review = await reviewOrThrow(tenantId, reviewId);
      let applied = 0;
      for (const [done, p] of review.proposals.entries()) {
        Context.current().heartbeat(done);
        const changed = await changeTier(tenantId, p.partnerId, {
          tier: p.toTier, effectiveFrom: new Date(approval.effectiveFrom), reason: `${p.change}: ${p.reason}`, changedBy: approval.approvedBy.id, source: `tier-review:${reviewId}`,
        });
        if (changed) applied += 1;
        await audit.record(asTenantId(tenantId), {
          actor: approval.approvedBy,
          action: 'partner.tier-changed',
          entity: { type: 'partner', id: p.partnerId },
          data: { from: p.fromTier, to: p.toTier, change: p.change, reason: p.reason, effectiveFrom: approval.effectiveFrom, reviewId },
          eventKey: `partner.tier-changed:${p.partnerId}:${reviewId}`,
        });
      }
      await tierReviewStore(tenantId).markApplied(reviewId, { decidedBy: approval.approvedBy.id, effectiveFrom: new Date(approval.effectiveFrom), note: approval.note });
      await audit.record(tenantId, {
        actor: approval.approvedBy,
        action: 'tier-review.applied',
        entity: { type: 'tier-review', id: reviewId },
        data: { changes: review.proposals.length, effectiveFrom: approval.effectiveFrom },
        eventKey: `tier-review.applied:${reviewId}`,
      });
      return applied;
    },

    async openForApproval(tenantId: string, reviewId: string): Promise<void> {
      await tierReviewStore(asTenantId(tenantId)).openForApproval(reviewId);
    },

    async closeTierReview(rawTenantId: string, reviewId: string, close: { status: 'rejected' | 'expired'; by?: Actor; note?: string; at?: string }): Promise<void> {
      const tenantId = asTenantId(rawTenantId);
      await tierReviewStore(tenantId).closeAwaiting(reviewId, { status: close.status, decidedBy: close.by?.id, decidedAt: close.at ? new Date(close.at) : new Date(), note: close.note });
      await audit.record(tenantId, {
        actor: close.by ?? SYSTEM,
        action: `tier-review.${close.status}`,
        entity: { type: 'tier-review', id: reviewId },
        data: { note: close.note },
        eventKey: `tier-review.${close.status}:${reviewId}`,
      });
    },
  };
}

export type TierActivities = ReturnType<typeof createTierActivities>;
