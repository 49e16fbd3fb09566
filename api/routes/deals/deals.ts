import { Type } from '@sinclair/typebox';
import { route, STAFF_ROLES } from '../../route';
import { Obj, IdParams, PageQuery, Page, MoneyAmount, Currency, IsoDateTime } from '../../schemas';
import { Problem } from '../../problem';
import type { Actor, RequestContext } from '../../context';
import { decodeCursor, pageOf } from '../../../services/pagination';
import { DealService, DealActor, Registration, RegistrationAccepted } from '../../../services/deals/deals';
import { DealView, dealView } from '../../../services/deals/view';
import type { DealDoc, DealStatus } from '../../../models/deals/deal';
import type { Decision } from '../../../domain/deals/approval-steps';

/** Deal registration (partners) and what happens to a deal afterwards. */
export function dealActor(actor: Actor): DealActor {
  if (actor.kind !== 'key') throw new Problem('forbidden', 'deals are handled with tenant keys');
  return { keyId: actor.keyId, role: actor.role, ...(actor.partyId ? { partyId: actor.partyId } : {}) };
}

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const DEAL_STATUSES = ['submitted', 'pending-approval', 'info-requested', 'protected', 'extension-review', 'rejected', 'expired', 'closed', 'abandoned'];

const RegisterBody = Obj({
  customer: Obj({
    name: Text(200),
    domain: Type.Optional(Type.String({ maxLength: 253, pattern: '^[^\\s]+$' })),
    country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' }),
  }),
  amount: MoneyAmount,
  currency: Currency,
  products: Type.Array(Text(80), { minItems: 1, maxItems: 50 }),
  expectedCloseDate: Type.String({ format: 'date' }),
  notes: Type.Optional(Type.String({ maxLength: 2000 })),
});

const DecisionBody = Obj({
  decision: Type.Union([Type.Literal('approve'), Type.Literal('reject'), Type.Literal('request-info')]),
  comment: Type.Optional(Type.String({ maxLength: 2000 })),
  stepId: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,20}$', description: 'the step you are deciding on; refused if it is no longer the current one' })),
});

const CloseBody = Obj({
  outcome: Type.Union([Type.Literal('won'), Type.Literal('lost')]),
  amount: Type.Optional(MoneyAmount),
  currency: Type.Optional(Currency),
  closedAt: Type.Optional(IsoDateTime),
  reason: Type.Optional(Type.String({ maxLength: 2000 })),
});

const ReversalBody = Obj({
  kind: Type.Union([Type.Literal('refund'), Type.Literal('cancellation')]),
  amount: MoneyAmount,
  reason: Text(2000),
});

const ok = (description: string) => ({ 200: { description, schema: DealView } });
const service = (ctx: { services: ConstructorParameters<typeof DealService>[0] }) => new DealService(ctx.services);

/** One deal as the API shows it to the caller, with its reversal events. */
async function viewOf(ctx: RequestContext, deal: DealDoc) {
  return (await viewsOf(service(ctx), ctx.tenant._id, [deal], dealActor(ctx.actor)))[0];
}

/** A page of deals, with their reversal events read in one query. */
export async function viewsOf(svc: DealService, tenantId: string, deals: DealDoc[], actor: DealActor) {
  const reversals = await svc.reversalsOf(tenantId, deals.filter((d) => d.outcome === 'won').map((d) => d._id));
  // Only won deals can have reversals, so other pages cost no extra query.
  return deals.map((d) => dealView(d, actor, reversals.get(d._id)));
}

export const dealRoutes = [
  route<Registration>({
    method: 'post',
    path: '/v1/deals',
    tag: 'Deals',
    summary: 'Register a deal (partner key). Starts its approval by the deal-approval rules in force; a customer already protected for another partner is handled as the rules say.',
    access: ['partner'],
    body: RegisterBody,
    responses: {
      201: { description: 'The registered deal, with the approval plan it got', schema: DealView },
      202: { description: 'Registered; its process has a backlog and has not written the deal yet (read it at Location)', schema: Type.Object({ id: Type.String(), status: Type.Literal('submitted'), detail: Type.String() }) },
    },
    async handler(ctx) {
      const expected = new Date(`${ctx.body.expectedCloseDate}T00:00:00Z`);
      if (Number.isNaN(expected.getTime())) throw new Problem('validation-failed', 'body.expectedCloseDate is not a date', { field: 'body.expectedCloseDate' });
      const actor = dealActor(ctx.actor);
      const svc = service(ctx);
      let deal;
      try {
        deal = await svc.register(ctx.tenant, actor, ctx.body, ctx.operation);
      } catch (err) {
        if (!(err instanceof RegistrationAccepted)) throw err;
        // Accepted and owned by its process, which has a backlog: read the deal at Location.
        return { status: 202, body: { id: err.dealId, status: 'submitted', detail: err.message }, headers: { Location: `/v1/deals/${err.dealId}` } };
      }
      return { status: 201, body: await viewOf(ctx, deal), headers: { Location: `/v1/deals/${deal._id}` } };
    },
  }),
  route<unknown, { limit: number; cursor?: string; status?: DealStatus }>({
    method: 'get',
    path: '/v1/deals',
    tag: 'Deals',
    summary: "List deals, newest first (a partner sees only its own)",
    access: ['partner', ...STAFF_ROLES],
    query: Obj({ ...PageQuery, status: Type.Optional(Type.Union(DEAL_STATUSES.map((s) => Type.Literal(s)))) }),
    responses: { 200: { description: 'A page of deals', schema: Page(DealView) } },
    async handler(ctx) {
      const actor = dealActor(ctx.actor);
      const svc = service(ctx);
      const docs = await svc.list(ctx.tenant._id, actor, { before: decodeCursor(ctx.query.cursor), limit: ctx.query.limit, status: ctx.query.status });
      const { page, nextCursor } = pageOf(docs, ctx.query.limit);
      return { status: 200, body: { items: await viewsOf(svc, ctx.tenant._id, page, actor), nextCursor } };
    },
  }),
  route<unknown, unknown, { id: string }>({
    method: 'get',
    path: '/v1/deals/:id',
    tag: 'Deals',
    summary: 'One deal: status, current step, who must act, deadlines and history',
    access: ['partner', ...STAFF_ROLES],
    params: IdParams('deal'),
    responses: ok('The deal'),
    async handler(ctx) {
      const actor = dealActor(ctx.actor);
      return { status: 200, body: await viewOf(ctx, await service(ctx).visible(ctx.tenant._id, actor, ctx.params.id)) };
    },
  }),
  route<{ decision: Decision; comment?: string; stepId?: string }, unknown, { id: string }>({
    method: 'post',
    path: '/v1/deals/:id/decisions',
    tag: 'Deals',
    summary: 'Approve, reject or ask for information on the step awaiting you. The deal workflow validates it (Temporal Update); a refused decision is a 409 and changes nothing.',
    access: STAFF_ROLES,
    params: IdParams('deal'),
    body: DecisionBody,
    responses: ok('The deal after the decision'),
    async handler(ctx) {
      const actor = dealActor(ctx.actor);
      return { status: 200, body: await viewOf(ctx, await service(ctx).decide(ctx.tenant, actor, ctx.params.id, ctx.body, ctx.operation.ref('deal-update'))) };
    },
  }),
  route<{ note: string }, unknown, { id: string }>({
    method: 'post',
    path: '/v1/deals/:id/info',
    tag: 'Deals',
    summary: 'The registering partner answers a request for information; the step SLA starts again',
    access: ['partner'],
    params: IdParams('deal'),
    body: Obj({ note: Text(4000) }),
    responses: ok('The deal'),
    async handler(ctx) {
      const actor = dealActor(ctx.actor);
      return { status: 200, body: await viewOf(ctx, await service(ctx).provideInfo(ctx.tenant, actor, ctx.params.id, ctx.body.note, ctx.operation.ref('deal-update'))) };
    },
  }),
  route<{ reason: string }, unknown, { id: string }>({
    method: 'post',
    path: '/v1/deals/:id/extension',
    tag: 'Deals',
    summary: 'Ask to extend the protection period; the request goes through approval again',
    access: ['partner'],
    params: IdParams('deal'),
    body: Obj({ reason: Text(2000) }),
    responses: { 202: { description: 'The deal, now in extension review', schema: DealView } },
    async handler(ctx) {
      const actor = dealActor(ctx.actor);
      return { status: 202, body: await viewOf(ctx, await service(ctx).requestExtension(ctx.tenant, actor, ctx.params.id, ctx.body.reason, ctx.operation.ref('deal-update'))) };
    },
  }),
  route<{ outcome: 'won' | 'lost'; amount?: string; currency?: string; closedAt?: string; reason?: string }, unknown, { id: string }>({
    method: 'post',
    path: '/v1/deals/:id/close',
    tag: 'Deals',
    summary: 'Close a protected deal as won (with the amount) or lost. Won deals are the input of commissions.',
    access: ['partner', 'tenant-admin'],
    params: IdParams('deal'),
    body: CloseBody,
    responses: ok('The closed deal'),
    async handler(ctx) {
      const actor = dealActor(ctx.actor);
      return { status: 200, body: await viewOf(ctx, await service(ctx).close(ctx.tenant, actor, ctx.params.id, ctx.body, ctx.operation.ref('deal-update'))) };
    },
  }),
  route<{ kind: 'refund' | 'cancellation'; amount: string; reason: string }, unknown, { id: string }>({
    method: 'post',
    path: '/v1/deals/:id/reversals',
    tag: 'Deals',
    summary: 'Record a refund or cancellation of a won deal as a new event (the close is never edited)',
    access: ['tenant-admin', 'finance'],
    params: IdParams('deal'),
    body: ReversalBody,
    responses: { 201: { description: 'The deal with the reversal appended', schema: DealView } },
    async handler(ctx) {
      const actor = dealActor(ctx.actor);
      return { status: 201, body: await viewOf(ctx, await service(ctx).reverse(ctx.tenant, actor, ctx.params.id, ctx.body, ctx.operation)) };
    },
  }),
];
