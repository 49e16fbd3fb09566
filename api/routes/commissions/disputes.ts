import { Type, Static } from '@sinclair/typebox';
import { typedRoute } from '../../route';
import { Obj, Id, IdParams, PageQuery, Limit } from '../../schemas';
import { Problem } from '../../problem';
import { auditActor, type Actor } from '../../context';
import { fromMinor } from '../../../domain/money';
import { invalid } from '../../../domain/errors';
import { minorUnitDigits } from '../../../domain/locale';
import type { PayoutDisputeDoc } from '../../../models/commissions/payout-dispute';
import { PAYOUT_RUN_ID_PATTERN, getPayoutRun } from '../../../services/commissions/payout-runs';
import { getDispute, listDisputes, openDispute, resolveDispute } from '../../../services/commissions/disputes';
import { ownPartnerOnly } from './payout-runs';

/** Disputes of statement lines: partners open them on their own approved statements, finance resolves them. */

const DisputeView = Obj({
  id: Type.String(),
  runId: Type.String(),
  period: Type.String(),
  partnerId: Type.String(),
  line: Type.Integer({ description: 'index of the disputed line in the statement' }),
  lineKind: Type.String(),
  dealId: Type.Optional(Type.String()),
  lineAmount: Type.String(),
  currency: Type.String(),
  reason: Type.String(),
  status: Type.String({ description: 'open, accepted or rejected' }),
  openedBy: Type.String(),
  createdAt: Type.String(),
  resolution: Type.Optional(Obj({
    decision: Type.String(),
    amountMinor: Type.Optional(Type.Integer()),
    amount: Type.Optional(Type.String()),
    comment: Type.String(),
    by: Type.String(),
    at: Type.String(),
  })),
});

function disputeView(d: PayoutDisputeDoc): Static<typeof DisputeView> {
  const money = (minor: number) => fromMinor(minor, minorUnitDigits(d.currency));
  const r = d.resolution;
  return {
    id: d._id, runId: d.runId, period: d.period, partnerId: d.partnerId, line: d.line, lineKind: d.lineKind, dealId: d.dealId,
    lineAmount: money(d.lineAmountMinor), currency: d.currency, reason: d.reason, status: d.status, openedBy: d.openedBy,
    createdAt: new Date(d.createdAt).toISOString(),
    resolution: r && { decision: r.decision, amountMinor: r.amountMinor, amount: r.amountMinor === undefined ? undefined : money(r.amountMinor), comment: r.comment, by: r.by, at: new Date(r.at).toISOString() },
  };
}

function partnerOf(actor: Actor): string {
  if (actor.kind !== 'key' || actor.role !== 'partner' || !actor.partyId) throw new Problem('forbidden', 'a dispute is opened with the partner\'s own key');
  return actor.partyId;
}

const RunParams = Obj({ id: Type.String({ pattern: PAYOUT_RUN_ID_PATTERN }) });
const OpenBody = Obj({
  line: Type.Integer({ minimum: 0, maximum: 100_000, description: 'index of the line in your statement of this run' }),
  reason: Type.String({ minLength: 1, maxLength: 2000 }),
});
const Status = Type.Union([Type.Literal('open'), Type.Literal('accepted'), Type.Literal('rejected')]);
const ListQuery = Obj({ status: Type.Optional(Status), ...PageQuery });
const ResolveBody = Obj({
  decision: Type.Union([Type.Literal('accept'), Type.Literal('reject')]),
  amountMinor: Type.Optional(Type.Integer({ minimum: -1_000_000_000_000, maximum: 1_000_000_000_000, description: 'accept: what the partner\'s next run adds, in minor units of the run currency (negative recovers)' })),
  comment: Type.Optional(Type.String({ maxLength: 2000, description: 'required to reject' })),
});
const Page = Obj({ items: Type.Array(DisputeView), nextCursor: Type.Union([Type.String(), Type.Null()]) });
const limitOf = (limit: number | undefined) => limit ?? (Limit.default as number);

export const disputeRoutes = [
  typedRoute({
    method: 'post',
    path: '/v1/payout-runs/:id/disputes',
    tag: 'Commissions',
    summary: 'Dispute a line of your own statement in an approved run (partner keys); one open dispute per line',
    access: ['partner'],
    params: RunParams,
    body: OpenBody,
    responses: { 201: { description: 'The dispute, open', schema: DisputeView }, 200: { description: 'The same request again: the dispute it opened', schema: DisputeView } },
    async handler({ tenantId, params, body, services, actor, operation, requestId }) {
      const { dispute, created } = await openDispute(services, tenantId, params.id, { id: operation.id('dsp'), partnerId: partnerOf(actor), line: body.line, reason: body.reason }, { actor: auditActor(actor), requestId });
      return { status: created ? 201 : 200, body: disputeView(dispute), headers: { Location: `/v1/disputes/${dispute._id}` } };
    },
  }),
  typedRoute({
    method: 'get',
    path: '/v1/payout-runs/:id/disputes',
    tag: 'Commissions',
    summary: "A run's disputes, oldest first; a partner key sees only its own",
    access: ['finance', 'partner'],
    params: RunParams,
    query: ListQuery,
    responses: { 200: { description: 'Disputes', schema: Page } },
    async handler({ tenantId, params, query, actor }) {
      const run = await getPayoutRun(tenantId, params.id);
      const { page, nextCursor } = await listDisputes(tenantId, { runId: run._id, status: query.status, onlyPartnerId: ownPartnerOnly(actor), cursor: query.cursor, limit: limitOf(query.limit) });
      return { status: 200, body: { items: page.map(disputeView), nextCursor } };
    },
  }),
  typedRoute({
    method: 'get',
    path: '/v1/disputes',
    tag: 'Commissions',
    summary: 'Disputes of every run, oldest first, by status; a partner key sees only its own',
    access: ['finance', 'partner'],
    query: ListQuery,
    responses: { 200: { description: 'Disputes', schema: Page } },
    async handler({ tenantId, query, actor }) {
      const { page, nextCursor } = await listDisputes(tenantId, { status: query.status, onlyPartnerId: ownPartnerOnly(actor), cursor: query.cursor, limit: limitOf(query.limit) });
      return { status: 200, body: { items: page.map(disputeView), nextCursor } };
    },
  }),
  typedRoute({
    method: 'get',
    path: '/v1/disputes/:id',
    tag: 'Commissions',
    summary: 'One dispute; a partner key sees only its own',
    access: ['finance', 'partner'],
    params: IdParams('dsp'),
    responses: { 200: { description: 'The dispute', schema: DisputeView } },
    async handler({ tenantId, params, actor }) {
      return { status: 200, body: disputeView(await getDispute(tenantId, params.id, ownPartnerOnly(actor))) };
    },
  }),
  typedRoute({
    method: 'post',
    path: '/v1/disputes/:id/resolve',
    tag: 'Commissions',
    summary: "Resolve an open dispute (finance): accept with an amount in minor units, paid as an adjustment line in the partner's next run, or reject with a comment",
    access: ['finance'],
    params: Obj({ id: Id('dsp') }),
    body: ResolveBody,
    responses: { 200: { description: 'The resolved dispute', schema: DisputeView } },
    async handler({ tenantId, params, body, services, actor, requestId }) {
      if (body.decision === 'accept' && body.amountMinor === undefined) throw invalid('body.amountMinor', 'an accepted dispute needs an amount in minor units');
      const resolution = body.decision === 'accept'
        ? { decision: 'accept' as const, amountMinor: body.amountMinor!, comment: body.comment }
        : { decision: 'reject' as const, comment: body.comment ?? '' };
      return { status: 200, body: disputeView(await resolveDispute(services, tenantId, params.id, resolution, { actor: auditActor(actor), requestId })) };
    },
  }),
];
