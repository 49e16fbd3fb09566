import { Type } from '@sinclair/typebox';
import { typedRoute } from '../../route';
import { Obj, IdParams } from '../../schemas';
import { auditActor } from '../../context';
import { payoutHoldOf, placePayoutHold, releasePayoutHold } from '../../../services/commissions/payout-holds';

/** Finance's manual payout holds on partners: placed with a reason, released, both audited. */

const HoldView = Obj({
  partnerId: Type.String(),
  held: Type.Boolean({ description: 'payout runs triggered while true pay the partner nothing and carry its balance forward' }),
  reason: Type.Optional(Type.String()),
  placedBy: Type.Optional(Type.String()),
  placedAt: Type.Optional(Type.String()),
  releasedBy: Type.Optional(Type.String()),
  releasedAt: Type.Optional(Type.String()),
});

const PartnerParams = IdParams('ptn');
const HoldBody = Obj({ reason: Type.String({ minLength: 1, maxLength: 2000, description: 'why the partner is not to be paid; shown on the runs that hold it' }) });

export const payoutHoldRoutes = [
  typedRoute({
    method: 'get',
    path: '/v1/partners/:id/payout-hold',
    tag: 'Commissions',
    summary: "A partner's manual payout hold, if any",
    access: ['finance', 'tenant-admin'],
    params: PartnerParams,
    responses: { 200: { description: 'The hold', schema: HoldView } },
    async handler({ tenantId, params }) {
      return { status: 200, body: await payoutHoldOf(tenantId, params.id) };
    },
  }),
  typedRoute({
    method: 'post',
    path: '/v1/partners/:id/payout-hold',
    tag: 'Commissions',
    summary: 'Put a partner on payout hold with a reason (again: a new reason). Runs triggered from now on pay it nothing and carry its balance forward',
    access: ['finance'],
    params: PartnerParams,
    body: HoldBody,
    responses: { 200: { description: 'The hold', schema: HoldView } },
    async handler({ tenantId, params, body, services, actor, requestId, operation }) {
      return { status: 200, body: await placePayoutHold(services, tenantId, params.id, body.reason, { actor: auditActor(actor), requestId }, operation.ref('payout-hold')) };
    },
  }),
  typedRoute({
    method: 'delete',
    path: '/v1/partners/:id/payout-hold',
    tag: 'Commissions',
    summary: "Release a partner's payout hold; runs triggered from now on pay it, with what the held runs carried forward",
    access: ['finance'],
    params: PartnerParams,
    responses: { 200: { description: 'The released hold', schema: HoldView } },
    async handler({ tenantId, params, services, actor, requestId, operation }) {
      return { status: 200, body: await releasePayoutHold(services, tenantId, params.id, { actor: auditActor(actor), requestId }, operation.ref('payout-hold-release')) };
    },
  }),
];
