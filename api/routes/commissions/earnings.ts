import { Type, Static } from '@sinclair/typebox';
import { route } from '../../route';
import { Obj, IdParams } from '../../schemas';
import type { Actor } from '../../context';
import { asTenantId } from '../../../platform/tenant-id';
import { partnerEarnings } from '../../../services/commissions/earnings';

/** A partner key sees only its own partner's earnings (none, when the key names no partner). */
const ownPartnerOnly = (actor: Actor): string | undefined => (actor.kind === 'key' && actor.role === 'partner' ? actor.partyId ?? 'none' : undefined);

const Statement = Obj({
  partnerId: Type.String(),
  revenue: Type.String(),
  total: Type.String({ description: 'the sum of the lines, tenant currency' }),
  carriedForward: Type.String(),
  lines: Type.Array(Type.Unknown(), { description: 'every line with its deal, inputs, rule, rate, conversion and rounding (docs/commissions.md)' }),
  notes: Type.Array(Type.String()),
});

const EarningsView = Obj({
  partnerId: Type.String(),
  period: Type.String({ description: 'the open period, YYYY-MM (UTC)' }),
  currency: Type.String(),
  planVersion: Type.Union([Type.Integer(), Type.Null()], { description: 'the commission plan version applied; null: the default plan' }),
  pending: Statement,
  paid: Obj({ totalMinor: Type.Integer(), total: Type.String(), runs: Type.Array(Obj({ runId: Type.String(), period: Type.String(), total: Type.String() })) }, { description: 'what approved payout runs paid, newest period first' }),
});

const PartnerParams = IdParams('ptn');

export const earningsRoutes = [
  route<unknown, unknown, Static<typeof PartnerParams>>({
    method: 'get',
    path: '/v1/partners/:id/earnings',
    tag: 'Commissions',
    summary: "A partner's pending earnings in the open period: the commission plan in force applied now to its closed-won deals and reversals, every line explained",
    access: ['partner', 'finance', 'tenant-admin'],
    params: PartnerParams,
    responses: { 200: { description: 'Pending earnings', schema: EarningsView } },
    async handler({ tenant, params, actor, services }) {
      return { status: 200, body: await partnerEarnings(services, asTenantId(tenant._id), params.id, ownPartnerOnly(actor)) };
    },
  }),
];
