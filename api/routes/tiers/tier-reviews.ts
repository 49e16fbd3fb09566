import { Type, type Static } from '@sinclair/typebox';
import { route, STAFF_ROLES } from '../../route';
import { Obj, IdParams, PageQuery, Page, type Paged } from '../../schemas';
import { auditActor } from '../../context';
import { decodeCursor, pageOf } from '../../../services/pagination';
import { asTenantId } from '../../../platform/tenant-id';
import {
  requestTierReview, getTierReview, listTierReviews, decideTierReview, tierReviewSchedule, syncTierReviewSchedule,
} from '../../../services/tiers/tier-reviews';
import { TIER_REVIEW_STATUSES } from '../../../domain/tiers/review-status';
import { TIER_CHANGE_KINDS } from '../../../domain/tiers/evaluate';
import type { TierReviewDoc } from '../../../models/tiers/tier-review';

const iso = (d?: Date | string | null) => (d ? new Date(d).toISOString() : undefined);

const ProposalView = Type.Object({
  partnerId: Type.String(),
  partnerName: Type.String(),
  fromTier: Type.String(),
  toTier: Type.String(),
  change: Type.String({ enum: [...TIER_CHANGE_KINDS] }),
  reason: Type.String(),
  metrics: Type.Object({ closedWonRevenue: Type.String(), currency: Type.String(), dealCount: Type.Integer(), trainingCompleted: Type.Array(Type.String()) }),
});

const ReviewView = Obj({
  id: Type.String(),
  trigger: Type.String(),
  requestedBy: Type.String(),
  status: Type.String({ enum: [...TIER_REVIEW_STATUSES] }),
  ruleSetVersion: Type.Optional(Type.Integer()),
  asOf: Type.Optional(Type.String()),
  windowFrom: Type.Optional(Type.String()),
  partnersReviewed: Type.Integer(),
  proposals: Type.Optional(Type.Array(ProposalView)),
  decidedBy: Type.Optional(Type.String()),
  decidedAt: Type.Optional(Type.String()),
  decisionNote: Type.Optional(Type.String()),
  effectiveFrom: Type.Optional(Type.String()),
  createdAt: Type.String(),
});

const ScheduleView = Obj({ scheduleId: Type.String(), calendars: Type.Array(Type.Unknown()), timezone: Type.Optional(Type.String()), paused: Type.Boolean(), nextRuns: Type.Array(Type.String()), recentRuns: Type.Array(Type.String()) });

const view = (r: TierReviewDoc) => ({
  id: r._id,
  trigger: r.trigger,
  requestedBy: r.requestedBy,
  status: r.status,
  ruleSetVersion: r.ruleSetVersion,
  asOf: iso(r.asOf),
  windowFrom: iso(r.windowFrom),
  partnersReviewed: r.partnersReviewed ?? 0,
  proposals: r.proposals,
  decidedBy: r.decidedBy,
  decidedAt: iso(r.decidedAt),
  decisionNote: r.decisionNote,
  effectiveFrom: iso(r.effectiveFrom),
  createdAt: iso(r.createdAt)!,
});

const ListQuery = Obj({ ...PageQuery });
const ReviewParams = IdParams('rev');
const DecisionBody = Obj({ decision: Type.Union([Type.Literal('approve'), Type.Literal('reject')]), note: Type.Optional(Type.String({ maxLength: 2000 })) });

export const tierReviewRoutes = [
  route({
    method: 'post',
    path: '/v1/tier-reviews',
    tag: 'Partner tiers',
    summary: 'Run a tier review now (besides the scheduled one); its proposals wait for approval unless the tiers rules auto-apply',
    access: ['tenant-admin'],
    responses: { 202: { description: 'The review, computing', schema: ReviewView } },
    async handler({ tenant, services, actor, requestId, operation }) {
      // The review's id derives from the Idempotency-Key: a retry finds the review it started.
      const review = await requestTierReview(services, asTenantId(tenant._id), tenant.placement, { actor: auditActor(actor), requestId, reviewId: operation.id('rev') });
      return { status: 202, body: view(review), headers: { Location: `/v1/tier-reviews/${review._id}` } };
    },
  }),
  route({
    method: 'get',
    path: '/v1/tier-reviews/schedule',
    tag: 'Partner tiers',
    summary: "The tenant's tier-review schedule: next and recent runs",
    access: ['tenant-admin'],
    responses: { 200: { description: 'The schedule', schema: ScheduleView } },
    async handler({ tenant, services }) {
      return { status: 200, body: await tierReviewSchedule(services, asTenantId(tenant._id), tenant.placement) };
    },
  }),
  route({
    method: 'post',
    path: '/v1/tier-reviews/schedule',
    tag: 'Partner tiers',
    summary: 'Re-read the tiers rule set in force into the schedule (after publishing a new cron); creates it if missing',
    access: ['tenant-admin'],
    responses: { 200: { description: 'The schedule', schema: ScheduleView } },
    async handler({ tenant, services, actor, requestId }) {
      return { status: 200, body: await syncTierReviewSchedule(services, asTenantId(tenant._id), tenant.placement, { actor: auditActor(actor), requestId }) };
    },
  }),
  route<unknown, Paged<Static<typeof ListQuery>>>({
    method: 'get',
    path: '/v1/tier-reviews',
    tag: 'Partner tiers',
    summary: 'Tier reviews, newest first (without their proposals)',
    access: STAFF_ROLES,
    query: ListQuery,
    responses: { 200: { description: 'A page of reviews', schema: Page(ReviewView) } },
    async handler({ tenant, query }) {
      const docs = await listTierReviews(asTenantId(tenant._id), { before: decodeCursor(query.cursor), limit: query.limit });
      const { page, nextCursor } = pageOf(docs, query.limit);
      return { status: 200, body: { items: page.map((r) => ({ ...view(r), proposals: undefined })), nextCursor } };
    },
  }),
  route<unknown, unknown, Static<typeof ReviewParams>>({
    method: 'get',
    path: '/v1/tier-reviews/:id',
    tag: 'Partner tiers',
    summary: 'One review with every proposed promotion and demotion and its reason',
    access: STAFF_ROLES,
    params: ReviewParams,
    responses: { 200: { description: 'The review', schema: ReviewView } },
    async handler({ tenant, params }) {
      return { status: 200, body: view(await getTierReview(asTenantId(tenant._id), params.id)) };
    },
  }),
  route<Static<typeof DecisionBody>, unknown, Static<typeof ReviewParams>>({
    method: 'post',
    path: '/v1/tier-reviews/:id/decision',
    tag: 'Partner tiers',
    summary: 'Approve (apply every proposal, effective now) or reject a review',
    access: ['tenant-admin'],
    params: ReviewParams,
    body: DecisionBody,
    responses: { 200: { description: 'The review after the decision', schema: ReviewView } },
    async handler({ tenant, params, body, services, actor }) {
      const review = await decideTierReview(services, asTenantId(tenant._id), tenant.placement, params.id, { ...body, actor: auditActor(actor) });
      return { status: 200, body: view(review) };
    },
  }),
];
