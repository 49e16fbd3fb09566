import { route, STAFF_ROLES } from '../../route';
import { Obj, PageQuery, Page } from '../../schemas';
import { decodeCursor, pageOf } from '../../../services/pagination';
import { DealService } from '../../../services/deals/deals';
import { DealView } from '../../../services/deals/view';
import { dealActor, viewsOf } from './deals';

/** The approver's inbox, read from the deal read model (never from Temporal visibility). */
export const approvalRoutes = [
  route<unknown, { limit: number; cursor?: string }>({
    method: 'get',
    path: '/v1/approvals',
    tag: 'Deals',
    summary: 'Deals whose current step the calling key can decide now (its role, open to anyone or naming it)',
    access: STAFF_ROLES,
    query: Obj({ ...PageQuery }),
    responses: { 200: { description: 'A page of deals awaiting you', schema: Page(DealView) } },
    async handler(ctx) {
      const actor = dealActor(ctx.actor);
      const svc = new DealService(ctx.services);
      const docs = await svc.inbox(ctx.tenant._id, actor, { before: decodeCursor(ctx.query.cursor), limit: ctx.query.limit });
      const { page, nextCursor } = pageOf(docs, ctx.query.limit);
      return { status: 200, body: { items: await viewsOf(svc, ctx.tenant._id, page, actor), nextCursor } };
    },
  }),
];
