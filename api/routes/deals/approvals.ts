import type { Static } from '@sinclair/typebox';
import { route, STAFF_ROLES } from '../../route';
import { Obj, PageQuery, Page } from '../../schemas';
import { decodeCursor } from '../../../services/pagination';
import { DealView, dealView } from './view';
import { dealCall, type Paged } from './deals';

const InboxQuery = Obj({ ...PageQuery });

/** The approver's inbox, read from the deal read model (never from Temporal visibility). */
export const approvalRoutes = [
  route<unknown, Paged<Static<typeof InboxQuery>>>({
    method: 'get',
    path: '/v1/approvals',
    tag: 'Deals',
    summary: 'Deals whose current step the calling key can decide now (its role, open to anyone or naming it)',
    access: STAFF_ROLES,
    query: InboxQuery,
    responses: { 200: { description: 'A page of deals awaiting you', schema: Page(DealView) } },
    async handler(ctx) {
      const { deals, tenantId, actor } = dealCall(ctx);
      const { items, nextCursor } = await deals.inbox(tenantId, actor, { before: decodeCursor(ctx.query.cursor), limit: ctx.query.limit });
      return { status: 200, body: { items: items.map((d) => dealView(d, actor)), nextCursor } };
    },
  }),
];
