import { Type, Static } from '@sinclair/typebox';
import { route } from '../../route';
import { Obj, Currency, IsoDateTime, Limit } from '../../schemas';
import { auditActor } from '../../context';
import { asTenantId } from '../../../platform/tenant-id';
import { setFxRate, listFxRates } from '../../../services/commissions/fx-rates';
import type { FxRateDoc } from '../../../models/commissions/fx-rate';

/** Exchange rates finance sets for commission conversion. */
const FxRateView = Obj({
  from: Currency,
  to: Currency,
  rate: Type.String({ description: 'units of `to` per unit of `from`, a decimal string' }),
  effectiveFrom: Type.String(),
  setBy: Type.String(),
  createdAt: Type.String(),
});

const view = (doc: FxRateDoc): Static<typeof FxRateView> => ({
  from: doc.from,
  to: doc.to,
  rate: doc.rate,
  effectiveFrom: new Date(doc.effectiveFrom).toISOString(),
  setBy: doc.setBy,
  createdAt: new Date(doc.createdAt).toISOString(),
});

const SetBody = Obj({
  from: Currency,
  to: Type.Optional({ ...Currency, description: 'default: the tenant currency (what commissions convert into)' }),
  rate: Type.String({ pattern: '^\\d{1,12}(\\.\\d{1,12})?$', description: 'units of `to` per unit of `from`, a decimal string (never a JSON number)' }),
  effectiveFrom: IsoDateTime,
});

const ListQuery = Obj({ from: Type.Optional(Currency), to: Type.Optional(Currency), limit: Type.Optional(Limit) });

export const fxRateRoutes = [
  route<Static<typeof SetBody>>({
    method: 'post',
    path: '/v1/fx-rates',
    tag: 'Commissions',
    summary: "Set an exchange rate from a date on. A period's commissions convert at the latest rate effective before the period ends; a rate once set is never changed.",
    access: ['finance'],
    body: SetBody,
    responses: { 201: { description: 'The rate', schema: FxRateView } },
    async handler({ tenant, body, services, actor, requestId }) {
      const to = body.to ?? tenant.settings.currency;
      const rate = await setFxRate(services, asTenantId(tenant._id), { from: body.from, to, rate: body.rate, effectiveFrom: new Date(body.effectiveFrom) }, { actor: auditActor(actor), requestId });
      return { status: 201, body: view(rate), headers: { Location: `/v1/fx-rates?from=${rate.from}&to=${rate.to}` } };
    },
  }),
  route<unknown, Static<typeof ListQuery>>({
    method: 'get',
    path: '/v1/fx-rates',
    tag: 'Commissions',
    summary: 'Exchange rates, newest effective first, optionally for one currency pair',
    access: ['finance', 'tenant-admin'],
    query: ListQuery,
    responses: { 200: { description: 'Rates', schema: Obj({ items: Type.Array(FxRateView) }) } },
    async handler({ tenant, query }) {
      const docs = await listFxRates(asTenantId(tenant._id), { from: query.from, to: query.to }, query.limit ?? 50);
      return { status: 200, body: { items: docs.map(view) } };
    },
  }),
];
