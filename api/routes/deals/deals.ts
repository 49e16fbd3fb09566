import { Type, type Static } from '@sinclair/typebox';
import { route, STAFF_ROLES } from '../../route';
import { Obj, IdParams, PageQuery, Page, MoneyAmount, Currency, IsoDateTime } from '../../schemas';
import { Problem } from '../../problem';
import type { Actor, RequestContext } from '../../context';
import { decodeCursor } from '../../../services/pagination';
import { DealService, DealActor, RegistrationAccepted } from '../../../services/deals/deals';
import { DealView, dealView } from './view';
import { DEAL_STATUSES } from '../../../domain/deals/deal';
import { asTenantId } from '../../../platform/tenant-id';

/** Deal registration (partners) and what happens to a deal afterwards. */
export function dealActor(actor: Actor): DealActor {
  if (actor.kind !== 'key') throw new Problem('forbidden', 'deals are handled with tenant keys');
  return { keyId: actor.keyId, role: actor.role, ...(actor.partyId ? { partyId: actor.partyId } : {}) };
}

/** What every deal route starts from: the use cases, the caller's tenant and the caller. */
export function dealCall(ctx: RequestContext<unknown, unknown, unknown>) {
  return { deals: new DealService(ctx.services), tenantId: asTenantId(ctx.tenant._id), actor: dealActor(ctx.actor) };
}

/** Validation fills a page query's `limit` with its default, so a handler always has one. */
export type Paged<Q extends { limit?: number }> = Q & { limit: number };

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });

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

const ListQuery = Obj({ ...PageQuery, status: Type.Optional(Type.Union(DEAL_STATUSES.map((s) => Type.Literal(s)))) });
const DealParams = IdParams('deal');
const InfoBody = Obj({ note: Text(4000) });
const ExtensionBody = Obj({ reason: Text(2000) });

type Params = Static<typeof DealParams>;

const ok = (description: string) => ({ 200: { description, schema: DealView } });

export const dealRoutes = [
  route<Static<typeof RegisterBody>>({
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
      const { deals, tenantId, actor } = dealCall(ctx);
      try {
        const deal = await deals.register(tenantId, actor, ctx.body, ctx.operation);
        return { status: 201, body: dealView(deal, actor), headers: { Location: `/v1/deals/${deal._id}` } };
      } catch (err) {
        if (!(err instanceof RegistrationAccepted)) throw err;
        // Accepted and owned by its process, which has a backlog: read the deal at Location.
        return { status: 202, body: { id: err.dealId, status: 'submitted', detail: err.message }, headers: { Location: `/v1/deals/${err.dealId}` } };
      }
    },
  }),
  route<unknown, Paged<Static<typeof ListQuery>>>({
    method: 'get',
    path: '/v1/deals',
    tag: 'Deals',
    summary: "List deals, newest first (a partner sees only its own)",
    access: ['partner', ...STAFF_ROLES],
    query: ListQuery,
    responses: { 200: { description: 'A page of deals', schema: Page(DealView) } },
    async handler(ctx) {
      const { deals, tenantId, actor } = dealCall(ctx);
      const { items, nextCursor } = await deals.list(tenantId, actor, { before: decodeCursor(ctx.query.cursor), limit: ctx.query.limit, status: ctx.query.status });
      return { status: 200, body: { items: items.map((d) => dealView(d, actor)), nextCursor } };
    },
  }),
  route<unknown, unknown, Params>({
    method: 'get',
    path: '/v1/deals/:id',
    tag: 'Deals',
    summary: 'One deal: status, current step, who must act, deadlines and history',
    access: ['partner', ...STAFF_ROLES],
    params: DealParams,
    responses: ok('The deal'),
    async handler(ctx) {
      const { deals, tenantId, actor } = dealCall(ctx);
      return { status: 200, body: dealView(await deals.get(tenantId, actor, ctx.params.id), actor) };
    },
  }),
  route<Static<typeof DecisionBody>, unknown, Params>({
    method: 'post',
    path: '/v1/deals/:id/decisions',
    tag: 'Deals',
    summary: 'Approve, reject or ask for information on the step awaiting you. The deal workflow validates it (Temporal Update); a refused decision is a 409 and changes nothing.',
    access: STAFF_ROLES,
    params: DealParams,
    body: DecisionBody,
    responses: ok('The deal after the decision'),
    async handler(ctx) {
      const { deals, tenantId, actor } = dealCall(ctx);
      return { status: 200, body: dealView(await deals.decide(tenantId, actor, ctx.params.id, ctx.body, ctx.operation.ref('deal-update')), actor) };
    },
  }),
  route<Static<typeof InfoBody>, unknown, Params>({
    method: 'post',
    path: '/v1/deals/:id/info',
    tag: 'Deals',
    summary: 'The registering partner answers a request for information; the step SLA starts again',
    access: ['partner'],
    params: DealParams,
    body: InfoBody,
    responses: ok('The deal'),
    async handler(ctx) {
      const { deals, tenantId, actor } = dealCall(ctx);
      return { status: 200, body: dealView(await deals.provideInfo(tenantId, actor, ctx.params.id, ctx.body.note, ctx.operation.ref('deal-update')), actor) };
    },
  }),
  route<Static<typeof ExtensionBody>, unknown, Params>({
    method: 'post',
    path: '/v1/deals/:id/extension',
    tag: 'Deals',
    summary: 'Ask to extend the protection period; the request goes through approval again',
    access: ['partner'],
    params: DealParams,
    body: ExtensionBody,
    responses: { 202: { description: 'The deal, now in extension review', schema: DealView } },
    async handler(ctx) {
      const { deals, tenantId, actor } = dealCall(ctx);
      return { status: 202, body: dealView(await deals.requestExtension(tenantId, actor, ctx.params.id, ctx.body.reason, ctx.operation.ref('deal-update')), actor) };
    },
  }),
  route<Static<typeof CloseBody>, unknown, Params>({
    method: 'post',
    path: '/v1/deals/:id/close',
    tag: 'Deals',
    summary: 'Close a protected deal as won (with the amount) or lost. Won deals are the input of commissions.',
    access: ['partner', 'tenant-admin'],
    params: DealParams,
    body: CloseBody,
    responses: ok('The closed deal'),
    async handler(ctx) {
      const { deals, tenantId, actor } = dealCall(ctx);
      return { status: 200, body: dealView(await deals.close(tenantId, actor, ctx.params.id, ctx.body, ctx.operation.ref('deal-update')), actor) };
    },
  }),
  route<Static<typeof ReversalBody>, unknown, Params>({
    method: 'post',
    path: '/v1/deals/:id/reversals',
    tag: 'Deals',
    summary: 'Record a refund or cancellation of a won deal as a new event (the close is never edited)',
    access: ['tenant-admin', 'finance'],
    params: DealParams,
    body: ReversalBody,
    responses: { 201: { description: 'The deal with the reversal appended', schema: DealView } },
    async handler(ctx) {
      const { deals, tenantId, actor } = dealCall(ctx);
      return { status: 201, body: dealView(await deals.reverse(tenantId, actor, ctx.params.id, ctx.body, ctx.operation), actor) };
    },
  }),
];
