import { Type, Static } from '@sinclair/typebox';
import Decimal from 'decimal.js';
import type { RuleProblem } from '../durations';
import { AmountError, toMinor } from '../money';

/**
 * The `commission` rule set: what a tenant pays partners for closed-won deals, all as data. Amounts
 * are in the tenant currency (major units, decimal strings); rates are fractions ("0.05" is 5 %).
 * docs/commissions.md explains how the parts combine.
 */
const Closed = { additionalProperties: false } as const;

const Rate = Type.String({ pattern: '^\\d{1,3}(\\.\\d{1,10})?$', description: 'a fraction: "0.05" is 5 %' });
const Amount = Type.String({ pattern: '^\\d{1,15}(\\.\\d{1,4})?$', description: 'tenant currency, major units, at most its minor-unit digits' });
const Percent = Type.String({ pattern: '^\\d{1,3}(\\.\\d{1,4})?$', description: 'a percentage: "70" is 70 %' });
const Product = Type.String({ minLength: 1, maxLength: 80 });
const Tier = Type.String({ minLength: 1, maxLength: 40 });
const DateOnly = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'a calendar date (UTC), inclusive' });

export const SPLIT_ROLES = ['reseller', 'distributor'] as const;
export type SplitRole = (typeof SPLIT_ROLES)[number];

export const CommissionPlanSchema = Type.Object(
  {
    rates: Type.Object(
      {
        default: Rate,
        byTier: Type.Optional(Type.Record(Tier, Rate, { description: "by the partner's tier in force on the close date" })),
        byProduct: Type.Optional(Type.Array(Type.Object({ product: Product, rate: Rate }, Closed), {
          maxItems: 200,
          description: "the first entry naming one of the deal's products sets its base rate, before the tier",
        })),
      },
      { ...Closed, description: 'the base rate of a deal: product, else tier, else default' },
    ),
    brackets: Type.Optional(Type.Object(
      {
        mode: Type.Union([Type.Literal('marginal'), Type.Literal('retroactive')], {
          description: "marginal: each slice of the partner's period revenue gets its band's rate; retroactive: the band the period total reaches applies to all of it",
        }),
        bands: Type.Array(Type.Object({ from: Amount, rate: Rate }, Closed), { minItems: 1, maxItems: 20, description: 'added to the base rate; the first band starts at 0, froms strictly increase' }),
      },
      Closed,
    )),
    accelerator: Type.Optional(Type.Object(
      {
        quota: Amount,
        attainment: Type.String({ pattern: '^\\d{1,3}(\\.\\d{1,4})?$', description: 'a fraction of quota: "1" is 100 %' }),
        multiplier: Type.String({ pattern: '^\\d{1,3}(\\.\\d{1,6})?$', description: 'the rate is multiplied by this for revenue beyond quota × attainment' }),
      },
      Closed,
    )),
    spiffs: Type.Optional(Type.Array(Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 80 }),
        product: Type.Optional(Product),
        per: Type.Union([Type.Literal('unit'), Type.Literal('deal')], { description: "unit: per unit of the product sold; deal: once per deal (with the product, if one is named)" }),
        amount: Amount,
        from: DateOnly,
        to: DateOnly,
      },
      Closed,
    ), { maxItems: 50 })),
    caps: Type.Optional(Type.Object(
      {
        perDeal: Type.Optional(Amount),
        perPartnerPerPeriod: Type.Optional(Amount),
      },
      { ...Closed, description: "perDeal bounds one partner's commission on one deal (SPIFFs aside); perPartnerPerPeriod bounds a partner's earnings in a period (clawbacks aside)" },
    )),
    minimumPayout: Type.Optional(Amount),
    splits: Type.Optional(Type.Array(Type.Object({ role: Type.Union(SPLIT_ROLES.map((r) => Type.Literal(r))), percent: Percent }, Closed), {
      minItems: 2,
      maxItems: 2,
      description: 'how a deal with a distributor is shared between the reselling partner and its distributor; must total 100',
    })),
    clawback: Type.Optional(Type.Object({ withinDays: Type.Integer({ minimum: 1, maximum: 3650 }) }, Closed)),
  },
  Closed,
);

export type CommissionPlan = Static<typeof CommissionPlanSchema>;

/** A new tenant pays nothing until it publishes a plan. */
export const DEFAULT_COMMISSION_PLAN: CommissionPlan = { rates: { default: '0' } };

const HUNDRED = new Decimal(100);

/** Every amount in the plan, with its field, for the currency check. */
function amountsOf(plan: CommissionPlan): [string, string][] {
  const found: [string, string][] = [];
  plan.brackets?.bands.forEach((b, i) => found.push([`brackets.bands.${i}.from`, b.from]));
  if (plan.accelerator) found.push(['accelerator.quota', plan.accelerator.quota]);
  plan.spiffs?.forEach((s, i) => found.push([`spiffs.${i}.amount`, s.amount]));
  if (plan.caps?.perDeal !== undefined) found.push(['caps.perDeal', plan.caps.perDeal]);
  if (plan.caps?.perPartnerPerPeriod !== undefined) found.push(['caps.perPartnerPerPeriod', plan.caps.perPartnerPerPeriod]);
  if (plan.minimumPayout !== undefined) found.push(['minimumPayout', plan.minimumPayout]);
  return found;
}

export function holdsAmounts(plan: CommissionPlan): boolean {
  return amountsOf(plan).length > 0;
}

const isDate = (value: string): boolean => {
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
};

/** What the schema cannot say; fields are named `body.definition.…` as the client sent them. */
export function checkCommissionPlan(plan: CommissionPlan, digits: number | undefined): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const at = (field: string, detail: string) => problems.push({ field: `body.definition.${field}`, detail });

  if (digits !== undefined) {
    for (const [field, amount] of amountsOf(plan)) {
      try {
        toMinor(amount, digits);
      } catch (err) {
        if (!(err instanceof AmountError)) throw err;
        at(field, `${err.message} of the tenant currency`);
      }
    }
  }

  const products = new Set<string>();
  plan.rates.byProduct?.forEach((p, i) => {
    if (products.has(p.product)) at(`rates.byProduct.${i}.product`, `${p.product} is listed twice; only the first entry would ever apply`);
    products.add(p.product);
  });

  const bands = plan.brackets?.bands ?? [];
  if (bands.length > 0 && !new Decimal(bands[0].from).isZero()) at('brackets.bands.0.from', 'the first band must start at 0');
  for (let i = 1; i < bands.length; i++) {
    if (!new Decimal(bands[i].from).greaterThan(bands[i - 1].from)) at(`brackets.bands.${i}.from`, `must be greater than the previous band's from (${bands[i - 1].from})`);
  }

  if (plan.accelerator) {
    if (new Decimal(plan.accelerator.quota).isZero()) at('accelerator.quota', 'must be greater than 0');
    if (new Decimal(plan.accelerator.multiplier).lessThan(1)) at('accelerator.multiplier', 'must be at least 1 (an accelerator never lowers the rate)');
  }

  plan.spiffs?.forEach((s, i) => {
    if (s.per === 'unit' && s.product === undefined) at(`spiffs.${i}.product`, 'a per-unit SPIFF must name the product whose units it counts');
    if (!isDate(s.from)) at(`spiffs.${i}.from`, `${s.from} is not a calendar date`);
    if (!isDate(s.to)) at(`spiffs.${i}.to`, `${s.to} is not a calendar date`);
    else if (isDate(s.from) && s.to < s.from) at(`spiffs.${i}.to`, `must not be before from (${s.from})`);
  });

  if (plan.splits) {
    const roles = plan.splits.map((s) => s.role);
    if (new Set(roles).size !== roles.length) at('splits', 'each role (reseller, distributor) appears once');
    const total = plan.splits.reduce((sum, s) => sum.plus(s.percent), new Decimal(0));
    if (!total.equals(HUNDRED)) at('splits', `the percentages must total 100, got ${total.toString()}`);
  }
  return problems;
}
