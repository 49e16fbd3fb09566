import { Type, type Static } from '@sinclair/typebox';
import { route, STAFF_ROLES } from '../../route';
import { Obj, IdParams, PageQuery, Page, IsoDateTime } from '../../schemas';
import { Problem } from '../../problem';
import { auditActor } from '../../context';
import { decodeCursor, pageOf } from '../../../services/pagination';
import { createParty, getParty, listParties, updateParty } from '../../../services/supply/parties';
import { supplierScorecard } from '../../../services/supply/scorecard';
import { asTenantId } from '../../../platform/tenant-id';
import type { TradingPartyDoc } from '../../../models/supply/trading-party';
import { supplyActor } from './supply-actor';

const Kind = Type.Union([Type.Literal('supplier'), Type.Literal('manufacturer')]);
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Email = Type.String({ maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$' });
const ExternalRef = Type.String({ minLength: 1, maxLength: 80 });

const PartyView = Obj({
  id: Type.String(),
  kind: Kind,
  name: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('suspended')]),
  contactEmail: Type.Optional(Type.String()),
  externalRef: Type.Optional(Type.String()),
  version: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const CreateBody = Obj({ kind: Kind, name: Name, contactEmail: Type.Optional(Email), externalRef: Type.Optional(ExternalRef) });
const PatchBody = Obj({
  name: Type.Optional(Name),
  status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('suspended')], { description: 'a suspended supplier takes no new orders and its keys cannot be bound anew' })),
  contactEmail: Type.Optional(Email),
  externalRef: Type.Optional(ExternalRef),
});
const ListQuery = Obj({ ...PageQuery, kind: Type.Optional(Kind) });
const ScorecardQuery = Obj({ from: IsoDateTime, to: IsoDateTime });

const view = (p: TradingPartyDoc): Static<typeof PartyView> => ({
  id: p._id, kind: p.kind, name: p.name, status: p.status,
  ...(p.contactEmail ? { contactEmail: p.contactEmail } : {}), ...(p.externalRef ? { externalRef: p.externalRef } : {}),
  version: p.version, createdAt: new Date(p.createdAt).toISOString(), updatedAt: new Date(p.updatedAt).toISOString(),
});
const etag = (p: TradingPartyDoc) => ({ ETag: `"${p.version}"` });

/** If-Match as a version number; absent is undefined (the use case asks for it). */
function ifMatch(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^(?:W\/)?"(\d{1,9})"$/.exec(String(header).trim());
  if (!match) throw new Problem('validation-failed', 'If-Match must be the ETag from GET /v1/parties/:id, e.g. "3"', { field: 'header.If-Match' });
  return Number(match[1]);
}

const Scorecard = Obj({
  supplierId: Type.String(),
  from: Type.String(),
  to: Type.String(),
  orders: Type.Integer(),
  acknowledgements: Obj({ due: Type.Integer(), onTime: Type.Integer(), rate: Type.Union([Type.String(), Type.Null()]) }),
  shipments: Obj({ count: Type.Integer(), onTime: Type.Integer(), rate: Type.Union([Type.String(), Type.Null()]) }),
  fillRate: Type.Union([Type.String(), Type.Null()]),
  exceptions: Type.Integer(),
});

/** Trading parties: the tenant's manufacturers (buyers) and suppliers. */
export const partyRoutes = [
  route<Static<typeof CreateBody>>({
    method: 'post',
    path: '/v1/parties',
    tag: 'Supply',
    summary: 'Add a manufacturer or supplier; keys for it are then created with POST /v1/api-keys (role and partyId)',
    access: ['tenant-admin'],
    body: CreateBody,
    responses: { 201: { description: 'The party', schema: PartyView } },
    async handler(ctx) {
      const party = await createParty(ctx.services, asTenantId(ctx.tenant._id), auditActor(ctx.actor), ctx.body, ctx.operation.id('tp'));
      return { status: 201, body: view(party), headers: { Location: `/v1/parties/${party._id}`, ...etag(party) } };
    },
  }),
  route<unknown, Static<typeof ListQuery>>({
    method: 'get',
    path: '/v1/parties',
    tag: 'Supply',
    summary: 'List trading parties, newest first',
    access: STAFF_ROLES,
    query: ListQuery,
    responses: { 200: { description: 'A page of parties', schema: Page(PartyView) } },
    async handler(ctx) {
      const docs = await listParties(asTenantId(ctx.tenant._id), { kind: ctx.query.kind, before: decodeCursor(ctx.query.cursor), limit: ctx.query.limit! });
      const { page, nextCursor } = pageOf(docs, ctx.query.limit!);
      return { status: 200, body: { items: page.map(view), nextCursor } };
    },
  }),
  route<unknown, unknown, { id: string }>({
    method: 'get',
    path: '/v1/parties/:id',
    tag: 'Supply',
    summary: 'One trading party (with its ETag)',
    access: STAFF_ROLES,
    params: IdParams('tp'),
    responses: { 200: { description: 'The party', schema: PartyView } },
    async handler(ctx) {
      const party = await getParty(asTenantId(ctx.tenant._id), ctx.params.id);
      return { status: 200, body: view(party), headers: etag(party) };
    },
  }),
  route<Static<typeof PatchBody>, unknown, { id: string }>({
    method: 'patch',
    path: '/v1/parties/:id',
    tag: 'Supply',
    summary: 'Rename, suspend or reactivate a party; requires If-Match with its ETag',
    access: ['tenant-admin'],
    params: IdParams('tp'),
    body: PatchBody,
    responses: { 200: { description: 'The party after the change', schema: PartyView } },
    async handler(ctx) {
      const party = await updateParty(ctx.services, asTenantId(ctx.tenant._id), auditActor(ctx.actor), ctx.params.id, ifMatch(ctx.headers['if-match']), ctx.body);
      return { status: 200, body: view(party), headers: etag(party) };
    },
  }),
  route<unknown, Static<typeof ScorecardQuery>, { id: string }>({
    method: 'get',
    path: '/v1/parties/:id/scorecard',
    tag: 'Supply',
    summary: "A supplier's scorecard over the orders placed in [from, to): on-time acknowledgement, on-time shipment, fill rate, exceptions (a supplier key sees only its own, a manufacturer its own orders)",
    access: [...STAFF_ROLES, 'manufacturer', 'supplier'],
    params: IdParams('tp'),
    query: ScorecardQuery,
    responses: { 200: { description: 'The scorecard', schema: Scorecard } },
    async handler(ctx) {
      return { status: 200, body: await supplierScorecard(asTenantId(ctx.tenant._id), supplyActor(ctx.actor), ctx.params.id, new Date(ctx.query.from), new Date(ctx.query.to)) };
    },
  }),
];
