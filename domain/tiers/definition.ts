import { Type, Static } from '@sinclair/typebox';
import { DurationSchema, durationChecker, PRODUCTION_RULE_LIMITS, RuleLimits, RuleProblem } from '../durations';
import { cronProblem } from './cron';
import { isCurrency } from '../locale';
import { toMinor } from '../money';
import { tierKey } from './tier-name';

/**
 * The `tiers` rule set: the tenant's tiers from lowest to highest, what each needs over a trailing
 * window, and how the scheduled review runs. Pure.
 */
const Closed = { additionalProperties: false } as const;

export const TierSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 60 }),
  /** Closed-won revenue in the rule set's currency over the trailing window, as a decimal string. */
  minClosedWonRevenue: Type.String({ pattern: '^\\d{1,13}(\\.\\d{1,3})?$' }),
  minDeals: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
  requiredTraining: Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,59}$' }), { maxItems: 50 }),
}, Closed);
export type Tier = Static<typeof TierSchema>;

export const TiersRulesSchema = Type.Object({
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  trailingWindowDays: Type.Integer({ minimum: 1, maximum: 1096 }),
  tiers: Type.Array(TierSchema, { minItems: 1, maxItems: 20, description: 'lowest first; the first is where every new partner starts' }),
  demotions: Type.Boolean({ description: 'whether a review may move partners down' }),
  autoApply: Type.Boolean({ description: 'apply proposals without a tenant-admin approval' }),
  schedule: Type.Object({ cron: Type.String({ pattern: '^\\S+( \\S+){4}$', description: 'five-field cron in the tenant time zone' }) }, Closed),
  /** A review nobody approves within this time expires unapplied. */
  approvalTimeout: DurationSchema,
}, Closed);
export type TiersRules = Static<typeof TiersRulesSchema>;

/** The default a tenant starts with; `DEFAULT_TIERS_RULES` is it for a USD tenant. */
export function defaultTiersRules(currency: string): TiersRules {
  // The thresholds read as amounts of the tenant's own currency: a review compares them with
  // performance recorded in that currency, so any other currency would see zero revenue.
  return { ...DEFAULT_TIERS_RULES, currency };
}

export const DEFAULT_TIERS_RULES: TiersRules = {
  currency: 'USD',
  trailingWindowDays: 365,
  tiers: [
    { name: 'Registered', minClosedWonRevenue: '0', minDeals: 0, requiredTraining: [] },
    { name: 'Silver', minClosedWonRevenue: '25000.00', minDeals: 3, requiredTraining: ['product-fundamentals'] },
    { name: 'Gold', minClosedWonRevenue: '100000.00', minDeals: 10, requiredTraining: ['product-fundamentals', 'deal-registration'] },
    { name: 'Platinum', minClosedWonRevenue: '500000.00', minDeals: 25, requiredTraining: ['product-fundamentals', 'deal-registration'] },
  ],
  demotions: true,
  autoApply: false,
  schedule: { cron: '0 6 1 1,4,7,10 *' },
  approvalTimeout: '30 days',
};

export function checkTiersRules(
  rules: TiersRules,
  minorDigits: (currency: string) => number,
  context: { limits: RuleLimits; tenantCurrency?: string } = { limits: PRODUCTION_RULE_LIMITS },
): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const names = rules.tiers.map((t) => tierKey(t.name));
  if (new Set(names).size !== names.length) problems.push({ field: 'body.definition.tiers', detail: 'names a tier twice' });
  // Intl formats any well-formed code, so validity comes from the list of known currencies.
  if (!isCurrency(rules.currency)) {
    problems.push({ field: 'body.definition.currency', detail: `${rules.currency} is not an ISO 4217 currency` });
  } else if (context.tenantCurrency !== undefined && rules.currency !== context.tenantCurrency) {
    // Performance is recorded in the tenant currency and never converted: other thresholds match nothing.
    problems.push({ field: 'body.definition.currency', detail: `must be the tenant currency ${context.tenantCurrency}; revenue is recorded in it, so ${rules.currency} thresholds would see none` });
  }
  const cron = cronProblem(rules.schedule.cron);
  if (cron) problems.push({ field: 'body.definition.schedule.cron', detail: cron });
  durationChecker(problems, context.limits).bounded('body.definition.approvalTimeout', rules.approvalTimeout);
  const digits = isCurrency(rules.currency) ? minorDigits(rules.currency) : 2;
  rules.tiers.forEach((tier, i) => {
    try {
      toMinor(tier.minClosedWonRevenue, digits);
    } catch (err) {
      problems.push({ field: `body.definition.tiers.${i}.minClosedWonRevenue`, detail: (err as Error).message });
    }
  });
  return problems;
}
